package harness_test

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/scimloop/scimloop/scenarios"
)

// TestVendorModule is the acceptance test of harness.Run from outside this
// repository: it copies examples/vendor-test (its own module) to a temporary
// directory, points its replace directive at this repository, and runs its go
// test against `scimloop serve`, once through harness.FromEnv and once through
// an httptest server. Both pass, with one subtest per check of every
// scenario; against `scimloop serve --fault ignore-if-match` both fail, in the
// check that catches the fault.
func TestVendorModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds scimloop and a second module; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	root := repoRoot(t)
	tmp := t.TempDir()
	start := time.Now()
	bin := filepath.Join(tmp, "scimloop")
	goCmd(t, gobin, root, "build", "-o", bin, "./cmd/scimloop")
	mod := filepath.Join(tmp, "vendor-test")
	copyDir(t, filepath.Join(root, "examples", "vendor-test"), mod)
	goCmd(t, gobin, mod, "mod", "edit", "-replace", "github.com/scimloop/scimloop="+root)
	t.Logf("built scimloop and laid out the vendor module in %v", time.Since(start).Round(time.Millisecond))

	t.Run("pass", func(t *testing.T) {
		url := serve(t, bin)
		out, ok := vendorTest(t, gobin, mod, url)
		if !ok {
			t.Fatalf("go test in the vendor module failed against scimloop serve; output:\n%s", out)
		}
		res := subtestResults(out)
		for _, test := range []string{"TestSCIM", "TestSCIMInProcess"} {
			for _, sc := range scenarios.All() {
				for _, id := range sc.Checks {
					name := test + "/" + sc.Name + "/" + id
					if got := res[name]; got != "PASS" && got != "SKIP" {
						t.Errorf("%s = %q, want a passing (or skipped) subtest", name, got)
					}
				}
			}
		}
		passed := 0
		for name, r := range res {
			if strings.Count(name, "/") == 2 && strings.HasPrefix(name, "TestSCIM/") && r == "PASS" {
				passed++
			}
		}
		if passed == 0 {
			t.Errorf("no check subtest passed; output:\n%s", out)
		}
		t.Logf("%d check subtests passed", passed)
	})

	t.Run("fault", func(t *testing.T) {
		url := serve(t, bin, "--fault", "ignore-if-match")
		out, ok := vendorTest(t, gobin, mod, url)
		if ok {
			t.Fatalf("go test in the vendor module passed against --fault ignore-if-match, want a failure; output:\n%s", out)
		}
		for _, test := range []string{"TestSCIM", "TestSCIMInProcess"} {
			name := test + "/conditional-requests/etag-stale-if-match-rejected"
			if got := subtestResults(out)[name]; got != "FAIL" {
				t.Errorf("%s = %q, want FAIL; output:\n%s", name, got, out)
			}
		}
	})
}

// TestVendorModuleSum keeps examples/vendor-test runnable with a plain go
// test, as the README shows: its go.mod and go.sum must provide everything
// the packages it imports need. (Extra entries are harmless; missing ones
// break the build.)
func TestVendorModuleSum(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list on a second module; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	cmd := exec.Command(gobin, "list", "-test", "-deps", ".")
	cmd.Dir = filepath.Join(repoRoot(t), "examples", "vendor-test")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("examples/vendor-test does not build with a plain go test (a dependency changed?): run\n\t(cd examples/vendor-test && go mod tidy)\n%v\n%s", err, tail(out))
	}
}

// tail keeps the last lines of out.
func tail(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Dir(filepath.Dir(file))
}

// goCmd runs the go command in dir; the module cache and proxy resolve what
// the vendor module needs, so -mod=mod is allowed to complete its go.sum.
func goCmd(t *testing.T, gobin, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(gobin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// serve starts `scimloop serve` on a free loopback port with a token and the
// given flags, waits until it answers, and returns its SCIM base URL. The
// process is killed when t ends.
func serve(t *testing.T, bin string, flags ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--token", "vendor-t0ken"}, flags...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := "http://" + addr + "/scim/v2"
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/ServiceProviderConfig")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("scimloop serve %s did not answer in 10s (last: %v); output:\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// vendorTest runs the vendor module's tests (TestSCIM and TestSCIMInProcess)
// against url and returns the verbose output and whether they passed.
func vendorTest(t *testing.T, gobin, mod, url string) (string, bool) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command(gobin, "test", "-count=1", "-v", "-run", "^TestSCIM(InProcess)?$", ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off",
		"SCIMLOOP_URL="+url, "SCIMLOOP_TOKEN=vendor-t0ken")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatal(err)
	}
	verdict := "passed"
	if err != nil {
		verdict = "failed"
	}
	t.Logf("go test in the vendor module %s in %v", verdict, time.Since(start).Round(time.Millisecond))
	return out.String(), err == nil
}

var subtestLine = regexp.MustCompile(`(?m)^\s*--- (PASS|FAIL|SKIP): (\S+)`)

// subtestResults maps each test name in verbose go test output to its result.
func subtestResults(out string) map[string]string {
	m := map[string]string{}
	for _, sm := range subtestLine.FindAllStringSubmatch(out, -1) {
		m[sm[2]] = sm[1]
	}
	return m
}
