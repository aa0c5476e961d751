package reports

import "testing"

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
