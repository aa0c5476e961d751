package main

import (
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
)

// tlsRefServer serves the reference server over TLS with httptest's own
// certificate, and writes that certificate to a PEM file for --ca-cert.
func tlsRefServer(t *testing.T, token string) (url, caFile string) {
	t.Helper()
	h, err := refserver.New(refserver.Config{Token: token, BasePath: "/scim/v2", Seed: 1})
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv.URL + "/scim/v2", caFile
}

func TestRunOverTLS(t *testing.T) {
	const token = "tls-t0ken-19ab"
	url, caFile := tlsRefServer(t, token)
	t.Setenv("SCIMLOOP_TOKEN", token)

	code, stdout, stderr := runCLI(t, "run", "--url", url, "--out", t.TempDir(), "--quiet", "--only", "discovery")
	assert.Equal(t, exitIncomplete, code, "an untrusted certificate stops the run")
	assert.Contains(t, stdout+stderr, "--ca-cert")

	code, stdout, stderr = runCLI(t, "run", "--url", url, "--out", t.TempDir(), "--quiet", "--only", "discovery", "--ca-cert", caFile)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.NotContains(t, stderr, "WARNING")

	code, stdout, stderr = runCLI(t, "run", "--url", url, "--out", t.TempDir(), "--quiet", "--only", "discovery", "--insecure")
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "WARNING: --insecure", "skipping verification is said loudly")
}

func TestConnectFlagErrors(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte("s3cret\n"), 0o600))
	t.Setenv("SCIMLOOP_TOKEN", "")
	t.Setenv(oauthSecretEnv, "")
	url := "https://127.0.0.1:1/scim/v2"
	for name, args := range map[string][]string{
		"missing CA file":          {"--ca-cert", filepath.Join(dir, "nope.pem")},
		"cert without key":         {"--client-cert", secretFile},
		"oauth id without url":     {"--oauth-client-id", "x"},
		"oauth url without id":     {"--oauth-token-url", "https://127.0.0.1:2/token", "--oauth-client-secret-file", secretFile},
		"oauth without secret":     {"--oauth-token-url", "https://127.0.0.1:2/token", "--oauth-client-id", "x"},
		"oauth over remote http":   {"--oauth-token-url", "http://login.example.com/token", "--oauth-client-id", "x", "--oauth-client-secret-file", secretFile},
		"oauth and a bearer token": {"--oauth-token-url", "https://127.0.0.1:2/token", "--oauth-client-id", "x", "--oauth-client-secret-file", secretFile, "--header", "Authorization: Bearer y"},
	} {
		code, _, stderr := runCLI(t, append([]string{"run", "--url", url, "--out", dir}, args...)...)
		assert.Equal(t, exitUsage, code, "%s: %s", name, stderr)
		assert.NotContains(t, stderr, "s3cret", name)
	}
	code, _, stderr := runCLI(t, "run", "--help")
	assert.Equal(t, exitOK, code)
	_ = stderr
	_, help, _ := runCLI(t, "cleanup", "--help")
	for _, flag := range []string{"--prefix", "--dry-run", "--ca-cert", "--oauth-token-url"} {
		assert.True(t, strings.Contains(help, flag), "cleanup --help lacks %s", flag)
	}
}
