package reports

import (
	"strings"
	"testing"
)

func TestSummaryNamesIdPVerdict(t *testing.T) {
	run := &Run{Target: "http://127.0.0.1:8080/scim/v2", Verdict: Verdict{Result: "pass", IdPCompat: "fail", Passed: 208, Failed: 2, Skipped: 67}}
	want := "scimloop http://127.0.0.1:8080/scim/v2: PASS — 208 passed, 2 failed (0 MUST, 0 SHOULD warnings), 67 skipped, 0 errors; IdP compatibility: FAIL"
	if got := run.Summary(); got != want {
		t.Errorf("Summary() = %q\nwant        %q", got, want)
	}
	run.Verdict.IdPCompat, run.Verdict.Incomplete = "pass", true
	want = "scimloop http://127.0.0.1:8080/scim/v2: INCOMPLETE — 208 passed, 2 failed (0 MUST, 0 SHOULD warnings), 67 skipped, 0 errors"
	if got := run.Summary(); got != want {
		t.Errorf("Summary() = %q\nwant        %q", got, want)
	}
}

func TestSummarySaysHowManyRootCauses(t *testing.T) {
	run := &Run{Target: "http://127.0.0.1:8080/scim/v2", Verdict: Verdict{Result: "fail", Passed: 5, Failed: 3, MustFailures: 3, Errored: 1},
		Checks: []CheckResult{
			{ID: "http-accept-scim-json", Status: StatusFail},
			{ID: "get-200", Status: StatusFail, CausedBy: []string{"http-accept-scim-json"}},
			{ID: "meta-present", Status: StatusFail, CausedBy: []string{"get-200"}},
			{ID: "etag-if-none-match-304", Status: StatusError, CausedBy: []string{"meta-present"}},
		}}
	want := "scimloop http://127.0.0.1:8080/scim/v2: FAIL — 5 passed, 3 failed (3 MUST, 0 SHOULD warnings), 0 skipped, 1 errors — 1 root cause to fix: the other 3 only follow from it"
	if got := run.Summary(); got != want {
		t.Errorf("Summary() = %q\nwant        %q", got, want)
	}
	run.Checks = append(run.Checks, CheckResult{ID: "create-201", Status: StatusFail})
	want = "scimloop http://127.0.0.1:8080/scim/v2: FAIL — 5 passed, 3 failed (3 MUST, 0 SHOULD warnings), 0 skipped, 1 errors — 2 root causes to fix: the other 3 only follow from them"
	if got := run.Summary(); got != want {
		t.Errorf("Summary() = %q\nwant        %q", got, want)
	}
	run.Checks = run.Checks[4:] // no consequence: nothing added
	if got := run.Summary(); strings.Contains(got, "root cause") {
		t.Errorf("Summary() = %q, want no root-cause count without consequences", got)
	}
}
