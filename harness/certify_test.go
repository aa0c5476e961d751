package harness_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/reports"
)

// TestCertify runs the certification profile against a reference server with
// a fault and checks the merged run: profile, seeds and dialects as
// published, every scenario once per dialect and seed, options that would
// narrow the profile overridden, exchange numbers unique, bodies cut to
// CertifyBodyCap, every finding's exchanges present, and the fault failing
// the certification.
func TestCertify(t *testing.T) {
	if testing.Short() {
		t.Skip("certify runs every scenario once per dialect and seed; skipped with -short")
	}
	harness.SetCertifyBudget(t, 3, 10) // the merge is under test, not the budget
	target, auth := refTarget(t, "no-etag")
	runs := 0
	run, err := harness.Certify(context.Background(), target, auth,
		harness.WithOnly("no-such-scenario"), harness.WithSeed(99), harness.WithDialect("okta"),
		harness.WithCommand("scimloop certify", "scimloop run --url U"),
		harness.WithProgress(func(ev harness.ProgressEvent) {
			if ev.Step == harness.StepDone {
				runs++
			}
		}))
	if err != nil {
		t.Fatalf("Certify: %v", err)
	}
	seeds, dialects := harness.CertifySeeds(), harness.CertifyDialects()
	if run.Profile != harness.ProfileCertify || !run.Strict || run.Catalogue != harness.CatalogueVersion {
		t.Errorf("profile %q strict %v catalogue %q, want %q true %q", run.Profile, run.Strict, run.Catalogue, harness.ProfileCertify, harness.CatalogueVersion)
	}
	if !slices.Equal(run.Seeds, seeds) || !slices.Equal(run.Dialects, dialects) {
		t.Errorf("seeds %v dialects %v, want %v %v", run.Seeds, run.Dialects, seeds, dialects)
	}
	if want := len(seeds) * len(dialects); runs != want {
		t.Errorf("%d runs reported done, want %d", runs, want)
	}

	perRun := map[string]int{}
	names := map[string]bool{}
	seen := map[string]bool{}
	for _, sc := range run.Scenarios {
		if sc.Seed == 0 || sc.Dialect == "" {
			t.Errorf("scenario %s: dialect %q seed %d, want both set", sc.Name, sc.Dialect, sc.Seed)
		}
		key := fmt.Sprintf("%s/%d", sc.Dialect, sc.Seed)
		perRun[key]++
		names[sc.Name] = true
		if id := sc.Name + " " + key; seen[id] {
			t.Errorf("scenario %s twice", id)
		}
		seen[sc.Name+" "+key] = true
	}
	if len(perRun) != len(seeds)*len(dialects) {
		t.Errorf("scenarios come from %d dialect/seed pairs, want %d: %v", len(perRun), len(seeds)*len(dialects), perRun)
	}
	if names["no-such-scenario"] || len(run.Scenarios) < 2*len(perRun) {
		t.Errorf("WithOnly was not overridden: %d scenarios", len(run.Scenarios))
	}

	seqs := map[int]bool{}
	cut := 0
	for _, ex := range run.Exchanges {
		if seqs[ex.Seq] {
			t.Fatalf("exchange seq %d appears twice", ex.Seq)
		}
		seqs[ex.Seq] = true
		if len(ex.RequestBody) > harness.CertifyBodyCap || len(ex.ResponseBody) > harness.CertifyBodyCap {
			t.Errorf("exchange %d has a body over CertifyBodyCap: %d and %d bytes", ex.Seq, len(ex.RequestBody), len(ex.ResponseBody))
		}
		if ex.RequestBodyCut+ex.ResponseBodyCut > 0 {
			cut++
		}
	}
	if cut == 0 {
		t.Errorf("no body was cut to CertifyBodyCap; the large-body scenarios send more than %d bytes", harness.CertifyBodyCap)
	}
	failed := false
	for _, c := range run.Checks {
		if c.Status == reports.StatusFail && c.ID == "etag-header-present" {
			failed = true
		}
		for _, f := range c.Findings {
			for _, seq := range f.Exchanges {
				if !seqs[seq] {
					t.Errorf("%s: finding refers to exchange %d, which the run does not have", c.ID, seq)
				}
			}
		}
	}
	if !failed || run.Verdict.Result != "fail" || run.Verdict.MustFailures == 0 {
		t.Errorf("with no-etag: etag-header-present failed %v, verdict %+v; want a failed certification", failed, run.Verdict)
	}
}
