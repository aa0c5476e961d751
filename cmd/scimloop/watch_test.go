package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scimloop/scimloop/internal/tenant"
)

func TestWatchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"watch"},
		{"watch", "--url", "http://127.0.0.1:1/scim/v2", "--every", "0s"},
		{"watch", "status", "--state", filepath.Join(t.TempDir(), "missing.db")},
	} {
		var out, errb bytes.Buffer
		if code := execute(args, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errb.String())
		}
	}
}

// TestWatchSIGTERM: the real binary watches a served reference server; a
// SIGTERM mid-run finishes the step, deletes the canaries and exits 0, and
// "watch status" prints the ticks it kept.
func TestWatchSIGTERM(t *testing.T) {
	const token = "watch-test-token-0123456789"
	url := serveBinary(t, token)
	state := filepath.Join(t.TempDir(), "w.db")
	cmd := exec.Command(scimloopBinary(t), "watch", "--url", url, "--every", "100ms", "--confirm-timeout", "300ms",
		"--metrics-addr", "127.0.0.1:0", "--state", state)
	cmd.Env = append(os.Environ(), "SCIMLOOP_TOKEN="+token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tn := tenant.New(url, token)
	deadline := time.Now().Add(60 * time.Second)
	for { // a canary exists: the watcher is mid-tick
		users, _ := tn.Named("User", "scimloop-w")
		if len(users) > 0 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no canary within 60s; stderr:\n%.2000s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 60*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0; stderr:\n%.2000s", code, stderr.String())
	}
	for _, typ := range []string{"User", "Group"} {
		if left, err := tn.Named(typ, "scimloop-w"); err != nil || len(left) > 0 {
			t.Errorf("%d %s canaries left after SIGTERM (%v)", len(left), typ, err)
		}
	}
	if strings.Contains(stderr.String(), token) || strings.Contains(stdout.String(), token) {
		t.Error("the output carries the token")
	}
	var out, errb bytes.Buffer
	if code := execute([]string{"watch", "status", "--state", state}, &out, &errb); code != 0 || !strings.Contains(out.String(), "tick 1 ") {
		t.Errorf("watch status: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
