package watch

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/safety"
)

// newRef serves the reference server with faults, wrapped by wrap (nil: as is).
func newRef(t testing.TB, faults []string, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	srv, err := refserver.New(refserver.Config{BasePath: "/scim/v2", Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// newTestWatcher returns a watcher of ts with short bounds for tests.
func newTestWatcher(t testing.TB, ts *httptest.Server, cfg Config) *Watcher {
	t.Helper()
	c, err := fakeidp.NewClient(ts.URL+"/scim/v2", fakeidp.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Client = c
	if cfg.ConfirmTimeout == 0 {
		cfg.ConfirmTimeout = 300 * time.Millisecond
	}
	if cfg.MinAge == 0 {
		cfg.MinAge = -1
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// kinds returns the kinds a tick found, with their ops.
func kinds(found []Anomaly) []string {
	var out []string
	for _, a := range found {
		out = append(out, string(a.Kind)+"/"+a.Op)
	}
	return out
}

// runTick runs one tick and returns it.
func runTick(t *testing.T, w *Watcher) *tick {
	t.Helper()
	tk := w.tick(context.Background())
	if !tk.up {
		t.Fatal("the target is down")
	}
	return tk
}

// prefixed lists the users and groups on ts with the watcher's prefix.
func prefixed(t *testing.T, w *Watcher) int {
	t.Helper()
	rep := safety.Sweep(context.Background(), w.cfg.Client, w.prefix, safety.SweepOptions{DryRun: true})
	return len(rep.Deleted)
}

func TestCleanTick(t *testing.T) {
	w := newTestWatcher(t, newRef(t, nil, nil), Config{})
	tk := runTick(t, w)
	if len(tk.found) != 0 {
		t.Fatalf("a correct server raised %v: %+v", kinds(tk.found), tk.found)
	}
	for _, op := range []string{"create", "update", "add_member", "remove_member", "deactivate", "delete"} {
		typ := "User"
		if op == "add_member" || op == "remove_member" {
			typ = "Group"
		}
		if got := testutil.ToFloat64(w.m.mutations.WithLabelValues(op, typ, outcomeOK)); got != 1 {
			t.Errorf("mutations_total{op=%q,resource=%q,outcome=ok} = %v, want 1", op, typ, got)
		}
	}
	if n := prefixed(t, w); n != 0 {
		t.Errorf("%d canaries left on the server", n)
	}
	if owned, _ := w.st.owned(); len(owned) != 0 {
		t.Errorf("the state still owns %v", owned)
	}
	if got := testutil.ToFloat64(w.m.targetUp); got != 1 {
		t.Errorf("target_up = %v", got)
	}
}

// swallow answers requests that match with 204 and never passes them on:
// a server that acknowledges what it does not do.
func swallow(match func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if match(r) {
				rw.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(rw, r)
		})
	}
}

func answer(status int, match func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if match(r) {
				http.Error(rw, `{"status":"500"}`, status)
				return
			}
			next.ServeHTTP(rw, r)
		})
	}
}

func TestFaultsRaiseTheirAnomaly(t *testing.T) {
	userDelete := func(r *http.Request) bool {
		return r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/Users/")
	}
	memberAdd := func(r *http.Request) bool {
		if r.Method != http.MethodPatch || !strings.Contains(r.URL.Path, "/Groups/") {
			return false
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := r.Body.Read(buf)
		b.Write(buf[:n])
		return strings.Contains(b.String(), `"op":"add"`)
	}
	cases := []struct {
		name   string
		faults []string
		wrap   func(http.Handler) http.Handler
		minAge time.Duration
		want   string // kind/op
		metric func(*Watcher) float64
	}{
		{name: "deleted-and-unknown-readable", faults: []string{"deleted-and-unknown-readable"}, want: "mutation_unconfirmed/delete",
			metric: func(w *Watcher) float64 {
				return testutil.ToFloat64(w.m.mutations.WithLabelValues("delete", "User", outcomeUnconfirmed))
			}},
		{name: "lastmodified-frozen", faults: []string{"lastmodified-frozen"}, minAge: 1100 * time.Millisecond, want: "readback_mismatch/update",
			metric: func(w *Watcher) float64 {
				return testutil.ToFloat64(w.m.anomalies.WithLabelValues(string(ReadbackMismatch)))
			}},
		{name: "delete acknowledged, not applied", wrap: swallow(userDelete), want: "mutation_unconfirmed/delete",
			metric: func(w *Watcher) float64 { return testutil.ToFloat64(w.m.drift.WithLabelValues(driftLeftover)) }},
		{name: "members silently dropped", wrap: swallow(memberAdd), want: "mutation_unconfirmed/add_member",
			metric: func(w *Watcher) float64 {
				return testutil.ToFloat64(w.m.mutations.WithLabelValues("add_member", "Group", outcomeUnconfirmed))
			}},
		{name: "delete refused", wrap: answer(http.StatusInternalServerError, userDelete), want: "mutation_failed/delete",
			metric: func(w *Watcher) float64 {
				return testutil.ToFloat64(w.m.mutations.WithLabelValues("delete", "User", outcomeFailed))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newTestWatcher(t, newRef(t, tc.faults, tc.wrap), Config{MinAge: tc.minAge, IncidentDir: t.TempDir()})
			tk := runTick(t, w)
			got := kinds(tk.found)
			if !contains(got, tc.want) {
				t.Fatalf("anomalies %v, want %s", got, tc.want)
			}
			if v := tc.metric(w); v < 1 {
				t.Errorf("metric = %v, want ≥ 1", v)
			}
			if v := testutil.ToFloat64(w.m.open.WithLabelValues(strings.Split(tc.want, "/")[0])); v != 1 {
				t.Errorf("anomaly_open = %v, want 1", v)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func newRefHandler(t testing.TB, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func newJSONLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

// TestNoFalseAlarmOnLimitedServers: a correct but limited server (every
// personality, every capability switched off in turn) runs a clean tick.
func TestNoFalseAlarmOnLimitedServers(t *testing.T) {
	var cfgs []refserver.Config
	for _, p := range refserver.Personalities() {
		cfgs = append(cfgs, refserver.Config{BasePath: "/scim/v2", Personalities: []string{p.Name}})
	}
	for _, c := range refserver.Capabilities() {
		cfgs = append(cfgs, refserver.Config{BasePath: "/scim/v2", Without: []string{c}})
	}
	cfgs = append(cfgs, refserver.Config{BasePath: "/scim/v2", Without: refserver.Capabilities()})
	for _, cfg := range cfgs {
		name := strings.Join(append(cfg.Personalities, cfg.Without...), ",")
		t.Run(name, func(t *testing.T) {
			srv, err := refserver.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			w := newTestWatcher(t, newRefHandler(t, srv), Config{})
			tk := runTick(t, w)
			if len(tk.found) != 0 {
				t.Fatalf("anomalies on a correct server: %+v", tk.found)
			}
			if n := prefixed(t, w); n != 0 {
				t.Errorf("%d canaries left", n)
			}
		})
	}
}
