// Package watch is the live feedback loop of "scimloop watch": each tick a
// canary user and group live one small life on the target (create, update,
// add and remove a member, deactivate, delete), every mutation is confirmed
// by reading it back, what the watcher owns is reconciled at a cadence and
// at once after an anomaly, and all of it is exported as Prometheus metrics,
// kept in SQLite, and raised as alerts.
package watch

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
)

// DriftCounts counts drifted resources by class ("leftover", "missing", or
// whatever classes a source-of-truth reconciler reports). Classes must be a
// small fixed set: each becomes a label value of scimloop_drift_resources.
type DriftCounts map[string]int

// Reconciler reconciles the tenant against a source of truth (the engine
// of "scimloop reconcile"). The watcher calls it at --reconcile-every and at
// once after an anomaly, and exports what it returns.
type Reconciler interface {
	Reconcile(ctx context.Context) (DriftCounts, error)
}

// Config is what a watcher needs. Zero durations take the defaults below.
type Config struct {
	// Client talks to the target. Its own recorder is not used: each tick
	// records into a fresh one (see [fakeidp.Client.Recording]), so a
	// watcher that runs for months does not grow.
	Client *fakeidp.Client
	// StatePath is the SQLite file; "" keeps state in memory only.
	StatePath      string
	Every          time.Duration // tick cadence (default 1m)
	ReconcileEvery time.Duration // cadence of the owned (and source) reconcile (default 1h)
	ConfirmTimeout time.Duration // how long a mutation may take to show (default 10s)
	// MinAge is how old the canary user must be before it is updated, so
	// that a frozen meta.lastModified can be told from a coarse clock: the
	// advance is judged only when the update comes over a second after the
	// create. Default 1.1s; a negative value means no wait.
	MinAge time.Duration
	// LatencyThreshold is the request latency that is a spike (default 2s).
	LatencyThreshold time.Duration
	// ErrorBurst is how many 5xx or unanswered requests in one tick are a
	// burst (default 3).
	ErrorBurst int
	// Retention is how many ticks (and anomalies) the state keeps (default 10000).
	Retention int
	// MaxBackoff bounds the wait between ticks while the target is down
	// (default 5m, never less than Every).
	MaxBackoff time.Duration
	// AlertWebhook, when set, receives Alertmanager-compatible JSON.
	AlertWebhook string
	// IncidentDir receives a HAR file of the last exchanges when an
	// anomaly fires; "" writes none.
	IncidentDir string
	// FlightSize is how many exchanges the flight recorder keeps (default 200).
	FlightSize int
	// Source, when set, is reconciled with what the watcher owns.
	Source Reconciler
	// Log receives one JSON line per exchange and per event; nil discards.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults.
const (
	DefaultEvery            = time.Minute
	DefaultReconcileEvery   = time.Hour
	DefaultConfirmTimeout   = 10 * time.Second
	DefaultMinAge           = 1100 * time.Millisecond
	DefaultLatencyThreshold = 2 * time.Second
	DefaultErrorBurst       = 3
	DefaultRetention        = 10000
	DefaultMaxBackoff       = 5 * time.Minute
	DefaultFlightSize       = 200
)

func (c *Config) fill() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Every, DefaultEvery)
	def(&c.ReconcileEvery, DefaultReconcileEvery)
	def(&c.ConfirmTimeout, DefaultConfirmTimeout)
	def(&c.MinAge, DefaultMinAge)
	def(&c.LatencyThreshold, DefaultLatencyThreshold)
	def(&c.MaxBackoff, DefaultMaxBackoff)
	c.MaxBackoff = max(c.MaxBackoff, c.Every)
	if c.ErrorBurst <= 0 {
		c.ErrorBurst = DefaultErrorBurst
	}
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.FlightSize <= 0 {
		c.FlightSize = DefaultFlightSize
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}
