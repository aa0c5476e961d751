package watch

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
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

// TestHelperCrashWatcher is not a test: TestKillMidTick runs it in a
// subprocess, which it then kills with SIGKILL in the middle of a tick.
func TestHelperCrashWatcher(t *testing.T) {
	url, state := os.Getenv("SCIMLOOP_WATCH_CRASH_URL"), os.Getenv("SCIMLOOP_WATCH_CRASH_STATE")
	if url == "" {
		t.Skip("run by TestKillMidTick")
	}
	c, err := fakeidp.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Client: c, StatePath: state, MinAge: -1, Every: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Run(make(chan struct{})) // until killed
}

func TestKillMidTick(t *testing.T) {
	srv, err := refserver.New(refserver.Config{BasePath: "/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	var hold atomic.Bool
	hold.Store(true)
	reached, release := make(chan struct{}, 1), make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if hold.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Groups") {
			select { // the user is created; the group create hangs until the kill
			case reached <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		srv.ServeHTTP(rw, r)
	}))
	defer ts.Close()
	defer close(release) // before ts.Close: a hung request must not hold it
	state := filepath.Join(t.TempDir(), "watch.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCrashWatcher$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SCIMLOOP_WATCH_CRASH_URL="+ts.URL+"/scim/v2", "SCIMLOOP_WATCH_CRASH_STATE="+state)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the watcher never reached the group create")
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	_ = cmd.Wait()
	hold.Store(false)

	c, _ := fakeidp.NewClient(ts.URL + "/scim/v2")
	w, err := New(Config{Client: c, StatePath: state, MinAge: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	owned, _ := w.st.owned()
	if len(owned) == 0 || prefixed(t, w) == 0 {
		t.Fatalf("the killed watcher left no canary to find (owned %v): the test proves nothing", owned)
	}
	stop := make(chan struct{})
	close(stop) // start, clean up, stop before the first tick
	if err := w.Run(stop); err != nil {
		t.Fatal(err)
	}
	if n := prefixed(t, w); n != 0 {
		t.Errorf("%d orphaned canaries left after the restart", n)
	}
	if owned, _ := w.st.owned(); len(owned) != 0 {
		t.Errorf("the state still owns %v", owned)
	}
}

func TestStopMidTickDeletesCanaries(t *testing.T) {
	srv, _ := refserver.New(refserver.Config{BasePath: "/scim/v2"})
	stop := make(chan struct{})
	var once sync.Once
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Groups") {
			once.Do(func() { close(stop) }) // SIGTERM arrives mid-tick
		}
		srv.ServeHTTP(rw, r)
	}))
	defer ts.Close()
	w := newTestWatcher(t, ts, Config{Every: time.Hour})
	done := make(chan error, 1)
	go func() { done <- w.Run(stop) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil on a stop", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after the stop")
	}
	if n := prefixed(t, w); n != 0 {
		t.Errorf("%d canaries left after a stop", n)
	}
}

func TestTargetDownBacksOff(t *testing.T) {
	ts := newRef(t, nil, nil)
	w := newTestWatcher(t, ts, Config{Every: time.Second, MaxBackoff: 8 * time.Second})
	ts.Close()
	tk := w.tick(context.Background())
	if tk.up {
		t.Fatal("a closed server counted as up")
	}
	if v := testutil.ToFloat64(w.m.targetUp); v != 0 {
		t.Errorf("target_up = %v, want 0", v)
	}
	if v := testutil.ToFloat64(w.m.ticks.WithLabelValues(outcomeDown)); v != 1 {
		t.Errorf("ticks_total{outcome=down} = %v, want 1", v)
	}
	if d := w.next(false, 0); d != time.Second {
		t.Errorf("first backoff %s, want 1s", d)
	}
	w.downSince = time.Now().Add(-time.Hour)
	if d := w.next(false, 0); d != 8*time.Second {
		t.Errorf("long backoff %s, want the 8s cap", d)
	}
	if d := w.next(true, 100*time.Millisecond); d != 900*time.Millisecond {
		t.Errorf("after recovery %s, want the cadence less the tick", d)
	}
}

// switchable serves the handler last set.
type switchable struct{ h atomic.Pointer[http.Handler] }

func (s *switchable) set(h http.Handler) { s.h.Store(&h) }
func (s *switchable) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(rw, r)
}

func TestWebhookFiresOnceAndResolves(t *testing.T) {
	var mu sync.Mutex
	var got []webhookMessage
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var m webhookMessage
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer hook.Close()
	faulty, _ := refserver.New(refserver.Config{BasePath: "/scim/v2", Faults: []string{"deleted-and-unknown-readable"}})
	clean, _ := refserver.New(refserver.Config{BasePath: "/scim/v2"})
	sw := &switchable{}
	sw.set(faulty)
	ts := httptest.NewServer(sw)
	defer ts.Close()
	w := newTestWatcher(t, ts, Config{AlertWebhook: hook.URL})
	runTick(t, w)
	runTick(t, w) // still failing: no second message
	sw.set(clean)
	runTick(t, w)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("%d webhook messages, want 2 (firing once, resolved once): %+v", len(got), got)
	}
	if got[0].Status != "firing" || got[0].Alerts[0].Labels["alertname"] != "ScimloopMutationUnconfirmed" {
		t.Errorf("first message %+v, want ScimloopMutationUnconfirmed firing", got[0])
	}
	if got[1].Status != "resolved" || got[1].Alerts[0].EndsAt.IsZero() || got[1].Version != "4" {
		t.Errorf("second message %+v, want it resolved", got[1])
	}
}

func TestStatusPageAndRetention(t *testing.T) {
	w := newTestWatcher(t, newRef(t, nil, nil), Config{Retention: 5})
	for range 3 {
		runTick(t, w)
	}
	rr := httptest.NewRecorder()
	w.Handler().ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/", nil))
	body := rr.Body.String()
	for _, want := range []string{"<svg", "<polyline", w.prefix, "Last ticks", ">ok<"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	rr = httptest.NewRecorder()
	w.Handler().ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, name := range MetricNames() {
		if !strings.Contains(rr.Body.String(), name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// Retention: 200 more ticks recorded, at most 5 kept.
	for i := range 200 {
		if _, err := w.st.addTick(TickRecord{Started: time.Now(), Outcome: outcomeOK}, nil); err != nil {
			t.Fatal(i, err)
		}
	}
	ticks, _ := w.st.lastTicks(context.Background(), 1000)
	if len(ticks) > 5+100 {
		t.Errorf("%d ticks kept with a retention of 5", len(ticks))
	}
	var out strings.Builder
	path := filepath.Join(t.TempDir(), "s.db")
	st, _ := openStore(path, 10)
	_, _ = st.addTick(TickRecord{Started: time.Now(), Outcome: outcomeAnomaly, Detail: "x"}, []Anomaly{{Kind: MutationFailed, Detail: "delete refused", At: time.Now()}})
	st.Close()
	if err := PrintStatus(&out, path, 5); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "mutation_failed: delete refused") {
		t.Errorf("status output:\n%s", out.String())
	}
}

// TestIncidentOncePerOpening: a lasting fault writes one incident file, not
// one per tick.
func TestIncidentOncePerOpening(t *testing.T) {
	dir := t.TempDir()
	w := newTestWatcher(t, newRef(t, []string{"deleted-and-unknown-readable"}, nil), Config{IncidentDir: dir})
	for range 3 {
		runTick(t, w)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "incident-*.har"))
	if len(files) != 1 {
		t.Errorf("%d incident files for one lasting fault, want 1", len(files))
	}
}
