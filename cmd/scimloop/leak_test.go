package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The token-leak test: a failing run (the server has bugs, one of which
// echoes passwords) must not let the bearer token, the OAuth2 client secret
// or a password the harness sent appear in anything it writes: every file
// under its working directory (results.json, junit.xml, report.html,
// summary.md, trace.har, replay files, whatever else) and its stdout and stderr.

// harnessPassword is the start of every password the harness sends.
const harnessPassword = "Sc1mloop!-"

// leakRun runs the binary in a fresh directory and returns every byte it
// wrote there and to stdout and stderr, by where it was found.
func leakRun(t *testing.T, env []string, args ...string) (int, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(scimloopBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 3*time.Minute)
	out := map[string][]byte{"stdout": stdout.Bytes(), "stderr": stderr.Bytes()}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return code, out
}

func assertNoSecrets(t *testing.T, outputs map[string][]byte, secrets ...string) {
	t.Helper()
	if len(outputs) < 4 {
		t.Fatalf("expected reports to be written, got only %v", keys(outputs))
	}
	for name, b := range outputs {
		for _, s := range secrets {
			if i := bytes.Index(b, []byte(s)); i >= 0 {
				lo, hi := max(i-80, 0), min(i+len(s)+80, len(b))
				t.Errorf("%s leaks %q: …%s…", name, s, b[lo:hi])
			}
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestNoSecretInAnyOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Run("bearer", func(t *testing.T) {
		t.Parallel()
		const token = "leak-t0ken-a8f3c1d9"
		url := serveBinary(t, token, "password-returned", "ignore-if-match", "error-status-as-number")
		code, outputs := leakRun(t, []string{"SCIMLOOP_TOKEN=" + token},
			"run", "--url", url, "--out", "report", "--header", "X-Api-Key: leak-ap1-key-77")
		if code != exitFailed {
			t.Errorf("exit code = %d, want 1 (the server has MUST-level bugs)", code)
		}
		if !bytes.Contains(outputs["report/results.json"], []byte("REDACTED")) {
			t.Error("results.json shows no redaction at all: was anything secret recorded?")
		}
		assertNoSecrets(t, outputs, token, "leak-ap1-key-77", harnessPassword)
		t.Logf("%d outputs checked: %v", len(outputs), keys(outputs))
	})
	t.Run("oauth2", func(t *testing.T) {
		t.Parallel()
		const token = "leak-oauth-access-t0ken-5d2e"
		const secret = "leak-oauth-cl1ent-s3cret"
		url := serveBinary(t, token, "password-returned")
		te := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			if _, pass, _ := r.BasicAuth(); pass != secret && r.PostForm.Get("client_secret") != secret {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
		}))
		defer te.Close()
		code, outputs := leakRun(t, []string{"SCIMLOOP_OAUTH_CLIENT_SECRET=" + secret, "SCIMLOOP_TOKEN="},
			"run", "--url", url, "--out", "report", "--oauth-token-url", te.URL+"/token", "--oauth-client-id", "scimloop", "--oauth-scope", "scim")
		if code != exitFailed {
			t.Errorf("exit code = %d, want 1; stderr:\n%s", code, outputs["stderr"])
		}
		assertNoSecrets(t, outputs, token, secret, harnessPassword)
		if strings.Contains(string(outputs["report/results.json"]), `"passed": 0,`) {
			t.Error("the OAuth2 run passed nothing: did authentication work?")
		}
	})
}
