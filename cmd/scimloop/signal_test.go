package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scimloop/scimloop/internal/tenant"
)

// These tests drive the real binary: build it, serve the reference server
// with it, run against that, and send real signals.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// scimloopBinary builds the binary once per test process.
func scimloopBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "scimloop-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "scimloop")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("building scimloop: %v", binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var servingURL = regexp.MustCompile(`serving SCIM at (http://\S+)`)

// serveBinary starts "scimloop serve" on a free loopback port and returns
// its SCIM base URL; the server is stopped when the test ends.
func serveBinary(t *testing.T, token string, faults ...string) string {
	t.Helper()
	args := []string{"serve", "--addr", "127.0.0.1:0", "--token", token}
	if len(faults) > 0 {
		args = append(args, "--fault", strings.Join(faults, ","))
	}
	cmd := exec.Command(scimloopBinary(t), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(15 * time.Second):
		t.Fatal("scimloop serve did not say where it serves")
	}
	return ""
}

// startRun starts "scimloop run" against url and returns the command and
// its output buffers.
func startRun(t *testing.T, url, token, out string, extra ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	args := append([]string{"run", "--url", url, "--out", out}, extra...)
	cmd := exec.Command(scimloopBinary(t), args...)
	cmd.Env = append(os.Environ(), "SCIMLOOP_TOKEN="+token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// waitBusy returns once the run has created n users on the server (each
// test has a server of its own), so a signal sent next finds the run at work
// with its handlers installed, however slowly a loaded machine started it.
func waitBusy(t *testing.T, url, token string, n int) {
	t.Helper()
	tn := tenant.New(url, token)
	deadline := time.Now().Add(60 * time.Second)
	for {
		users, err := tn.Named("User", "scimloop-")
		if err == nil && len(users) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run created %d users within 60s, want %d (last listing error: %v)", len(users), n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitExit waits for cmd and returns its exit code, failing after limit.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("wait: %v", err)
		}
		return 0
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		t.Fatalf("scimloop did not exit within %v", limit)
	}
	return -1
}

func prefixOf(t *testing.T, out string) string {
	t.Helper()
	run := readRun(t, out)
	if !strings.HasPrefix(run.Prefix, "scimloop-") {
		t.Fatalf("results.json prefix = %q", run.Prefix)
	}
	return run.Prefix
}

// assertNothingLeft lists the server's users and groups and fails on any
// that carries prefix.
func assertNothingLeft(t *testing.T, url, token, prefix string) {
	t.Helper()
	tn := tenant.New(url, token)
	for _, typ := range []string{"User", "Group"} {
		left, err := tn.Remaining(typ, prefix)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range left {
			t.Errorf("left on the server after the run: %s %s %s", typ, r.ID, r.Name)
		}
	}
}

// TestSignalCleansUp interrupts a run once it has created a user: it must clean up
// everything it created, say so, write its reports and exit 3 (or 1).
func TestSignalCleansUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const token = "signal-t0ken-3f9a"
	url := serveBinary(t, token, "slow") // 50 ms a request: the run is still busy when signalled
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			out := t.TempDir()
			cmd, stdout, stderr := startRun(t, url, token, out)
			waitBusy(t, url, token, 1)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			code := waitExit(t, cmd, 60*time.Second)
			t.Logf("exit %d %v after the signal", code, time.Since(start).Round(time.Millisecond))
			if code != exitIncomplete && code != exitFailed {
				t.Fatalf("exit code = %d, want 3 (or 1)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr.String(), "cleaning up") {
				t.Errorf("stderr does not say it is cleaning up:\n%s", stderr)
			}
			run := readRun(t, out)
			if !run.Verdict.Incomplete {
				t.Error("an interrupted run must be marked incomplete")
			}
			if len(run.Leftovers) > 0 {
				t.Errorf("leftovers reported: %+v", run.Leftovers)
			}
			assertNothingLeft(t, url, token, prefixOf(t, out))
		})
	}
}

// TestSecondSignalAborts: a second interrupt during cleanup exits at once;
// "scimloop cleanup" then removes what was left.
func TestSecondSignalAborts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const token = "abort-t0ken-8b2c"
	url := serveBinary(t, token, "slow")
	out := t.TempDir()
	cmd, stdout, stderr := startRun(t, url, token, out)
	waitBusy(t, url, token, 8) // enough that cleanup outlasts the 100 ms before the second signal
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code := waitExit(t, cmd, 20*time.Second)
	took := time.Since(start)
	t.Logf("exit %d %v after the second signal", code, took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("the second signal should abort at once; exit took %v", took)
	}
	if code != exitIncomplete && code != exitFailed {
		t.Fatalf("exit code = %d, want 3 (or 1)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	prefix := prefixOf(t, out)
	left, err := tenant.New(url, token).Remaining("User", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) == 0 {
		t.Errorf("no user left after the second signal: the run's cleanup was not cut short")
	}
	// What the aborted cleanup left, "scimloop cleanup" removes.
	cl := exec.Command(scimloopBinary(t), "cleanup", "--url", url, "--prefix", prefix)
	cl.Env = append(os.Environ(), "SCIMLOOP_TOKEN="+token)
	if b, err := cl.CombinedOutput(); err != nil {
		t.Fatalf("scimloop cleanup: %v\n%s", err, b)
	} else {
		t.Logf("cleanup: %s", strings.TrimSpace(string(b)))
	}
	assertNothingLeft(t, url, token, prefix)
}
