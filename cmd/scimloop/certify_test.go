package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
)

// runCmd runs the command line in-process and returns the exit code and
// what it wrote to stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := execute(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// serveRef serves the reference server on loopback, as "scimloop serve
// --token token --fault ..." does, for the duration of the test.
func serveRef(t *testing.T, token string, faults ...string) string {
	t.Helper()
	srv, err := refserver.New(refserver.Config{Token: token, BasePath: basePath, Faults: faults, Seed: 1})
	require.NoError(t, err)
	ts := httptest.NewServer(srv) // binds 127.0.0.1
	t.Cleanup(ts.Close)
	return ts.URL + basePath
}

// bundleNames are the files of a bundle without replay files.
var bundleNames = []string{
	"SHA256SUMS", "environment.json", "exchanges.json.gz", "junit.xml", "report.html",
	"results.json", "serviceproviderconfig.json", "summary.md",
}

// TestCertifyBundle certifies the reference server, which requires a bearer
// token, and checks the bundle: every file there, within maxBundleBytes,
// SHA256SUMS correct (in Go and with sha256sum -c when it is installed), no
// file containing the token (compressed files searched decompressed), the
// environment and the ServiceProviderConfig snapshot as described, junit.xml
// valid against the schema, and the exchanges stored once and rendering as
// HAR (checkBundleExchanges).
func TestCertifyBundle(t *testing.T) {
	const token = "certify-test-token-7f3a9c2e51"
	url := serveRef(t, token)
	t.Setenv("SCIMLOOP_TOKEN", token)
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	dir := filepath.Join(t.TempDir(), "bundle")

	code, stdout, stderr := runCmd(t, "certify", "--url", url, "--out", dir)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "PASS")
	assert.Contains(t, stdout, "sha256sum -c SHA256SUMS")

	files := walkBundle(t, dir)
	for _, name := range bundleNames {
		assert.Contains(t, files, name)
	}
	for _, f := range files {
		if !slices.Contains(bundleNames, f) {
			assert.True(t, strings.HasPrefix(f, "replay/"), "unexpected file %s in the bundle", f)
		}
	}
	checkSums(t, dir, files)
	checkBundleSize(t, dir, files)
	for _, f := range files {
		assert.NotContains(t, string(readPlain(t, dir, f)), token, "%s contains the token", f)
	}
	assert.NotContains(t, stdout+stderr, token)

	var env certEnvironment
	require.NoError(t, json.Unmarshal(readFile(t, dir, "environment.json"), &env))
	assert.Equal(t, harness.CatalogueVersion, env.CatalogueVersion)
	assert.Equal(t, harness.ProfileCertify, env.Profile)
	assert.True(t, env.Strict)
	assert.Equal(t, harness.CertifySeeds(), env.Seeds)
	assert.Equal(t, harness.CertifyDialects(), env.Dialects)
	assert.Equal(t, url, env.Target)
	assert.False(t, env.Embedded)
	assert.NotEmpty(t, env.GoVersion)
	assert.NotEmpty(t, env.OS)
	assert.NotEmpty(t, env.Arch)
	assert.NotEmpty(t, env.Started)
	assert.Equal(t, "pass", env.Verdict.Result)

	var spc map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, dir, "serviceproviderconfig.json"), &spc))
	assert.Contains(t, spc["schemas"], "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig")

	run := loadRun(t, dir)
	assert.Equal(t, harness.ProfileCertify, run.Profile)
	assert.Equal(t, harness.CertifyDialects(), run.Dialects)
	validateJUnit(t, filepath.Join(dir, "junit.xml"))
	checkBundleExchanges(t, dir)
}

// TestCertifyIncomplete checks that a certification that cannot get past
// discovery (the server refuses every request) exits 3 and still leaves a
// verifiable bundle, without the token from --token-file and without a
// ServiceProviderConfig snapshot. The failing-verdict path of certify is
// harness.TestCertify's; its exit code is run's.
func TestCertifyIncomplete(t *testing.T) {
	const token = "certify-refused-token-0b8d41aa"
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer refuse.Close()
	url := refuse.URL + basePath
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))
	t.Setenv("SCIMLOOP_TOKEN", "")
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	dir := t.TempDir() // exists and is empty: accepted

	code, stdout, stderr := runCmd(t, "certify", "--url", url, "--token-file", tokenFile, "--out", dir, "--quiet")
	require.Equal(t, exitIncomplete, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "INCOMPLETE")
	assert.Contains(t, stderr, "serviceproviderconfig.json")
	files := walkBundle(t, dir)
	for _, name := range bundleNames {
		if name != "serviceproviderconfig.json" {
			assert.Contains(t, files, name)
		}
	}
	assert.NotContains(t, files, "serviceproviderconfig.json")
	checkSums(t, dir, files)
	for _, f := range files {
		assert.NotContains(t, string(readPlain(t, dir, f)), token, "%s contains the token", f)
	}
	assert.NotContains(t, stdout+stderr, token)
	validateJUnit(t, filepath.Join(dir, "junit.xml"))
}

func TestCertifyUsageErrors(t *testing.T) {
	full := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(full, "old.txt"), []byte("x"), 0o644))
	for name, args := range map[string][]string{
		"non-empty out":  {"certify", "--out", full},
		"no user skips":  {"certify", "--out", t.TempDir(), "--skip", "users"},
		"no selection":   {"certify", "--out", t.TempDir(), "--only", "users"},
		"no strict flag": {"certify", "--out", t.TempDir(), "--strict=false"},
		"no seed":        {"certify", "--out", t.TempDir(), "--seed", "5"},
		"arguments":      {"certify", "extra"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runCmd(t, args...)
			assert.Equal(t, exitUsage, code, stderr)
			assert.NotEmpty(t, stderr)
		})
	}
	entries, err := os.ReadDir(full)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "certify wrote into a non-empty --out")
}

// walkBundle lists the files under dir, relative and slash-separated, sorted.
func walkBundle(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files = append(files, filepath.ToSlash(rel))
		return err
	}))
	slices.Sort(files)
	return files
}

// checkSums verifies SHA256SUMS: "<hex>  <name>" lines in sorted order that
// cover every other file and match their contents; then, when sha256sum is
// installed, sha256sum -c agrees.
func checkSums(t *testing.T, dir string, files []string) {
	t.Helper()
	sums := readFile(t, dir, "SHA256SUMS")
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		require.True(t, ok, "line %q is not \"<hex>  <name>\"", sc.Text())
		h := sha256.Sum256(readFile(t, dir, name))
		assert.Equal(t, hex.EncodeToString(h[:]), sum, name)
		names = append(names, name)
	}
	assert.True(t, slices.IsSorted(names), "SHA256SUMS is not sorted: %v", names)
	want := slices.DeleteFunc(slices.Clone(files), func(f string) bool { return f == "SHA256SUMS" })
	assert.Equal(t, want, names, "SHA256SUMS must cover every other file")

	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Logf("sha256sum not installed; checked in Go only")
		return
	}
	cmd := exec.Command("sha256sum", "-c", "--strict", "SHA256SUMS")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "sha256sum -c SHA256SUMS:\n%s", out)
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	require.NoError(t, err)
	return b
}
