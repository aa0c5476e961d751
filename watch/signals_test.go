package watch

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
)

func TestBurstAndSpike(t *testing.T) {
	slow := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/Groups/") {
				time.Sleep(30 * time.Millisecond)
			}
			if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/Users/") {
				http.Error(rw, "{}", http.StatusBadGateway) // three refused updates: a burst
				return
			}
			next.ServeHTTP(rw, r)
		})
	}
	w := newTestWatcher(t, newRef(t, nil, slow), Config{LatencyThreshold: 20 * time.Millisecond, ErrorBurst: 1})
	tk := runTick(t, w)
	got := kinds(tk.found)
	for _, want := range []string{"latency_spike/", "error_burst/", "mutation_failed/update"} {
		if !contains(got, want) {
			t.Errorf("anomalies %v lack %s", got, want)
		}
	}
}

type fakeSource struct{ drift DriftCounts }

func (f fakeSource) Reconcile(context.Context) (DriftCounts, error) { return f.drift, nil }

func TestSourceDriftIsExported(t *testing.T) {
	w := newTestWatcher(t, newRef(t, nil, nil), Config{Source: fakeSource{DriftCounts{"missing": 2}}})
	w.reconcile(context.Background(), "cadence")
	if v := testutil.ToFloat64(w.m.drift.WithLabelValues("missing")); v != 2 {
		t.Errorf("drift_resources{class=missing} = %v, want 2", v)
	}
	if v := testutil.ToFloat64(w.m.lastSuccess.WithLabelValues("reconcile")); v == 0 {
		t.Error("no reconcile success time")
	}
}

// syncBuffer is a log sink safe for the watcher's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsAndIncidentsRedacted: one JSON line per exchange with a path
// template, and neither the log nor the incident HAR carries the token.
func TestLogsAndIncidentsRedacted(t *testing.T) {
	const token = "s3cret-watch-token-123456"
	srv, _ := refserver.New(refserver.Config{BasePath: "/scim/v2", Token: token, Faults: []string{"deleted-and-unknown-readable"}})
	ts := newRefHandler(t, srv)
	var logs syncBuffer
	c, err := fakeidp.NewClient(ts.URL+"/scim/v2", fakeidp.WithBearer(token))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := New(Config{Client: c, MinAge: -1, ConfirmTimeout: 200 * time.Millisecond, IncidentDir: dir, Log: newJSONLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	runTick(t, w)
	out := logs.String()
	if strings.Contains(out, token) {
		t.Error("the log carries the token")
	}
	if !strings.Contains(out, `"msg":"exchange","method":"DELETE","path":"/Users/{id}","status":204`) {
		t.Errorf("no exchange line for the user delete in:\n%.2000s", out)
	}
	hars, _ := filepath.Glob(filepath.Join(dir, "incident-*.har"))
	if len(hars) == 0 {
		t.Fatal("no incident file")
	}
	b, _ := os.ReadFile(hars[0])
	if strings.Contains(string(b), token) {
		t.Error("the incident HAR carries the token")
	}
	if !strings.Contains(string(b), `"method": "DELETE"`) {
		t.Error("the incident HAR lacks the delete")
	}
}

func TestRunKeepsGoingWhileTargetDown(t *testing.T) {
	ts := newRef(t, nil, nil)
	w := newTestWatcher(t, ts, Config{Every: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond})
	ts.Close()
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- w.Run(stop) }()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Run returned on its own: %v", err)
	default:
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("Run = %v after a stop", err)
	}
	if v := testutil.ToFloat64(w.m.ticks.WithLabelValues(outcomeDown)); v < 2 {
		t.Errorf("ticks_total{outcome=down} = %v, want several", v)
	}
}

// TestLostCreateAnswerIsLookedUp: a server that creates the user but
// answers 503 gets no second create: the look-up by name finds the user,
// which stands in for the lost answer, and the cycle goes on clean.
func TestLostCreateAnswerIsLookedUp(t *testing.T) {
	var posts, lost atomic.Int32
	flaky := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users") {
				if posts.Add(1) == 1 {
					next.ServeHTTP(httptest.NewRecorder(), r) // created, answer lost
					lost.Add(1)
					rw.Header().Set("Retry-After", "0")
					http.Error(rw, "{}", http.StatusServiceUnavailable)
					return
				}
			}
			next.ServeHTTP(rw, r)
		})
	}
	w := newTestWatcher(t, newRef(t, nil, flaky), Config{})
	tk := runTick(t, w)
	if lost.Load() != 1 {
		t.Fatal("the create's answer was never lost: the test proves nothing")
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("%d creates sent, want 1: a lost answer was retried blindly", n)
	}
	if len(tk.found) != 0 {
		t.Errorf("anomalies %v after a lost create answer that the look-up found", kinds(tk.found))
	}
	if n := prefixed(t, w); n != 0 {
		t.Errorf("%d canaries left", n)
	}
}
