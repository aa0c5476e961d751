package main

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
	"syscall"
	"testing"
	"time"
)

// needBinary returns the path of name; in CI (CI=true) a missing binary
// fails the test, elsewhere it skips.
func needBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed, and CI must run this test (.ci/run installs prometheus and prometheus-alertmanager)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// freeAddr returns a loopback address whose port was free a moment ago.
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

// alertHook collects what Alertmanager posts to its webhook receiver.
type alertHook struct {
	mu  sync.Mutex
	got []struct {
		Alerts []struct {
			Status string
			Labels map[string]string
		}
	}
}

func (h *alertHook) ServeHTTP(_ http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	var m struct {
		Alerts []struct {
			Status string
			Labels map[string]string
		}
	}
	if json.Unmarshal(b, &m) == nil {
		h.got = append(h.got, m)
	}
}

// seen reports whether an alert named name arrived with status.
func (h *alertHook) seen(name, status string) bool {
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

// startDaemon runs a binary until stopped or the test ends, its output in
// a log file that is shown when the test fails. stop sends SIGTERM and waits.
func startDaemon(t *testing.T, dir, logName, bin string, args ...string) (stop func()) {
	t.Helper()
	logf, err := os.Create(filepath.Join(dir, logName+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			logf.Close()
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 3000 {
				b = b[len(b)-3000:]
			}
			t.Logf("%s log (tail):\n%s", logName, b)
		}
	})
	return stop
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

// TestWatchPrometheusAlertmanager runs the whole path with real processes:
// "scimloop watch" against "scimloop serve --fault deleted-and-unknown-readable"
// (deletes acknowledged but still readable), a real Prometheus scraping the
// watcher with the shipped rules, and a real Alertmanager routing to a test
// webhook. The alert must fire within a bound, and resolve once the server
// is restarted without the fault. Everything binds 127.0.0.1.
func TestWatchPrometheusAlertmanager(t *testing.T) {
	prom, am := needBinary(t, "prometheus"), needBinary(t, "prometheus-alertmanager")
	bin, dir := scimloopBinary(t), t.TempDir()
	rules, err := filepath.Abs("../../examples/prometheus/scimloop-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	hook := &alertHook{}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()

	scimAddr, metricsAddr, amAddr, promAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	stopServe := startDaemon(t, dir, "serve-faulty", bin, "serve", "--addr", scimAddr, "--fault", "deleted-and-unknown-readable")
	startDaemon(t, dir, "watch", bin, "watch", "--url", "http://"+scimAddr+basePath, "--every", "200ms",
		"--confirm-timeout", "200ms", "--max-backoff", "1s", "--metrics-addr", metricsAddr, "--state", filepath.Join(dir, "w.db"))

	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	amConfig := write("am.yml", fmt.Sprintf(`route:
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
`, hookSrv.URL))
	promConfig := write("prom.yml", fmt.Sprintf(`global:
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
`, rules, amAddr, metricsAddr))
	startDaemon(t, dir, "alertmanager", am, "--config.file="+amConfig, "--storage.path="+filepath.Join(dir, "am"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")
	startDaemon(t, dir, "prometheus", prom, "--config.file="+promConfig, "--storage.tsdb.path="+filepath.Join(dir, "prom"),
		"--web.listen-address="+promAddr)

	took, ok := waitFor(120*time.Second, func() bool { return hook.seen("ScimloopMutationUnconfirmed", "firing") })
	if !ok {
		t.Fatalf("no firing ScimloopMutationUnconfirmed reached the webhook within %s", took.Round(time.Second))
	}
	t.Logf("an acknowledged but still readable delete reached the webhook as a firing alert in %s", took.Round(time.Millisecond))

	stopServe()
	startDaemon(t, dir, "serve-fixed", bin, "serve", "--addr", scimAddr) // the fault is lifted
	took, ok = waitFor(120*time.Second, func() bool { return hook.seen("ScimloopMutationUnconfirmed", "resolved") })
	if !ok {
		t.Fatalf("the alert did not resolve within %s of lifting the fault", took.Round(time.Second))
	}
	t.Logf("resolved %s after the fault was lifted", took.Round(time.Millisecond))
}
