package watch

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// reconcile brings what the watcher owns back in line: every canary it
// still owns in the state is deleted (read first, so only the watcher's own
// resources are touched), then the watch prefix is swept; whatever the
// server still lists with the prefix is drift of class "leftover". With a
// Source, the tenant is reconciled against it too. why is "start",
// "cadence", "anomaly" or "stop", for the log.
func (w *Watcher) reconcile(ctx context.Context, why string) {
	ctx, cancel := context.WithTimeout(ctx, max(time.Minute, 3*w.cfg.ConfirmTimeout))
	defer cancel()
	rec := fakeidp.NewRecorder()
	c := w.cfg.Client.Recording(rec)
	leftover, err := w.reconcileOwned(ctx, c)
	drift := DriftCounts{driftLeftover: leftover}
	if err == nil && w.cfg.Source != nil {
		var more DriftCounts
		if more, err = w.cfg.Source.Reconcile(ctx); err == nil {
			for k, v := range more {
				drift[k] += v
			}
		}
	}
	w.lastReconcile = time.Now()
	if err != nil {
		w.cfg.Log.Error("reconcile", "why", why, "error", rec.Scrub(err.Error()))
		return
	}
	for k, v := range drift {
		w.m.drift.WithLabelValues(k).Set(float64(v))
	}
	w.drift = drift
	w.m.lastSuccess.WithLabelValues("reconcile").Set(float64(w.cfg.Now().Unix()))
	w.cfg.Log.Info("reconcile", "why", why, "leftover", leftover)
}

// reconcileOwned deletes the canaries the state still owns and sweeps the
// prefix; it returns how many resources with the prefix the server listed
// before the sweep and still lists after it. Between ticks nothing with
// the prefix should exist.
func (w *Watcher) reconcileOwned(ctx context.Context, c *fakeidp.Client) (int, error) {
	owned, err := w.st.owned()
	if err != nil {
		return 0, err
	}
	tr := safety.NewTracker(0)
	tr.Scope(w.prefix, false)
	for _, r := range owned {
		if r.ID != "" {
			tr.Add(r.Type, r.ID, r.Name)
		}
	}
	for _, r := range tr.Live() {
		if err := tr.Confirm(ctx, c, r.Type, r.ID); err != nil {
			continue // not ours after all (or unreadable): the sweep decides by name
		}
		ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodDelete, Path: safety.Endpoint(r.Type) + "/" + r.ID, Retry: true})
		if err == nil && ex.Status != http.StatusNotFound && !safety.OK(ex) {
			w.cfg.Log.Warn("reconcile", "delete", r.Type, "status", ex.Status)
		}
	}
	rep := safety.Sweep(ctx, c, w.prefix, safety.SweepOptions{MaxPages: 10})
	if len(rep.Errors) > 0 {
		return 0, fmt.Errorf("the sweep of %s: %s", w.prefix, rep.Errors[0])
	}
	for _, r := range owned {
		if err := w.st.gone(r.Type, r.Name); err != nil {
			return 0, err
		}
	}
	// Listed again: what is still there after every delete is drift.
	left := safety.Sweep(ctx, c, w.prefix, safety.SweepOptions{DryRun: true, MaxPages: 10})
	n := len(left.Deleted)
	for _, l := range left.Deleted {
		if err := w.st.intend(l.Type, l.Name, w.cfg.Now()); err == nil {
			_ = w.st.created(l.Type, l.Name, l.ID)
		}
	}
	return n, nil
}
