package watch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/scimloop/scimloop/safety"
)

// Watcher runs the loop. Build it with New, run it with Run.
type Watcher struct {
	cfg    Config
	st     *store
	m      *metrics
	prefix string // the watch prefix every canary name carries
	flight *flight
	alerts *alerter
	ticks  int64
	stop   <-chan struct{}

	lastReconcile time.Time
	downSince     time.Time
	open          map[AnomalyKind]bool // kinds seen and not yet cleared by a clean tick
	drift         DriftCounts
}

// New opens the state and prepares the metrics. The watch prefix is kept
// in the state, so a restart finds the canaries a crash left.
func New(cfg Config) (*Watcher, error) {
	if cfg.Client == nil {
		return nil, errors.New("watch: no client")
	}
	cfg.fill()
	st, err := openStore(cfg.StatePath, cfg.Retention)
	if err != nil {
		return nil, err
	}
	prefix, err := st.meta("prefix")
	if err == nil && prefix == "" {
		prefix = "scimloop-w" + safety.RandomRunID() + "-"
		err = st.setMeta("prefix", prefix)
	}
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("state %s: %w", cfg.StatePath, err)
	}
	w := &Watcher{cfg: cfg, st: st, m: newMetrics(), prefix: prefix, flight: newFlight(cfg.FlightSize),
		open: map[AnomalyKind]bool{}, drift: DriftCounts{}}
	w.alerts = newAlerter(cfg.AlertWebhook, cfg.Log)
	return w, nil
}

// Prefix returns the watch prefix ("scimloop-w<id>-").
func (w *Watcher) Prefix() string { return w.prefix }

// Close closes the state.
func (w *Watcher) Close() error { return w.st.Close() }

// Run deletes what an earlier run left, then ticks until stop is closed:
// it never returns on its own, whatever the target does. On stop it
// finishes the current step, deletes the canaries and returns nil.
func (w *Watcher) Run(stop <-chan struct{}) error {
	w.stop = stop
	ctx := context.Background() // a step is never cut short: stop is seen between steps
	w.reconcile(ctx, "start")
	wait := time.Duration(0)
	for {
		if !w.sleep(wait) {
			break
		}
		start := time.Now()
		up := w.tick(ctx).up
		if w.stopping() {
			break
		}
		if time.Since(w.lastReconcile) >= w.cfg.ReconcileEvery {
			w.reconcile(ctx, "cadence")
		}
		wait = w.next(up, time.Since(start))
	}
	w.reconcile(ctx, "stop")
	return nil
}

// next is the wait before the next tick: the cadence less the tick's own
// time, or, while the target is down, a backoff that doubles up to
// MaxBackoff.
func (w *Watcher) next(up bool, took time.Duration) time.Duration {
	if up {
		w.downSince = time.Time{}
		return max(0, w.cfg.Every-took)
	}
	if w.downSince.IsZero() {
		w.downSince = time.Now()
	}
	d := w.cfg.Every
	for since := time.Since(w.downSince); d < w.cfg.MaxBackoff && d < since; {
		d *= 2
	}
	return min(d, w.cfg.MaxBackoff)
}

// stopping reports whether stop was asked for.
func (w *Watcher) stopping() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

// sleep waits d unless stop comes first; it reports whether to go on.
func (w *Watcher) sleep(d time.Duration) bool {
	if d <= 0 {
		return !w.stopping()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.stop:
		return false
	case <-t.C:
		return true
	}
}

// tick runs one canary cycle and records it.
func (w *Watcher) tick(ctx context.Context) *tick {
	t := w.newTick(ctx)
	up := t.probe()
	t.up = up
	if up {
		w.m.targetUp.Set(1)
		t.cycle()
		t.cleanup()
	} else {
		w.m.targetUp.Set(0)
	}
	if t.errors >= w.cfg.ErrorBurst && up {
		t.raise(ErrorBurst, "", "", fmt.Sprintf("%d answers in one tick were 5xx or never came", t.errors))
	}
	w.finish(ctx, t, up)
	return t
}

// finish records the tick, updates the metrics and alerts, and on an
// anomaly writes an incident file and reconciles at once.
func (w *Watcher) finish(ctx context.Context, t *tick, up bool) {
	outcome := outcomeOK
	switch {
	case !up:
		outcome = outcomeDown
	case len(t.found) > 0:
		outcome = outcomeAnomaly
	}
	w.m.ticks.WithLabelValues(outcome).Inc()
	now := w.cfg.Now()
	if outcome == outcomeOK {
		w.m.lastSuccess.WithLabelValues("tick").Set(float64(now.Unix()))
	}
	detail := t.downWhy
	if len(t.found) > 0 {
		detail = string(t.found[0].Kind) + ": " + t.found[0].Detail
	}
	rec := TickRecord{Started: t.started, Duration: now.Sub(t.started), MaxLatency: t.maxLat, Outcome: outcome, Detail: detail}
	if _, err := w.st.addTick(rec, t.found); err != nil {
		w.logErr("state", err)
	}
	w.cfg.Log.Info("tick", "tick", t.n, "outcome", outcome, "anomalies", len(t.found), "duration_ms", ms(rec.Duration))
	fresh := false // a kind that was not open: worth an incident file
	for _, a := range t.found {
		fresh = fresh || !w.open[a.Kind]
	}
	if up {
		w.setOpen(t.found)
	}
	w.alerts.update(ctx, w.firing(up), now)
	if len(t.found) > 0 {
		if fresh {
			w.incident(t) // once per opening, so a lasting fault does not fill the disk
		}
		w.reconcile(ctx, "anomaly")
	}
}

// setOpen marks the kinds a tick saw as open and clears the others.
func (w *Watcher) setOpen(found []Anomaly) {
	seen := map[AnomalyKind]bool{}
	for _, a := range found {
		seen[a.Kind] = true
	}
	for _, k := range anomalyKinds {
		w.open[k] = seen[k]
		v := 0.0
		if seen[k] {
			v = 1
		}
		w.m.open.WithLabelValues(string(k)).Set(v)
	}
}

func (w *Watcher) logErr(what string, err error) {
	w.cfg.Log.Error(what, "error", err.Error())
}
