package watch

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// scimServer is the reference server on a fixed address that can be
// restarted with other faults, as `scimloop serve --fault` would be.
type scimServer struct {
	addr string
	hs   *http.Server
}

func (s *scimServer) start(t *testing.T, faults ...string) {
	t.Helper()
	srv, err := refserver.New(refserver.Config{BasePath: "/scim/v2", Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for try := 0; ; try++ { // the port was just released by the previous server
		if ln, err = net.Listen("tcp", s.addr); err == nil || try == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.hs = &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go s.hs.Serve(ln) //nolint:errcheck // ends with Close
}

func (s *scimServer) stop() {
	if s.hs != nil {
		s.hs.Close()
	}
}

// hookMessages collects the webhook messages Alertmanager sends.
type hookMessages struct {
	mu  sync.Mutex
	got []webhookMessage
}

func (h *hookMessages) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var m webhookMessage
	b, _ := io.ReadAll(r.Body)
	if json.Unmarshal(b, &m) == nil {
		h.mu.Lock()
		h.got = append(h.got, m)
		h.mu.Unlock()
	}
}

// seen reports whether an alert named name arrived with status.
func (h *hookMessages) seen(name, status string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.got {
		for _, a := range m.Alerts {
			if a.Labels["alertname"] == name && a.Status == status {
				return true
			}
		}
	}
	return false
}

// startProcess runs a binary until the test ends, its output in a log file.
func startProcess(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	logf, err := os.Create(filepath.Join(dir, filepath.Base(name)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("%s log (tail):\n%s", name, tail(b, 3000))
		}
	})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// waitFor polls cond every 250ms up to d and reports how long it took.
func waitFor(d time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < d {
		if cond() {
			return time.Since(start), true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return time.Since(start), false
}

// TestIntegrationPrometheusAlertmanager runs the whole path: the watcher
// against a reference server whose deletes are acknowledged but still
// readable, a real Prometheus scraping it with the shipped rules, a real
// Alertmanager routing to a webhook. The alert must fire within a bound, and
// resolve once the server is restarted without the fault.
func TestIntegrationPrometheusAlertmanager(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	prom, am := needBinary(t, "prometheus"), needBinary(t, "prometheus-alertmanager")
	dir := t.TempDir()
	rules, err := filepath.Abs("../examples/prometheus/scimloop-rules.yml")
	if err != nil {
		t.Fatal(err)
	}

	hook := &hookMessages{}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()

	scim := &scimServer{addr: freeAddr(t)}
	scim.start(t, "deleted-and-unknown-readable")
	defer func() { scim.stop() }()

	c, err := fakeidp.NewClient("http://" + scim.addr + "/scim/v2")
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Client: c, StatePath: filepath.Join(dir, "watch.db"), Every: 200 * time.Millisecond,
		ConfirmTimeout: 200 * time.Millisecond, MinAge: -1, MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	metricsAddr := freeAddr(t)
	ln, err := net.Listen("tcp", metricsAddr)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan error, 2)
	go func() { done <- w.Serve(ln, stop) }()
	go func() { done <- w.Run(stop) }()
	defer func() {
		close(stop)
		<-done
		<-done
	}()

	amAddr, promAddr := freeAddr(t), freeAddr(t)
	amConfig := fmt.Sprintf(`route:
  receiver: test
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: %s
        send_resolved: true
`, hookSrv.URL)
	promConfig := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
alerting:
  alertmanagers:
    - static_configs:
        - targets: [%q]
scrape_configs:
  - job_name: scimloop
    static_configs:
      - targets: [%q]
`, rules, amAddr, metricsAddr)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	startProcess(t, dir, am, "--config.file="+write("am.yml", amConfig), "--storage.path="+filepath.Join(dir, "am"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")
	startProcess(t, dir, prom, "--config.file="+write("prom.yml", promConfig), "--storage.tsdb.path="+filepath.Join(dir, "prom"),
		"--web.listen-address="+promAddr)

	took, ok := waitFor(90*time.Second, func() bool { return hook.seen("ScimloopMutationUnconfirmed", "firing") })
	if !ok {
		t.Fatalf("no firing ScimloopMutationUnconfirmed reached the webhook within %s", took.Round(time.Second))
	}
	t.Logf("a delete acknowledged but still readable reached the webhook as a firing alert in %s", took.Round(time.Millisecond))

	scim.stop()
	scim.start(t) // the fault is lifted
	took, ok = waitFor(90*time.Second, func() bool { return hook.seen("ScimloopMutationUnconfirmed", "resolved") })
	if !ok {
		t.Fatalf("the alert did not resolve within %s of lifting the fault", took.Round(time.Second))
	}
	t.Logf("resolved %s after the fault was lifted", took.Round(time.Millisecond))
}
