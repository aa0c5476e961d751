package watch

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// tick is the running state of one tick: its own recorder and tracker (so
// nothing grows across ticks), the canaries, and what it found.
type tick struct {
	w       *Watcher
	n       int64
	s       *safety.Session
	rec     *fakeidp.Recorder
	drained int
	patch   bool // the server advertises PATCH
	filter  bool // the server advertises filtering
	user    *canary
	group   *canary
	found   []Anomaly
	errors  int           // 5xx answers and unanswered requests
	maxLat  time.Duration // slowest request
	spiked  bool
	started time.Time
	up      bool
	downWhy string // why the probe counted the target down
}

func (w *Watcher) newTick(ctx context.Context) *tick {
	rec := fakeidp.NewRecorder()
	c := w.cfg.Client.Recording(rec)
	tr := safety.NewTracker(0)
	tr.Scope(w.prefix, false)
	tr.Bind(c)
	w.ticks++
	t := &tick{w: w, n: w.ticks, rec: rec, started: w.cfg.Now()}
	t.s = safety.NewSession(ctx, c, tr, nil)
	t.s.OnRetryLookup = func(err error, _ *fakeidp.Exchange) {
		if err != nil {
			t.raise(CountMismatch, "create", "", "a retried create made a duplicate: "+err.Error())
		}
	}
	return t
}

// probe reads /ServiceProviderConfig: whether the target is up, and whether
// it supports PATCH and filters.
func (t *tick) probe() bool {
	ex, err := t.s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/ServiceProviderConfig", Retry: true})
	t.drain()
	switch {
	case err != nil:
		t.downWhy = "GET /ServiceProviderConfig: " + t.rec.Scrub(err.Error())
		return false
	case ex.Status >= 500:
		t.downWhy = fmt.Sprintf("GET /ServiceProviderConfig = %d", ex.Status)
		return false
	}
	if ex.Status != http.StatusOK {
		t.patch = true // no discovery: PATCH is what every IdP sends
		return true
	}
	t.patch = fakeidp.Get(ex.RespBody, "patch", "supported").Bool()
	t.filter = fakeidp.Get(ex.RespBody, "filter", "supported").Bool()
	return true
}

// drain takes the exchanges recorded since the last call into the metrics,
// the log and the flight recorder.
func (t *tick) drain() {
	exs := t.rec.ExchangesFrom(t.drained)
	t.drained += len(exs)
	for _, ex := range exs {
		path := pathTemplate(ex.URL)
		t.w.m.duration.WithLabelValues(ex.Method, path).Observe(ex.Latency.Seconds())
		t.maxLat = max(t.maxLat, ex.Latency)
		attrs := []any{"method", ex.Method, "path", path, "status", ex.Status, "latency_ms", ms(ex.Latency), "tick", t.n}
		if ex.Err != nil {
			attrs = append(attrs, "error", t.rec.Scrub(ex.Err.Error()))
		}
		t.w.cfg.Log.Info("exchange", attrs...)
		t.w.flight.add(ex)
		if ex.Status == 0 || ex.Status >= 500 {
			t.errors++
		}
		if ex.Latency > t.w.cfg.LatencyThreshold && !t.spiked {
			t.spiked = true
			t.raise(LatencySpike, "", "", fmt.Sprintf("%s %s took %s (threshold %s)", ex.Method, path, ex.Latency.Round(time.Millisecond), t.w.cfg.LatencyThreshold))
		}
	}
}

// confirm reads until ok says the mutation op shows, polling with backoff
// (10ms doubling to 1s) up to --confirm-timeout; it counts the mutation's
// outcome and the confirmation lag, and raises an unconfirmed mutation when
// the bound passes. It returns the confirming read.
func (t *tick) confirm(op, typ string, read func() (*fakeidp.Exchange, error), ok func(*fakeidp.Exchange) bool) (*fakeidp.Exchange, bool) {
	start := time.Now()
	deadline := start.Add(t.w.cfg.ConfirmTimeout)
	wait := 10 * time.Millisecond
	var last *fakeidp.Exchange
	for {
		ex, err := read()
		t.drain()
		if err == nil && ex != nil {
			last = ex
			if ok(ex) {
				t.w.m.mutations.WithLabelValues(op, typ, outcomeOK).Inc()
				t.w.m.lag.WithLabelValues(op).Observe(time.Since(start).Seconds())
				return ex, true
			}
		}
		if time.Now().Add(wait).After(deadline) || t.s.Ctx.Err() != nil {
			break
		}
		time.Sleep(wait) // bounded by the timeout; a stop waits for the step to finish
		wait = min(2*wait, time.Second)
	}
	t.w.m.mutations.WithLabelValues(op, typ, outcomeUnconfirmed).Inc()
	seen := "no answer"
	if last != nil {
		seen = fmt.Sprintf("the last read, %s %s, answered %d", last.Method, pathTemplate(last.URL), last.Status)
	}
	t.raise(MutationUnconfirmed, op, typ, fmt.Sprintf("%s of the canary %s was acknowledged but not seen within %s: %s",
		op, typ, t.w.cfg.ConfirmTimeout, seen))
	return last, false
}

// raise records an anomaly of the tick.
func (t *tick) raise(kind AnomalyKind, op, typ, detail string) {
	a := Anomaly{Kind: kind, Op: op, Resource: typ, Detail: t.rec.Scrub(detail), At: t.w.cfg.Now()}
	t.found = append(t.found, a)
	t.w.m.anomalies.WithLabelValues(string(kind)).Inc()
	t.w.cfg.Log.Warn("anomaly", "kind", string(kind), "op", op, "resource", typ, "detail", a.Detail, "tick", t.n)
}

// cleanup deletes the canaries the cycle did not get to delete (it was
// aborted or stopped), so none outlives its tick.
func (t *tick) cleanup() {
	for _, c := range []*canary{t.group, t.user} {
		if c == nil || c.id == "" || c.deleted {
			continue
		}
		ex, err := t.s.Write(http.MethodDelete, c.typ, c.id, nil, nil)
		t.drain()
		if err == nil && (safety.OK(ex) || ex.Status == http.StatusNotFound) {
			c.deleted = true
			if err := t.w.st.gone(c.typ, c.name); err != nil {
				t.w.logErr("state", err)
			}
		}
	}
}
