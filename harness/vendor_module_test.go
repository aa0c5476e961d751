package harness_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
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
		vt := vendorTest(t, gobin, mod, url)
		if !vt.ok {
			t.Fatalf("go test in the vendor module failed against scimloop serve:\n%s", vt.failures())
		}
		for _, test := range []string{"TestSCIM", "TestSCIMInProcess"} {
			for _, sc := range scenarios.All() {
				for _, id := range sc.CheckIDs() {
					name := test + "/" + sc.Name + "/" + id
					if got := vt.results[name]; got != "pass" && got != "skip" {
						t.Errorf("%s = %q, want a passing (or skipped) subtest", name, got)
					}
				}
			}
		}
		passed := 0
		for name, r := range vt.results {
			if strings.Count(name, "/") == 2 && strings.HasPrefix(name, "TestSCIM/") && r == "pass" {
				passed++
			}
		}
		if passed == 0 {
			t.Errorf("no check subtest passed; the vendor module's output ends:\n%s", vt.tail())
		}
		t.Logf("%d check subtests passed", passed)
	})

	t.Run("fault", func(t *testing.T) {
		url := serve(t, bin, "--fault", "ignore-if-match")
		vt := vendorTest(t, gobin, mod, url)
		if vt.ok {
			t.Fatalf("go test in the vendor module passed against --fault ignore-if-match, want a failure; its output ends:\n%s", vt.tail())
		}
		for _, test := range []string{"TestSCIM", "TestSCIMInProcess"} {
			name := test + "/conditional-requests/etag-stale-if-match-rejected"
			if got := vt.results[name]; got != "fail" {
				t.Errorf("%s = %q, want fail; the failing subtests were:\n%s", name, got, vt.failures())
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

// serve starts `scimloop serve` on a port the kernel picks, with a token and
// the given flags, and returns the SCIM base URL it prints once it listens.
// The process is killed when t ends.
func serve(t *testing.T, bin string, flags ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--token", "vendor-t0ken"}, flags...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-first:
		// "scimloop: serving SCIM at http://127.0.0.1:PORT/scim/v2"
		if i := strings.Index(line, "http://"); i >= 0 {
			return line[i:]
		}
		t.Fatalf("scimloop serve printed %q, want its URL; stderr:\n%s", line, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("scimloop serve printed no URL in 10s; stderr:\n%s", stderr.String())
	}
	return ""
}

// vendorRun is what one go test -json run of the vendor module reported.
type vendorRun struct {
	ok      bool
	results map[string]string   // test name → pass, fail or skip
	output  map[string][]string // test name → its output lines
	lines   []string            // every output line, in order
}

// failures lists each failing leaf test with its own output, which holds
// the check's message, so a CI log's tail shows why the module failed.
func (v vendorRun) failures() string {
	var b strings.Builder
	var names []string
	for name, r := range v.results {
		if r == "fail" && !v.hasFailingChild(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(&b, "--- %s\n", name)
		for _, l := range v.output[name] {
			if !strings.HasPrefix(strings.TrimSpace(l), "=== ") && !strings.HasPrefix(strings.TrimSpace(l), "--- ") {
				b.WriteString(l)
			}
		}
	}
	if len(names) == 0 {
		return "no test failed; the output ends:\n" + v.tail()
	}
	return b.String()
}

func (v vendorRun) hasFailingChild(name string) bool {
	for other, r := range v.results {
		if r == "fail" && strings.HasPrefix(other, name+"/") {
			return true
		}
	}
	return false
}

// tail is the last lines of the run's output.
func (v vendorRun) tail() string {
	return strings.Join(v.lines[max(0, len(v.lines)-30):], "")
}

// vendorTest runs the vendor module's tests (TestSCIM and TestSCIMInProcess)
// against url with go test -json.
func vendorTest(t *testing.T, gobin, mod, url string) vendorRun {
	t.Helper()
	start := time.Now()
	cmd := exec.Command(gobin, "test", "-count=1", "-json", "-run", "^TestSCIM(InProcess)?$", ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off",
		"SCIMLOOP_URL="+url, "SCIMLOOP_TOKEN=vendor-t0ken")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatal(err)
	}
	v := vendorRun{ok: err == nil, results: map[string]string{}, output: map[string][]string{}}
	dec := json.NewDecoder(&out)
	for {
		var ev struct{ Action, Test, Output string }
		if err := dec.Decode(&ev); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go test -json in the vendor module: %v; stderr:\n%s", err, stderr.String())
		}
		switch ev.Action {
		case "output":
			v.lines = append(v.lines, ev.Output)
			if ev.Test != "" {
				v.output[ev.Test] = append(v.output[ev.Test], ev.Output)
			}
		case "pass", "fail", "skip":
			if ev.Test != "" {
				v.results[ev.Test] = ev.Action
			}
		}
	}
	if stderr.Len() > 0 {
		v.lines = append(v.lines, stderr.String())
	}
	verdict := "passed"
	if !v.ok {
		verdict = "failed"
	}
	t.Logf("go test in the vendor module %s in %v", verdict, time.Since(start).Round(time.Millisecond))
	return v
}
