package scenarios

import (
	"net/http"
	"sync"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// checkRetryDuplicate is judged whenever a create had to be retried.
const checkRetryDuplicate = "create-retry-no-duplicate"

// judgeNoDuplicate judges a lookup by name made around a retried create: more
// than one resource with the run's unique name is a finding. Extra copies
// are left to the prefix sweep at cleanup, which reads each one first.
func (s *S) judgeNoDuplicate(typ, name string, list *fakeidp.Exchange) {
	if list == nil || list.Status != http.StatusOK {
		return
	}
	ids := assertions.NamedIDs(list, nameAttr(typ), name)
	if len(ids) == 0 {
		return // nothing to judge: the lookup did not find the name at all
	}
	s.judgeAlways(checkRetryDuplicate, assertions.NoDuplicate(list, nameAttr(typ), name), list)
}

// afterRetriedCreate looks name up once more after a create that was
// retried, so that a duplicate made by the retry is found and cleaned up.
func (s *S) afterRetriedCreate(typ, name string, ex *fakeidp.Exchange) {
	if ex == nil || ex.Status < 200 || ex.Status > 299 || s.Env.SP == nil || !s.Env.SP.Filter {
		return
	}
	list, err := s.C.Do(s.Ctx, fakeidp.Request{Method: http.MethodGet, Path: endpoint(typ), Retry: true,
		Query: map[string][]string{"filter": {nameAttr(typ) + ` eq "` + name + `"`}}})
	if err != nil {
		return
	}
	s.judgeNoDuplicate(typ, name, list)
}

// judgeAlways records a verdict for a harness-wide check that any scenario
// may meet (a retry can happen anywhere), whether or not the scenario lists it.
func (s *S) judgeAlways(id string, err error, evidence ...*fakeidp.Exchange) {
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
	o.Status = reports.StatusFail
	if len(o.Findings) < maxFindingsPerCheck {
		o.Findings = append(o.Findings, Finding{Message: err.Error(), Exchanges: nonNil(evidence)})
	}
}

// recoveredCreates holds the exchanges that stand in for a create whose
// answer was lost: the read of the resource that the lookup by name found.
var recoveredCreates sync.Map

// judgesLostCreate skips, rather than judges, a check whose first evidence
// stands in for a lost create answer: status, Location and body of that
// answer were never seen, so judging the read in their place would be a
// false alarm. It reports whether it did.
func (s *S) judgesLostCreate(id string, evidence []*fakeidp.Exchange) bool {
	if len(evidence) == 0 || evidence[0] == nil {
		return false
	}
	if _, ok := recoveredCreates.Load(evidence[0]); !ok {
		return false
	}
	s.Skip(id, "the create's answer was lost (the request was retried and the resource found by name), so that answer cannot be judged")
	return true
}
