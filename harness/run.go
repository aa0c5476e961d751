package harness

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	// rapid registers its -rapid.* flags (and reads RAPID_* variables) when
	// it is linked, so a vendor's go test accepts them as in any rapid test.
	_ "pgregory.net/rapid"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/sequences"
)

// Environment variables read by [FromEnv].
const (
	EnvURL   = "SCIMLOOP_URL"   // the SCIM base URL of the server under test
	EnvToken = "SCIMLOOP_TOKEN" // optional: a bearer token sent with every request
)

// TB is the part of [testing.TB] that scimloop's test helpers use. *testing.T
// fits, and so does a recorder of your own.
type TB interface {
	Helper()
	Attr(key, value string)
	Log(args ...any)
	Error(args ...any)
	Skip(args ...any)
}

// Run runs scimloop's scenarios against target as subtests of t, and returns
// the canonical run for writing reports.
//
// Every scenario is a subtest named after it, and every check the scenario
// judges is a nested subtest named by the check's ID, so go test -run selects
// scenarios and checks ("TestSCIM/conditional-requests/etag-stale-if-match-rejected")
// and JUnit converters such as gotestsum list each check. Each subtest
// carries test attributes (scim.check, scim.level, scim.rfc, scim.scenario,
// scim.status), which gotestsum writes as JUnit properties.
//
// A check's subtest fails with the same self-explaining text as the scimloop
// binary's report: the rule and its RFC section, what was sent, what came
// back, and a command that reproduces it. What fails follows the levels of
// the catalogue: a MUST failure fails the subtest; a SHOULD failure is logged
// as a warning unless [WithStrict] is given; a MAY failure is only logged; an
// IDP failure fails only when a dialect other than "rfc" was chosen with
// [WithDialect]. A check that does not apply is skipped with the reason, and
// one that could not be judged (a precondition broke) fails as an error. If
// the target cannot be reached or discovery fails, Run stops t with t.Fatal.
//
// Everything the run created on the server is deleted before Run returns;
// the deletion is also registered with t.Cleanup, so it happens even if Run
// does not return normally. What could not be deleted is logged and listed in
// the returned run's Leftovers.
//
// Run works with any reachable server: an [net/http/httptest.Server] (pass
// its URL plus the SCIM base path, and its Client), a running service, or a
// container started with package harness/container. Plain http is allowed to
// loopback hosts only unless the client options say otherwise.
//
// The property-based sequences run as one more subtest, "sequences", when
// [WithSequences] gives a budget, or when go test's command line sets any of
// rapid's flags (-rapid.checks=N, -rapid.seed=S, … or RAPID_* variables). They
// work as in any rapid test: set on the command line they win over the
// options, go test -short shortens the run, and a failure prints the
// -rapid.seed that reproduces it.
//
// Typical usage inside a test is:
//
//	func TestSCIM(t *testing.T) {
//		srv := httptest.NewServer(myscim.NewHandler())
//		defer srv.Close()
//		harness.Run(t, harness.Target{URL: srv.URL + "/scim/v2", Client: srv.Client()})
//	}
func Run(t *testing.T, target Target, opts ...Option) *reports.Run {
	t.Helper()
	cfg := newConfig(opts)
	if cfg.reproBase == "" && target.URL != "" {
		cfg.reproBase = "scimloop run --url " + target.URL
	}
	s, err := begin(t.Context(), target, cfg)
	if err != nil {
		t.Fatalf("scimloop: %s: %v%s", target.URL, err, testHint(err))
	}

	var (
		once sync.Once
		run  *reports.Run
	)
	end := func() {
		once.Do(func() {
			run, _ = s.end(t.Context(), false)
			for _, l := range run.Leftovers {
				t.Logf("scimloop: could not delete %s %s (%s) that the run created: %s", l.Type, l.ID, l.Name, l.Error)
			}
		})
	}
	t.Cleanup(end)

	for _, sc := range cfg.selected() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Attr("scim.scenario", sc.Name)
			t.Attr("scim.area", sc.Area())
			sr := s.scenario(t.Context(), sc)
			reportScenario(t, sr, cfg, "")
		})
	}
	if cfg.prop.sequences <= 0 {
		cfg.prop.sequences = userRapidChecks()
	}
	if cfg.wantsProperty() {
		t.Run(sequences.PropertyName, func(t *testing.T) {
			t.Attr("scim.scenario", sequences.PropertyName)
			n := len(s.results)
			s.property(t.Context(), target)
			if len(s.results) == n {
				t.Skip("the sequences did not run: the test's context ended")
			}
			flags := ""
			if s.prop.res.Failed {
				flags = fmt.Sprintf(" -rapid.seed=%d", s.prop.res.Seed)
			}
			reportScenario(t, scenarioResult(s.results[n], cfg, s.client.Recorder()), cfg, flags)
		})
	}
	if cfg.schemaBudget() > 0 {
		t.Run(sequences.SchemaPropertyName, func(t *testing.T) {
			t.Attr("scim.scenario", sequences.SchemaPropertyName)
			n := len(s.results)
			s.schemaProperties(t.Context(), target)
			if len(s.results) == n {
				t.Skip("the schema properties did not run: the test's context ended")
			}
			reportScenario(t, scenarioResult(s.results[n], cfg, s.client.Recorder()), cfg, "")
		})
	}
	end()
	t.Log(run.Summary())
	return run
}

// testHint says how a test fixes what stopped the run in its preflight.
func testHint(err error) string {
	pe, ok := IsPreflight(err)
	switch {
	case !ok:
		return ""
	case pe.Kind == PreflightCredentials && !pe.Credentials:
		return "\nfix: pass credentials, e.g. Target{Header: http.Header{\"Authorization\": {\"Bearer \" + token}}}, or set " + EnvToken + " with harness.FromEnv"
	case pe.Kind == PreflightCredentials:
		return "\nfix: check the token in Target.Header (or " + EnvToken + " with harness.FromEnv): it is wrong, expired or lacks the right to read /Users"
	case pe.Suggest != "":
		return "\nfix: set Target.URL to " + pe.Suggest
	}
	return ""
}

// userRapidChecks is the sequence budget that go test's command line asks
// for, taken at the first Run (the property runs set rapid's flags
// themselves, after which every flag looks set): when any -rapid.* flag or
// RAPID_* variable was set, the value of -rapid.checks (default 100), else 0.
var userRapidChecks = sync.OnceValue(func() int {
	asked := false
	flag.Visit(func(f *flag.Flag) { asked = asked || strings.HasPrefix(f.Name, "rapid.") })
	for _, kv := range os.Environ() {
		asked = asked || strings.HasPrefix(kv, "RAPID_")
	}
	f := flag.Lookup("rapid.checks")
	if !asked || f == nil {
		return 0
	}
	n, _ := strconv.Atoi(f.Value.String())
	return max(n, 0)
})

// reportScenario turns one scenario's result into nested subtests of t, one
// per check; flags are added to the go test command that reproduces a failure.
func reportScenario(t *testing.T, sr reports.ScenarioResult, cfg *config, flags string) {
	t.Helper()
	if sr.Status == reports.StatusSkip {
		t.Skip(sr.Reason)
	}
	checkErred := false
	failed := map[string]bool{}
	for _, sc := range sr.Checks {
		checkErred = checkErred || sc.Status == reports.StatusError
		failed[sc.ID] = sc.Status == reports.StatusFail
	}
	// A consequence is reported as a subtest of the check it is caused by.
	under := map[string][]reports.ScenarioCheck{}
	for _, sc := range sr.Checks {
		if len(sc.CausedBy) > 0 && failed[sc.CausedBy[0]] && sc.CausedBy[0] != sc.ID {
			under[sc.CausedBy[0]] = append(under[sc.CausedBy[0]], sc)
		}
	}
	var report func(t *testing.T, sc reports.ScenarioCheck, depth int)
	report = func(t *testing.T, sc reports.ScenarioCheck, depth int) {
		t.Run(sc.ID, func(t *testing.T) {
			reportCheck(t, sr.Name, sc, cfg, flags)
			for _, d := range under[sc.ID] {
				if depth < len(sr.Checks) { // a cycle of causes cannot nest forever
					report(t, d, depth+1)
				}
			}
		})
	}
	for _, sc := range sr.Checks {
		if len(sc.CausedBy) > 0 && failed[sc.CausedBy[0]] && sc.CausedBy[0] != sc.ID {
			continue
		}
		report(t, sc, 0)
	}
	if sr.Status == reports.StatusError && !checkErred {
		t.Errorf("scimloop: scenario %s stopped early: %s", sr.Name, sr.Reason)
	}
}

// reportCheck reports one check's outcome in one scenario to t: a pass
// passes, a blocking failure or an error is t.Error, a warning is t.Log and a
// skip is t.Skip with the reason.
func reportCheck(t TB, scenario string, sc reports.ScenarioCheck, cfg *config, flags string) {
	t.Helper()
	repro := ""
	if name := testName(t); name != "" {
		repro = "go test -run " + runPattern(name) + flags
	}
	c, known := assertions.Lookup(sc.ID)
	t.Attr("scim.check", sc.ID)
	t.Attr("scim.scenario", scenario)
	t.Attr("scim.status", string(sc.Status))
	if known {
		t.Attr("scim.level", string(c.Level))
		t.Attr("scim.rfc", c.RFC)
	}
	switch sc.Status {
	case reports.StatusPass:
	case reports.StatusSkip:
		t.Skip(sc.Reason)
	case reports.StatusError:
		t.Error(checkText(c, known, sc, "could not be judged", repro))
	case reports.StatusFail:
		if !known || blocks(c.Level, cfg) {
			t.Error(checkText(c, known, sc, "", repro))
			return
		}
		t.Log(checkText(c, known, sc, failureNote(c.Level, cfg.strict), repro))
	default:
		t.Error(checkText(c, known, sc, fmt.Sprintf("unknown status %q", sc.Status), repro))
	}
}

// blocks reports whether a failure at level fails the test, as the verdict
// of the run counts it.
func blocks(level reports.Level, cfg *config) bool {
	switch level {
	case reports.LevelShould:
		return cfg.strict
	case reports.LevelMay:
		return false
	case reports.LevelIDP:
		return cfg.dialect != "" && cfg.dialect != "rfc"
	}
	return true
}

// failureNote says what a failure that does not fail the test means.
func failureNote(level reports.Level, strict bool) string {
	switch level {
	case reports.LevelShould:
		return "warning: SHOULD-level failure, does not fail the test without harness.WithStrict()"
	case reports.LevelMay:
		return "note: MAY-level failure, recorded only"
	case reports.LevelIDP:
		return "IdP compatibility failure: fails the test only with harness.WithDialect(...)"
	}
	return ""
}

// checkText renders a check's failure as the binary's report does: the check
// and its rule, a note, the reason, then every finding with its excerpt and
// the commands that reproduce it.
func checkText(c assertions.Check, known bool, sc reports.ScenarioCheck, note, repro string) string {
	var b strings.Builder
	if known {
		fmt.Fprintf(&b, "%s: %s (%s, %s)\n", c.ID, c.Title, c.Level, c.RFC)
	} else {
		fmt.Fprintf(&b, "%s: not in the catalogue\n", sc.ID)
	}
	if len(sc.CausedBy) > 0 {
		fmt.Fprintf(&b, "caused by %s: only a consequence of that failure; fix it first\n", strings.Join(sc.CausedBy, ", "))
	}
	if note != "" {
		fmt.Fprintf(&b, "%s\n", note)
	}
	if sc.Reason != "" {
		fmt.Fprintf(&b, "reason: %s\n", sc.Reason)
	}
	for i, f := range sc.Findings {
		fmt.Fprintf(&b, "\n[%d/%d] %s\n", i+1, len(sc.Findings), f.Message)
		if len(f.Exchanges) > 0 {
			fmt.Fprintf(&b, "exchanges: %s\n", seqs(f.Exchanges))
		}
		if f.Excerpt != "" {
			fmt.Fprintf(&b, "--- excerpt\n%s\n---\n", strings.TrimRight(f.Excerpt, "\n"))
		}
		for _, c := range f.Curl {
			fmt.Fprintf(&b, "curl: %s\n", c)
		}
	}
	if repro != "" {
		fmt.Fprintf(&b, "reproduce: %s\n", repro)
	}
	if len(sc.Findings) > 0 && sc.Findings[0].Repro != "" {
		fmt.Fprintf(&b, "       or: %s\n", sc.Findings[0].Repro)
	}
	return strings.TrimRight(b.String(), "\n")
}

func seqs(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("#%d", id)
	}
	return strings.Join(parts, ", ")
}

// testName is t's name when t has one (a *testing.T does).
func testName(t TB) string {
	if n, ok := t.(interface{ Name() string }); ok {
		return n.Name()
	}
	return ""
}

// runPattern turns a test name into a quoted -run pattern matching exactly
// that test: "TestSCIM/etag/etag-syntax" -> '^TestSCIM$/^etag$/^etag-syntax$'.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return "'" + strings.Join(parts, "/") + "'"
}

// FromEnv returns the target that the environment names, or skips t when
// SCIMLOOP_URL is not set. SCIMLOOP_URL is the SCIM base URL; SCIMLOOP_TOKEN,
// when set, is sent as a bearer token. It lets one test run in CI against a
// deployed server and be skipped on a laptop.
//
// Typical usage inside a test is:
//
//	func TestSCIM(t *testing.T) {
//		harness.Run(t, harness.FromEnv(t))
//	}
func FromEnv(t TB) Target {
	t.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		t.Skip("scimloop: " + EnvURL + " is not set; set it to the SCIM base URL of the server to test")
		return Target{}
	}
	target := Target{URL: url}
	if tok := os.Getenv(EnvToken); tok != "" {
		target.Header = http.Header{"Authorization": {"Bearer " + tok}}
	}
	return target
}
