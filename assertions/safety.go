package assertions

import (
	"fmt"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// safetyChecks judge what happens when the IdP has to retry: IdPs retry a
// create that answered 429/503 or timed out, and the harness does too, after
// looking the resource up by name so that the retry itself cannot duplicate.
var safetyChecks = area("safety", []Check{
	{ID: "create-retry-no-duplicate", Title: "A retried create leaves exactly one resource", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7643 §4.1.1, RFC 7644 §3.3",
		Spec: []string{"PROTO-STATUS-010"},
		Rule: "a create that was retried after a 429, a 503 or a lost answer leaves one user with that userName: a second create with the same unique name is refused with 409, never stored twice"},
})

// NoDuplicate judges a ListResponse read after a retried create: at most one
// listed resource may carry name in attr (compared case-insensitively, as
// userName is). Resources with other names (a server that ignores the
// filter) are not counted. Only userName is unique by the RFC (RFC 7643
// §4.1.1); Group.displayName has uniqueness "none" (§8.7.1), so two groups
// of one name are legal and left to cleanup, never a finding.
func NoDuplicate(list *fakeidp.Exchange, attr, name string) error {
	if list == nil {
		return fmt.Errorf("no lookup was made")
	}
	if !strings.EqualFold(attr, "userName") {
		return nil
	}
	ids := NamedIDs(list, attr, name)
	if len(ids) > 1 {
		return fmt.Errorf("%s = %d resources with %s %q (ids %s) after a retried create, want exactly one",
			op(list), len(ids), attr, name, clip(strings.Join(ids, ", "), 200))
	}
	return nil
}

// NamedIDs returns the ids of the listed resources whose attr equals name,
// case-insensitively, in list order.
func NamedIDs(list *fakeidp.Exchange, attr, name string) []string {
	if list == nil || !fakeidp.IsJSON(list.RespBody) {
		return nil
	}
	var ids []string
	for _, r := range fakeidp.Get(list.RespBody, "Resources").Array() {
		if strings.EqualFold(fakeidp.Lookup(r, attr).String(), name) {
			ids = append(ids, fakeidp.Lookup(r, "id").String())
		}
	}
	return ids
}
