package harness_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/profiles"
	"github.com/scimloop/scimloop/reports"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testToken = "matrix-token-0123456789"

// matrixGolden holds, per fault, the checks a run against it makes fail,
// and the checks seen failing in any of those runs (read by package
// assertions, whose unit tests cover the rest).
var matrixGolden = filepath.Join("testdata", "faultmatrix.golden")

// minSeenFailing is the share of the catalogue that must fail in a real run
// against some reference-server fault (the rest fail on recorded bad
// exchanges in package assertions).
const minSeenFailing = 0.75

// runAgainst runs the harness against a fresh reference server with faults.
func runAgainst(t *testing.T, faults []string, opts ...harness.Option) (*reports.Run, error) {
	t.Helper()
	return runAgainstServer(t, refserver.Config{Faults: faults}, opts...)
}

// runAgainstServer runs the harness against a fresh reference server built
// from cfg, under the matrix's token and base path.
func runAgainstServer(t *testing.T, cfg refserver.Config, opts ...harness.Option) (*reports.Run, error) {
	t.Helper()
	cfg.Token, cfg.BasePath, cfg.Seed = testToken, "/scim/v2", 1
	srv, err := refserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	opts = append([]harness.Option{harness.WithClientOptions(fakeidp.WithBearer(testToken)), harness.WithRunID("matrix")}, opts...)
	return harness.Execute(context.Background(), harness.Target{URL: ts.URL + "/scim/v2"}, opts...)
}

// checkMessage is the first finding of a check, or its reason.
func checkMessage(c reports.CheckResult) string {
	if len(c.Findings) > 0 {
		return c.Findings[0].Message
	}
	return c.Reason
}

// failing returns the IDs of the checks that failed, sorted.
func failing(run *reports.Run) []string {
	var ids []string
	for _, c := range run.Checks {
		if c.Status == reports.StatusFail {
			ids = append(ids, c.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// errored returns the IDs of the checks that could not be judged, sorted.
func errored(run *reports.Run) []string {
	var ids []string
	for _, c := range run.Checks {
		if c.Status == reports.StatusError {
			ids = append(ids, c.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// causeLinks returns "check<cause" for every failed or errored check that
// is only a consequence of another, sorted.
func causeLinks(run *reports.Run) []string {
	var links []string
	for _, c := range run.Checks {
		for _, cause := range c.CausedBy {
			links = append(links, c.ID+"<"+cause)
		}
	}
	slices.Sort(links)
	return links
}

// maxUnjudged is the most checks one fault may leave unjudged (errored): a
// refused probe must never take unrelated checks down with it.
const maxUnjudged = 3

// pendingUnjudged are the faults known to leave more than maxUnjudged checks
// unjudged, with why. The test fails when an entry is no longer needed, so
// the list only shrinks. (paging-and-sorting's fixture now falls back to an
// unfiltered walk, or skips, instead of stopping on its scoped query, which
// emptied it.)
var pendingUnjudged = map[string]string{}

// failingAt counts the failed checks of one level.
func failingAt(run *reports.Run, level reports.Level) int {
	n := 0
	for _, c := range run.Checks {
		if c.Status == reports.StatusFail && c.Level == level {
			n++
		}
	}
	return n
}

// matrixCase is one harness run of the matrix: a fault (or none) and the
// mode its kind is judged in.
type matrixCase struct {
	fault   refserver.Fault // Name "none" for the correct server
	dialect string          // the run's dialect
	strict  bool
	plain   bool   // an idp or profile fault's plain rfc run, which must pass
	seqs    bool   // the fault shows only in property sequences
	schema  bool   // the run includes the schema properties
	profile string // a profile fault's run follows this certification profile
}

// sequenceOnly are the faults that only a property sequence reveals (the
// drift shows in list views, which only the final reconciliation reads);
// their runs include a small sequence budget.
var sequenceOnly = map[string]bool{"group-list-members-stale": true}

// schemaPropRuns are the faults whose runs, like the correct server's,
// include the schema properties (sequences/schemaprop.go): those only the
// properties reveal, and one fault each that shows a schema-prop check no
// property-only fault does (honesty, put-model, projection), and
// username-case-sensitive, whose eq filter in the other case the filter
// property also sends.
var schemaPropRuns = map[string]bool{
	"empty-canonical-values": true, "decimal-truncated": true, "datetime-rewritten": true, "writeonly-returned": true,
	"immutable-changes": true, "subattribute-dropped-on-replace": true, "primary-not-exclusive-on-patch": true,
	"integers-compared-as-text": true, "binary-not-base64": true, "put-ignored": true, "attributes-param-ignored": true,
	"username-case-sensitive": true,
}

func (c matrixCase) label() string {
	mode := c.dialect
	if c.strict {
		mode += "+strict"
	}
	if c.seqs {
		mode += "+sequences"
	}
	if c.profile != "" {
		mode += "+profile:" + c.profile
	}
	return c.fault.Name + "\t" + c.fault.Kind + "\t" + mode
}

// matrixCases lists the runs: the correct server in every dialect, then
// every fault in the mode its kind is about: conformance and chaos in a
// plain run, should in a strict run, idp in its IdP's dialect (and in a
// plain run, which must pass).
func matrixCases(t *testing.T) []matrixCase {
	var cs []matrixCase
	for _, d := range fakeidp.Dialects() {
		cs = append(cs, matrixCase{fault: refserver.Fault{Name: "none", Kind: "none"}, dialect: d, schema: true})
	}
	for _, f := range refserver.Faults() {
		c := matrixCase{fault: f, dialect: fakeidp.DialectRFC, seqs: sequenceOnly[f.Name], schema: schemaPropRuns[f.Name]}
		switch f.Kind {
		case refserver.KindConformance, refserver.KindChaos:
		case refserver.KindShould:
			c.strict = true
		case refserver.KindIDP:
			if _, err := fakeidp.ParseDialect(f.Dialect); err != nil || f.Dialect == fakeidp.DialectRFC {
				t.Errorf("idp fault %s: dialect %q is not an IdP's dialect: %v", f.Name, f.Dialect, err)
				continue
			}
			c.dialect = f.Dialect
			cs = append(cs, matrixCase{fault: f, dialect: fakeidp.DialectRFC, plain: true, schema: schemaPropRuns[f.Name]})
		case refserver.KindProfile:
			if _, err := profiles.Lookup(f.Profile); err != nil {
				t.Errorf("profile fault %s: %v", f.Name, err)
				continue
			}
			c.profile = f.Profile
			cs = append(cs, matrixCase{fault: f, dialect: fakeidp.DialectRFC, plain: true})
		default:
			t.Errorf("fault %s: unknown kind %q", f.Name, f.Kind)
			continue
		}
		cs = append(cs, c)
	}
	return cs
}

type matrixResult struct {
	run *reports.Run
	err error
}

// TestFaultMatrix is how the project proves it catches bugs ("test the
// tester"). It runs the whole catalogue against the reference server once
// per named fault, in the mode the fault's kind is about, and asserts:
//
//   - with no fault, in every dialect, no check fails or errs;
//   - conformance: a plain run fails at least one MUST-level check;
//   - should: no MUST-level check fails, a SHOULD-level one does (a warning),
//     and a strict run fails;
//   - idp: a run in the fault's dialect fails an IDP-level check, which
//     fails the run, while a plain rfc run passes with no MUST- or
//     SHOULD-level failure;
//   - chaos: the run completes;
//   - the exact sets of failing and errored checks per fault, and the
//     causedBy links between them, match testdata/faultmatrix.golden;
//   - no fault leaves more than maxUnjudged checks unjudged (errored);
//   - at least 75% of the catalogue fails in some fault's run, and every
//     other check fails on a recorded bad exchange in package assertions
//     (TestChecksFailOnBadExchanges reads the golden file's "seen" lines).
//
// Regenerate the golden file with: go test ./harness -run TestFaultMatrix -update
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix runs the whole catalogue once per fault")
	}
	cases := matrixCases(t)
	start := time.Now()
	results := runMatrix(t, cases)
	t.Logf("%d runs in %s", len(cases), time.Since(start).Round(time.Second))

	lines := []string{"# fault\tkind\tmode\tfailing checks\terrored checks\tconsequences, check<cause (regenerate: go test ./harness -run TestFaultMatrix -update)"}
	seen := map[string]bool{}
	for i, c := range cases {
		run, err := results[i].run, results[i].err
		name := c.fault.Name
		if run == nil {
			t.Errorf("%s: no run: %v", name, err)
			continue
		}
		ids, errs := failing(run), errored(run)
		lines = append(lines, c.label()+"\t"+strings.Join(ids, ",")+"\t"+strings.Join(errs, ",")+"\t"+strings.Join(causeLinks(run), ","))
		switch _, pending := pendingUnjudged[name]; {
		case len(errs) > maxUnjudged && !pending:
			t.Errorf("%s: %d checks left unjudged (%v); want at most %d: a failure must not take unrelated checks down with it", name, len(errs), errs, maxUnjudged)
		case len(errs) <= maxUnjudged && pending:
			t.Errorf("%s leaves %d checks unjudged now: remove it from pendingUnjudged", name, len(errs))
		}
		if c.fault.Name != "none" {
			for _, id := range ids {
				seen[id] = true
			}
		}
		judgeMatrixKind(t, c, run, err, ids)
		if err != nil && c.fault.Kind != "none" && c.fault.Kind != refserver.KindChaos {
			t.Errorf("%s: the run did not complete: %v", name, err)
		}
	}

	all := assertions.All()
	var ids []string
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	share := float64(len(ids)) / float64(len(all))
	lines = append(lines, fmt.Sprintf("# checks seen failing in a run against a reference-server fault: %d of %d (%.0f%%)", len(ids), len(all), 100*share))
	for _, id := range ids {
		lines = append(lines, "seen\t"+id)
	}
	t.Logf("%d of %d checks (%.1f%%) fail in a real run against a reference-server fault", len(ids), len(all), 100*share)
	if share < minSeenFailing {
		t.Errorf("only %d of %d checks (%.1f%%) fail in a run against a reference-server fault; want at least %.0f%% (add faults)", len(ids), len(all), 100*share, 100*minSeenFailing)
	}
	compareGolden(t, matrixGolden, strings.Join(lines, "\n")+"\n")
}

// runMatrix runs every case of the matrix, a few at a time.
func runMatrix(t *testing.T, cases []matrixCase) []matrixResult {
	results := make([]matrixResult, len(cases))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6) // runs mostly wait (on a 1.1s timestamp pause), so more than GOMAXPROCS
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var fs []string
			if c.fault.Name != "none" {
				fs = []string{c.fault.Name}
			}
			opts := []harness.Option{harness.WithDialect(c.dialect), harness.WithSequences(0)}
			if c.seqs {
				opts = append(opts, harness.WithSequences(20), harness.WithSteps(20), harness.WithShrinkTime(2*time.Second))
			}
			if c.strict {
				opts = append(opts, harness.WithStrict())
			}
			cfg := refserver.Config{Faults: fs}
			var prof *profiles.Profile
			if c.profile != "" {
				// The profile's own serve configuration, which passes it.
				p, _ := profiles.Lookup(c.profile)
				opts = append(opts, harness.WithCertProfile(p))
				cfg.Personalities = p.Personalities
				cfg.InteropProfile, cfg.RateLimit = p.InteropProfile, p.RateLimit
				prof = &p
			}
			if c.schema {
				opts = append(opts, harness.WithSchemaProperties(40), harness.WithShrinkTime(2*time.Second))
			}
			run, err := runAgainstServer(t, cfg, opts...)
			if prof != nil && run != nil {
				// As certify does: a check the profile leaves out is not judged.
				run.Checks = slices.DeleteFunc(run.Checks, func(r reports.CheckResult) bool {
					chk, ok := assertions.Lookup(r.ID)
					return ok && !prof.Selects(r.ID, chk.Area)
				})
			}
			results[i] = matrixResult{run: run, err: err}
		}()
	}
	wg.Wait()
	return results
}

// judgeMatrixKind asserts that a fault's run fails the way its kind says:
// nothing without a fault, a MUST check for a conformance fault, only SHOULD
// checks for a should fault, IDP checks in its dialect for an idp fault, and
// a complete, clean run for chaos.
func judgeMatrixKind(t *testing.T, c matrixCase, run *reports.Run, err error, ids []string) {
	t.Helper()
	name := c.fault.Name
	must, should, idp := failingAt(run, reports.LevelMust), failingAt(run, reports.LevelShould), failingAt(run, reports.LevelIDP)
	switch c.fault.Kind {
	case "none":
		if len(ids) > 0 || err != nil || run.Verdict.Errored > 0 {
			t.Errorf("with no fault (dialect %s): failing %v, %d errored, error %v; want none", c.dialect, ids, run.Verdict.Errored, err)
		}
	case refserver.KindConformance:
		if must == 0 || run.Verdict.MustFailures == 0 || run.Verdict.Result != "fail" {
			t.Errorf("conformance fault %s: no MUST-level check failed (failing: %v); the harness misses this bug", name, ids)
		}
	case refserver.KindShould:
		if must > 0 || should == 0 || run.Verdict.Warnings == 0 || run.Verdict.Result != "fail" {
			t.Errorf("should fault %s: %d MUST and %d SHOULD failures, verdict %+v; want only SHOULD-level ones, failing the strict run (failing: %v)", name, must, should, run.Verdict, ids)
		}
	case refserver.KindIDP:
		if c.plain {
			if must > 0 || should > 0 || run.Verdict.Result != "pass" {
				t.Errorf("idp fault %s: a plain rfc run fails %d MUST and %d SHOULD checks (failing: %v); want it to pass, or the fault is not idp-only", name, must, should, ids)
			}
			break
		}
		if idp == 0 || run.Verdict.IdPCompat != "fail" || run.Verdict.Result != "fail" {
			t.Errorf("idp fault %s: no IDP-level check failed the %s run (verdict %+v, failing: %v)", name, c.dialect, run.Verdict, ids)
		}
	case refserver.KindProfile:
		if c.plain {
			if must > 0 || should > 0 || run.Verdict.Result != "pass" {
				t.Errorf("profile fault %s: a plain rfc run fails %d MUST and %d SHOULD checks (failing: %v); want it to pass, or the fault breaks an RFC rule", name, must, should, ids)
			}
			break
		}
		own := false
		for _, id := range ids {
			chk, _ := assertions.Lookup(id)
			own = own || chk.Area == c.profile
		}
		if !own || run.Verdict.Result != "fail" {
			t.Errorf("profile fault %s: no check of area %s failed the run under profile %s (failing: %v)", name, c.profile, c.profile, ids)
		}
	case refserver.KindChaos:
		if err != nil || run.Verdict.Incomplete {
			t.Errorf("chaos fault %s: the run did not complete: %v", name, err)
		}
		checkChaosReport(t, name, run)
	}
}

// checkChaosReport asserts that the report of a chaos fault's run shows
// what happened: latency figures, and the retries of the 503s and 429s.
func checkChaosReport(t *testing.T, name string, run *reports.Run) {
	t.Helper()
	if len(run.Latency) == 0 {
		t.Errorf("chaos fault %s: the report has no latency figures", name)
	}
	unavailable, tooMany, retried, slowest := 0, 0, 0, 0.0
	for _, ex := range run.Exchanges {
		switch ex.Status {
		case 503:
			unavailable++
		case 429:
			tooMany++
		}
		if ex.Attempt > 1 {
			retried++
		}
	}
	for _, l := range run.Latency {
		slowest = max(slowest, l.P50)
	}
	t.Logf("chaos fault %s: %d exchanges, %d answered 503, %d answered 429, %d retries, slowest median %.0fms", name, len(run.Exchanges), unavailable, tooMany, retried, slowest)
	switch name {
	case "flaky-5xx":
		if unavailable == 0 || retried == 0 {
			t.Errorf("chaos fault %s: the report shows %d 503s and %d retries; want both", name, unavailable, retried)
		}
	case "flaky-429":
		if tooMany == 0 || retried == 0 {
			t.Errorf("chaos fault %s: the report shows %d 429s and %d retries; want both", name, tooMany, retried)
		}
	case "slow":
		if slowest < 50 {
			t.Errorf("chaos fault %s: the report's slowest median latency is %.0fms; want at least the 50ms delay", name, slowest)
		}
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-golden +got); if the change is intended, run go test ./harness -run %s -update:\n%s", path, t.Name(), diff)
	}
}

// TestMatrixGoldenLists checks the golden file's shape: every fault of the
// reference server has a row, and every "seen" check is in the catalogue.
func TestMatrixGoldenLists(t *testing.T) {
	f, err := os.Open(matrixGolden)
	if err != nil {
		t.Fatalf("%v (run TestFaultMatrix with -update to create it)", err)
	}
	defer f.Close()
	rows := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		switch {
		case strings.HasPrefix(parts[0], "#"):
		case parts[0] == "seen":
			if _, ok := assertions.Lookup(parts[1]); !ok {
				t.Errorf("seen check %s is not in the catalogue", parts[1])
			}
		default:
			rows[parts[0]] = true
		}
	}
	for _, fl := range refserver.Faults() {
		if !rows[fl.Name] {
			t.Errorf("fault %s has no row in %s; run TestFaultMatrix with -update", fl.Name, matrixGolden)
		}
	}
}
