package scenarios

import (
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
)

// JudgeAlways records a verdict for a harness-wide check that any scenario
// may meet (a retry can happen anywhere), whether or not the scenario lists it.
func (s *S) JudgeAlways(id string, err error, evidence ...*fakeidp.Exchange) {
	o := s.outcome(id)
	if o.Status == reports.StatusSkip {
		return
	}
	if err == nil {
		if o.Status == "" || o.Status == reports.StatusError {
			o.Status, o.Reason = reports.StatusPass, ""
		}
		return
	}
	o.Status, o.rooted = reports.StatusFail, true
	if len(o.Findings) < maxFindingsPerCheck {
		o.Findings = append(o.Findings, Finding{Message: err.Error(), Exchanges: safety.NonNil(evidence)})
	}
}

// judgesLostCreate skips, rather than judges, a check whose first evidence
// stands in for a lost create answer: status, Location and body of that
// answer were never seen, so judging the read in their place would be a
// false alarm. It reports whether it did.
func (s *S) judgesLostCreate(id string, evidence []*fakeidp.Exchange) bool {
	if len(evidence) == 0 || evidence[0] == nil {
		return false
	}
	if !s.sess.LostCreate(evidence[0]) {
		return false
	}
	s.Skip(id, "the create's answer was lost (the request was retried and the resource found by name), so that answer cannot be judged")
	return true
}
