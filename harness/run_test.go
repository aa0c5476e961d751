package harness

import (
	"bytes"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/sequences"
)

// newRefServer serves the reference server, with faults, on a loopback
// httptest server and returns its target.
func newRefServer(t *testing.T, faults ...string) Target {
	t.Helper()
	h, err := refserver.New(refserver.Config{Token: "t0ken", BasePath: "/scim/v2", Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return Target{URL: srv.URL + "/scim/v2", Client: srv.Client(), Header: map[string][]string{"Authorization": {"Bearer t0ken"}}}
}

// TestRun runs the whole catalogue as subtests against the reference server,
// which passes every check.
func TestRun(t *testing.T) {
	run := Run(t, newRefServer(t))
	if run.Verdict.Result != "pass" || run.Verdict.Failed != 0 {
		t.Errorf("verdict = %+v, want pass with no failures", run.Verdict)
	}
	if len(run.Scenarios) == 0 || run.Verdict.Passed == 0 {
		t.Errorf("run = %d scenarios, %d passed checks; want some of each", len(run.Scenarios), run.Verdict.Passed)
	}
	if len(run.Leftovers) != 0 {
		t.Errorf("leftovers = %+v, want none", run.Leftovers)
	}
}

// TestRunSelect runs one scenario with WithOnly.
func TestRunSelect(t *testing.T) {
	run := Run(t, newRefServer(t), WithOnly("discovery"))
	if len(run.Scenarios) != 1 || run.Scenarios[0].Name != "discovery" {
		t.Errorf("scenarios = %+v, want only discovery", run.Scenarios)
	}
}

// The tests below run this test binary again, so that a Run that must fail
// can fail in a child process whose output is then inspected. The child runs
// TestRunChild, which does nothing unless SCIMLOOP_TEST_CHILD is set.

func TestRunChild(t *testing.T) {
	faults := os.Getenv("SCIMLOOP_TEST_CHILD")
	if faults == "" {
		t.Skip("runs only as a child of TestRunFails and TestRunSelectsOneCheck")
	}
	var opts []Option
	if os.Getenv("SCIMLOOP_TEST_STRICT") != "" {
		opts = append(opts, WithStrict())
	}
	if faults == "none" {
		faults = ""
	}
	if only := os.Getenv("SCIMLOOP_TEST_ONLY"); only != "" {
		opts = append(opts, WithOnly(only))
	}
	var fs []string
	if faults != "" {
		fs = strings.Split(faults, ",")
	}
	target := newRefServer(t, fs...)
	switch os.Getenv("SCIMLOOP_TEST_AUTH") {
	case "none":
		target.Header = nil
	case "wrong":
		target.Header = map[string][]string{"Authorization": {"Bearer wr0ng-t0ken"}}
	}
	run := Run(t, target, opts...)
	if run.Feedback != nil {
		t.Logf("sequences: %d", run.Feedback.Sequences)
	}
}

// child runs TestRunChild (plus a -run suffix and flags) in a new process
// with faults and returns its verbose output and whether it passed.
func child(t *testing.T, faults, run string, flags []string, env ...string) (string, bool) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the test binary again; skipped with -short")
	}
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestRunChild$" + run, "-test.v", "-test.count=1"}, flags...)...)
	cmd.Env = append(os.Environ(), append(env, "SCIMLOOP_TEST_CHILD="+faults)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return out.String(), err == nil
}

var resultLine = regexp.MustCompile(`(?m)^\s*--- (PASS|FAIL|SKIP): (\S+)`)

// results maps each subtest name in verbose go test output to PASS, FAIL or SKIP.
func results(out string) map[string]string {
	m := map[string]string{}
	for _, sm := range resultLine.FindAllStringSubmatch(out, -1) {
		m[sm[2]] = sm[1]
	}
	return m
}

// TestRunFails: against ignore-if-match, the MUST check that a stale If-Match
// never succeeds fails its own subtest, with the rule, the evidence and a
// reproduce command; checks the fault does not touch still pass.
func TestRunFails(t *testing.T) {
	out, ok := child(t, "ignore-if-match", "", nil)
	if ok {
		t.Fatalf("go test against ignore-if-match passed, want a failure; output:\n%s", out)
	}
	res := results(out)
	const failing = "TestRunChild/conditional-requests/etag-stale-if-match-rejected"
	if res[failing] != "FAIL" {
		t.Errorf("%s = %q, want FAIL; output:\n%s", failing, res[failing], out)
	}
	if got := res["TestRunChild/discovery/disc-spc-schema"]; got != "PASS" {
		t.Errorf("discovery/disc-spc-schema = %q, want PASS", got)
	}
	for _, want := range []string{
		"etag-stale-if-match-rejected: A stale If-Match never succeeds",
		"rule (MUST, RFC 7644 §3.14",
		"--- excerpt",
		"reproduce: go test -run '^TestRunChild$/^conditional-requests$/^etag-stale-if-match-rejected$'",
		"or: scimloop run --url http://127.0.0.1:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q; output:\n%s", want, out)
		}
	}
	// SHOULD failures are warnings: logged, not failed, without WithStrict.
	if got := res["TestRunChild/conditional-requests/etag-stale-if-match-412"]; got != "PASS" {
		t.Errorf("etag-stale-if-match-412 (SHOULD) = %q, want PASS (a logged warning)", got)
	}
}

// TestRunStrict: with WithStrict a SHOULD failure fails its subtest.
func TestRunStrict(t *testing.T) {
	out, ok := child(t, "ignore-if-match", "/conditional-requests/etag-stale-if-match-412", nil, "SCIMLOOP_TEST_STRICT=1")
	const name = "TestRunChild/conditional-requests/etag-stale-if-match-412"
	if ok || results(out)[name] != "FAIL" {
		t.Errorf("%s with WithStrict = %q, want FAIL; output:\n%s", name, results(out)[name], out)
	}
}

// TestRunSelectsOneCheck: -run selects one check's subtest; the others of
// the scenario are not reported, and other scenarios do not run.
func TestRunSelectsOneCheck(t *testing.T) {
	out, ok := child(t, "none", "/conditional-requests/etag-changes-on-update", nil)
	if !ok {
		t.Fatalf("child failed; output:\n%s", out)
	}
	var names []string
	for name := range results(out) {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"TestRunChild", "TestRunChild/conditional-requests", "TestRunChild/conditional-requests/etag-changes-on-update"}
	if !slices.Equal(names, want) {
		t.Errorf("subtests = %q, want %q", names, want)
	}
}

// TestRunSequences: WithSequences runs the property sequences as the
// "sequences" subtest.
func TestRunSequences(t *testing.T) {
	run := Run(t, newRefServer(t), WithOnly(sequences.PropertyName), WithSequences(2), WithSteps(5))
	if run.Feedback == nil || run.Feedback.Sequences < 1 || run.Verdict.Result != "pass" {
		t.Errorf("feedback = %+v, verdict = %+v; want sequences run and a pass", run.Feedback, run.Verdict)
	}
}

// TestRunRapidFlags: -rapid.checks on go test's command line runs that many
// sequences, as in any rapid test, without an option.
func TestRunRapidFlags(t *testing.T) {
	out, ok := child(t, "none", "", []string{"-rapid.checks=3", "-rapid.steps=5"}, "SCIMLOOP_TEST_ONLY="+sequences.PropertyName)
	if !ok || results(out)["TestRunChild/"+sequences.PropertyName] != "PASS" || !strings.Contains(out, "sequences: 3") {
		t.Errorf("with -rapid.checks=3: want a passing sequences subtest of 3 sequences; output:\n%s", out)
	}
}

// recorder is a TB that records what reportCheck does.
type recorder struct {
	attrs           map[string]string
	logs, errs, skp []string
}

func (r *recorder) Helper()                {}
func (r *recorder) Attr(key, value string) { r.attrs[key] = value }
func (r *recorder) Log(args ...any)        { r.logs = append(r.logs, fmt.Sprint(args...)) }
func (r *recorder) Error(args ...any)      { r.errs = append(r.errs, fmt.Sprint(args...)) }
func (r *recorder) Skip(args ...any)       { r.skp = append(r.skp, fmt.Sprint(args...)) }

func TestReportCheck(t *testing.T) {
	finding := []reports.Finding{{Check: "etag-stale-if-match-412", Message: "etag-stale-if-match-412: PUT = 409, want 412", Excerpt: "PUT /Users/1\n409", Repro: "scimloop run --only conditional-requests"}}
	tests := []struct {
		name          string
		id            string
		status        reports.Status
		opts          []Option
		errs, logs, s int
	}{
		{"pass", "etag-syntax", reports.StatusPass, nil, 0, 0, 0},
		{"MUST fail", "etag-syntax", reports.StatusFail, nil, 1, 0, 0},
		{"SHOULD fail warns", "etag-stale-if-match-412", reports.StatusFail, nil, 0, 1, 0},
		{"SHOULD fail strict", "etag-stale-if-match-412", reports.StatusFail, []Option{WithStrict()}, 1, 0, 0},
		{"skip", "etag-syntax", reports.StatusSkip, nil, 0, 0, 1},
		{"error", "etag-syntax", reports.StatusError, nil, 1, 0, 0},
		{"unknown check fails", "no-such-check", reports.StatusFail, nil, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{attrs: map[string]string{}}
			reportCheck(r, "conditional-requests", reports.ScenarioCheck{ID: tt.id, Status: tt.status, Reason: "because", Findings: finding}, newConfig(tt.opts), "")
			if len(r.errs) != tt.errs || len(r.logs) != tt.logs || len(r.skp) != tt.s {
				t.Errorf("errors, logs, skips = %d, %d, %d; want %d, %d, %d", len(r.errs), len(r.logs), len(r.skp), tt.errs, tt.logs, tt.s)
			}
			if r.attrs["scim.check"] != tt.id || r.attrs["scim.scenario"] != "conditional-requests" || r.attrs["scim.status"] != string(tt.status) {
				t.Errorf("attrs = %v", r.attrs)
			}
			for _, text := range append(r.errs, r.logs...) {
				if tt.status == reports.StatusFail && !strings.Contains(text, "PUT /Users/1\n409") {
					t.Errorf("text lacks the excerpt:\n%s", text)
				}
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(EnvURL, "")
	r := &recorder{attrs: map[string]string{}}
	if got := FromEnv(r); got.URL != "" || len(r.skp) != 1 || !strings.Contains(r.skp[0], EnvURL) {
		t.Errorf("FromEnv without %s = %+v, skips %q; want a skip naming it", EnvURL, got, r.skp)
	}
	t.Setenv(EnvURL, "https://scim.example.test/scim/v2")
	t.Setenv(EnvToken, "s3cret")
	got := FromEnv(t)
	if got.URL != "https://scim.example.test/scim/v2" || got.Header.Get("Authorization") != "Bearer s3cret" {
		t.Errorf("FromEnv = %+v, want the URL and a bearer header", got)
	}
}

func TestRunPattern(t *testing.T) {
	if got, want := runPattern("TestSCIM/etag/a.b"), `'^TestSCIM$/^etag$/^a\.b$'`; got != want {
		t.Errorf("runPattern = %s, want %s", got, want)
	}
}

// TestRapidFlags: linking the harness registers rapid's flags, so a vendor's
// go test accepts -rapid.checks and friends.
func TestRapidFlags(t *testing.T) {
	for _, name := range []string{"rapid.checks", "rapid.seed", "rapid.steps"} {
		if flag.Lookup(name) == nil {
			t.Errorf("flag -%s is not registered", name)
		}
	}
}
