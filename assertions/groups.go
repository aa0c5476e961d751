package assertions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

var groupChecks = area("groups", []Check{
	{ID: "group-members-match-model", Title: "Group.members holds exactly the members the IdP set", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7643 §4.2 defines members as the group's member list: it must be what the client set", RFC: "RFC 7643 §4.2",
		Spec: []string{"SCHEMA-GROUP-003"}, Rule: "members added or removed through PATCH or PUT are exactly the members the group then reports"},
	{ID: "group-membership-both-views", Title: "Group.members and User.groups agree", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7643 §4.1.2 defines User.groups as derived from Group.members: both views must agree", RFC: "RFC 7643 §4.1.2, §4.2",
		Spec: []string{"SCHEMA-GROUP-009"}, Rule: "a user is in a group's members exactly when the user's groups attribute lists that group"},
	{ID: "user-delete-leaves-groups", Title: "Deleting a user removes it from its groups", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.6 makes a deleted resource gone (MUST); a group listing it as member would still return it", RFC: "RFC 7644 §3.6, RFC 7643 §4.2",
		Spec: []string{"PROTO-DELETE-005"}, Rule: "after a user is deleted, no group lists it as a member"},
})

// MemberIDs returns the member values of a Group body, sorted.
func MemberIDs(body []byte) []string {
	var ids []string
	for _, m := range fakeidp.Get(body, "members").Array() {
		ids = append(ids, fakeidp.Lookup(m, "value").String())
	}
	slices.Sort(ids)
	return ids
}

// GroupIDsOfUser returns the group values of a User body's groups, sorted.
func GroupIDsOfUser(body []byte) []string {
	var ids []string
	for _, g := range fakeidp.Get(body, "groups").Array() {
		ids = append(ids, fakeidp.Lookup(g, "value").String())
	}
	slices.Sort(ids)
	return ids
}

// MembersEqual judges that a group reports exactly want as members, naming
// each member that is missing or extra.
func MembersEqual(ex *fakeidp.Exchange, want []string) error {
	got := MemberIDs(ex.RespBody)
	want = slices.Sorted(slices.Values(want))
	missing, extra := setDiff(want, got), setDiff(got, want)
	if len(missing) == 0 && len(extra) == 0 {
		return nil
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, "unexpected "+strings.Join(extra, ", "))
	}
	return fmt.Errorf("%s = members [%s] (%s), want [%s]", op(ex), strings.Join(got, ", "), strings.Join(parts, "; "), strings.Join(want, ", "))
}

// UserGroupsInclude judges whether a User body lists groupID in groups, as want says.
func UserGroupsInclude(ex *fakeidp.Exchange, groupID string, want bool) error {
	got := slices.Contains(GroupIDsOfUser(ex.RespBody), groupID)
	switch {
	case want && !got:
		return fmt.Errorf("%s = groups %s without group %q, want it listed: the group lists this user as a member", op(ex), raw(fakeidp.Get(ex.RespBody, "groups")), groupID)
	case !want && got:
		return fmt.Errorf("%s = groups %s including group %q, want it absent: the group does not list this user", op(ex), raw(fakeidp.Get(ex.RespBody, "groups")), groupID)
	}
	return nil
}

// NotAMember judges that a group no longer lists a deleted user.
func NotAMember(ex *fakeidp.Exchange, userID string) error {
	if slices.Contains(MemberIDs(ex.RespBody), userID) {
		return fmt.Errorf("%s = members still include deleted user %q, want it removed", op(ex), userID)
	}
	return nil
}

// setDiff returns the elements of a not in b (both sorted).
func setDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}
