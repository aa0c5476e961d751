package sequences

import (
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
)

// Two users of a case, and the same user in two cases (a run and its
// shrink), never share an e-mail or externalId, even from the same draw.
func TestCaseNamesKeepIdentifiersApart(t *testing.T) {
	spec := fakeidp.User{UserName: "u1-a", ExternalID: "deadbeef", Emails: []fakeidp.Email{{Value: "ada"}}}
	a := caseNames{prefix: "p-s1-", tag: "s1", domain: "x.test"}
	b := caseNames{prefix: "p-s2-", tag: "s2", domain: "x.test"}
	seen := map[string]bool{}
	for _, u := range []fakeidp.User{a.user(spec, 1), a.user(spec, 2), b.user(spec, 1)} {
		for _, v := range []string{u.Emails[0].Value, u.ExternalID} {
			if seen[v] {
				t.Errorf("%q given twice", v)
			}
			seen[v] = true
		}
	}
}
