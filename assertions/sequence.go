package assertions

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// sequenceChecks judge property-generated provisioning sequences: every step
// against the IdP's model, and the final state by reconciliation.
var sequenceChecks = area("sequence", []Check{
	{ID: "seq-confirmed-read-back", Title: "Every create, update and delete is accepted and confirmed by a read-back", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.3, §3.5, §3.6",
		Spec: []string{"PROTO-PUT-002", "PROTO-DELETE-002"},
		Rule: "a valid create, update or delete succeeds, and the next GET shows it: a created or updated resource reads back 200, a deleted one 404"},
	{ID: "seq-model-consistent", Title: "After every step the resource read back equals the IdP's model", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.1, §3.5.2",
		Spec: []string{"PROTO-PUT-002", "PROTO-PATCH-010", "PROTO-PATCH-014"},
		Rule: "the values set by PUT and PATCH are exactly the values the resource then reports (attributes the server declares)"},
	{ID: "seq-username-reusable", Title: "The userName of a deleted user can be used again", Level: reports.LevelShould, Keyword: "SHOULD NOT", RFC: "RFC 7644 §3.6",
		Spec: []string{"PROTO-DELETE-004"},
		Rule: "a deleted resource does not count in uniqueness checks: a new user may take a deleted user's userName"},
	{ID: "seq-patch-atomic", Title: "A PATCH with a failing operation changes nothing", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §3.5.2",
		Spec: []string{"PROTO-PATCH-030"},
		Rule: "PATCH is atomic: when any operation fails, the resource is left as it was and an error is returned"},
	{ID: "seq-version-stable-without-change", Title: "The version stays the same when an update changes nothing", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.1's SHALL NOT on changing version for a no-op, with §3.14's version meaning the representation", RFC: "RFC 7644 §3.14, §3.5.2.1",
		Spec: []string{"PROTO-ETAG-006"}, Capability: fakeidp.CapETag,
		Rule: "an entity tag identifies one representation: an update that changes no value (re-adding a value, re-setting the same value) keeps the version"},
	{ID: "seq-concurrent-if-match", Title: "Two IdP workers racing with the same If-Match: exactly one wins", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "derived from §3.14's versioning via RFC 7232 §3.1: of concurrent writers with one tag only one may win", RFC: "RFC 7644 §3.14 (RFC 7232 §3.1)",
		Spec: []string{"PROTO-ETAG-009"}, Capability: fakeidp.CapETag,
		Rule: "of two conditional updates made against the same version, exactly one succeeds and the other is refused (412); no change is lost silently"},
	{ID: "seq-reconcile-missing", Title: "Every resource the IdP provisioned is listed under its prefix", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 defines eq on userName: a user the server holds must be found by it", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-008"},
		Rule: "a query for the run's prefix (userName sw / displayName sw) returns every live resource the IdP created, across all pages"},
	{ID: "seq-reconcile-extra", Title: "Nothing the IdP deleted or never made is listed under its prefix", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §3.6",
		Spec: []string{"PROTO-DELETE-003"},
		Rule: "a deleted resource is left out of every later query result; a query for the run's prefix lists only the IdP's live resources"},
	{ID: "seq-reconcile-attributes", Title: "The final state of every resource equals the model", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.1",
		Spec: []string{"PROTO-PUT-002"},
		Rule: "after a whole provisioning sequence, each resource's attributes equal what the IdP last set"},
	{ID: "seq-membership-drift", Title: "Final membership agrees with the model, from both sides", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7643 §4.2 defines members and §4.1.2 derives User.groups from it: over a sequence both must follow the writes", RFC: "RFC 7643 §4.1.2, §4.2",
		Spec: []string{"SCHEMA-GROUP-009", "SCHEMA-GROUP-003"},
		Rule: "after a whole sequence, Group.members holds exactly the modelled members, and each user's groups lists exactly the groups that hold it"},
	{ID: "seq-flaky", Title: "A sequence failure reproduces", Level: reports.LevelShould, Keyword: "DERIVED", Derived: "no sentence asks for determinism; identical requests giving different answers breaks §3's request/response contract in spirit only", RFC: "RFC 7644 §3",
		Rule: "the same requests against the same server give the same outcome; a failure that did not happen again on the identical sequence is reported as flaky, with the original evidence"},
})

// UserView reads a User body into the model's shape, for comparison.
func UserView(body []byte) fakeidp.User {
	v := gjson.ParseBytes(body)
	s := func(keys ...string) string { return fakeidp.Lookup(v, keys...).String() }
	u := fakeidp.User{
		ID: s("id"), UserName: s("userName"), ExternalID: s("externalId"), DisplayName: s("displayName"),
		Name:   fakeidp.Name{GivenName: s("name", "givenName"), FamilyName: s("name", "familyName"), Formatted: s("name", "formatted")},
		Title:  s("title"),
		Active: fakeidp.Lookup(v, "active").Bool(),
	}
	for _, e := range fakeidp.Lookup(v, "emails").Array() {
		u.Emails = append(u.Emails, fakeidp.Email{Value: fakeidp.Lookup(e, "value").String(), Type: fakeidp.Lookup(e, "type").String(), Primary: fakeidp.Lookup(e, "primary").Bool()})
	}
	for _, p := range fakeidp.Lookup(v, "phoneNumbers").Array() {
		u.PhoneNumbers = append(u.PhoneNumbers, fakeidp.Phone{Value: fakeidp.Lookup(p, "value").String(), Type: fakeidp.Lookup(p, "type").String()})
	}
	if ext := fakeidp.Lookup(v, fakeidp.SchemaEnterprise); ext.IsObject() {
		e := fakeidp.Enterprise{
			EmployeeNumber: fakeidp.Lookup(ext, "employeeNumber").String(), Department: fakeidp.Lookup(ext, "department").String(),
			CostCenter: fakeidp.Lookup(ext, "costCenter").String(), Organization: fakeidp.Lookup(ext, "organization").String(),
			Division: fakeidp.Lookup(ext, "division").String(),
		}
		if e != (fakeidp.Enterprise{}) {
			u.Enterprise = &e
		}
	}
	return u
}

// GroupView reads a Group body into the model's shape (members sorted).
func GroupView(body []byte) fakeidp.Group {
	return fakeidp.Group{
		ID:          fakeidp.Get(body, "id").String(),
		DisplayName: fakeidp.Get(body, "displayName").String(),
		ExternalID:  fakeidp.Get(body, "externalId").String(),
		Members:     MemberIDs(body),
	}
}

// userCmp compares users as the model holds them: ids, the order of
// multi-valued attributes and empty-versus-absent are not differences.
var userCmp = gocmp.Options{
	cmpopts.EquateEmpty(),
	cmpopts.IgnoreFields(fakeidp.User{}, "ID"),
	cmpopts.SortSlices(func(a, b fakeidp.Email) bool { return cmp.Compare(a.Value+"\x00"+a.Type, b.Value+"\x00"+b.Type) < 0 }),
	cmpopts.SortSlices(func(a, b fakeidp.Phone) bool { return cmp.Compare(a.Value+"\x00"+a.Type, b.Value+"\x00"+b.Type) < 0 }),
	gocmp.Transformer("enterprise", func(e *fakeidp.Enterprise) fakeidp.Enterprise {
		if e == nil {
			return fakeidp.Enterprise{}
		}
		return *e
	}),
}

var groupCmp = gocmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(fakeidp.Group{}, "ID", "Members")}

// UserDrift judges that the user read back by ex equals the model, as a
// go-cmp diff (-model +server).
func UserDrift(ex *fakeidp.Exchange, model fakeidp.User) error {
	got := UserView(ex.RespBody)
	if d := gocmp.Diff(model, got, userCmp); d != "" {
		return fmt.Errorf("%s = user %s differs from the model (-model +server):\n%s", op(ex), model.UserName, d)
	}
	return nil
}

// GroupDrift judges a group's attributes other than members against the
// model (members are judged by [MembersEqual]).
func GroupDrift(ex *fakeidp.Exchange, model fakeidp.Group) error {
	got := GroupView(ex.RespBody)
	if d := gocmp.Diff(model, got, groupCmp); d != "" {
		return fmt.Errorf("%s = group %s differs from the model (-model +server):\n%s", op(ex), model.DisplayName, d)
	}
	return nil
}

// VersionStable judges that an update that changed nothing kept the version
// last seen.
func VersionStable(before string, write, after *fakeidp.Exchange) error {
	a := VersionOf(after)
	if before == "" || a == "" || a == before {
		return nil
	}
	return fmt.Errorf("%s changed nothing, yet %s = version %q, earlier %q, want it unchanged", op(write), op(after), a, before)
}

// VersionMoved judges that a real change gave the resource a version other
// than the one last seen (the same rule as [VersionChanged], against a
// remembered version rather than a recorded exchange).
func VersionMoved(before string, write, after *fakeidp.Exchange) error {
	a := VersionOf(after)
	if before == "" {
		return nil
	}
	if a == "" {
		return fmt.Errorf("%s after %s = no ETag or meta.version, want a version different from %q", op(after), op(write), before)
	}
	if a == before {
		return fmt.Errorf("%s after %s = version %q, the same as before the change, want a new version", op(after), op(write), a)
	}
	return nil
}

// TimeResolution is the finest precision a dateTime string shows: 1s for
// "…:05Z" or "…:05.000Z", 1ms for "…:05.120Z", 1ns for nine non-zero digits.
func TimeResolution(s string) time.Duration {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return time.Second
	}
	digits := 0
	for j := i + 1; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
		if s[j] != '0' {
			digits = j - i
		}
	}
	d := time.Second
	for range min(digits, 9) {
		d /= 10
	}
	return d
}

// LastModifiedAdvancedAt is [LastModifiedAdvanced] for a server whose
// timestamps show a finer resolution than a second: a real change made at
// least that long after the write that set the earlier value must move
// lastModified strictly later. before.Observed is when the earlier value was
// first seen, after.Observed when the change was sent. It returns ok=false
// when too little time passed to judge.
func LastModifiedAdvancedAt(before, after MetaTimes, resolution time.Duration) (ok bool, err error) {
	if resolution >= time.Second {
		return LastModifiedAdvanced(before, after)
	}
	gap := after.Observed.Sub(before.Observed)
	if gap < 2*resolution {
		return false, nil
	}
	if !after.LastModified.After(before.LastModified) {
		return true, fmt.Errorf("meta.lastModified = %s after a change sent %v after %s was seen, want a later value (the server shows %v precision)",
			after.LastModified.Format(time.RFC3339Nano), gap.Round(time.Microsecond), before.LastModified.Format(time.RFC3339Nano), resolution)
	}
	return true, nil
}

// Reconciled is one side of a reconciliation: resources by id.
type Reconciled struct {
	Users  map[string]fakeidp.User
	Groups map[string]fakeidp.Group
}

// Reconciliation is what comparing the model with the server found, each
// part as a message ready for a finding ("" when nothing).
type Reconciliation struct {
	Missing, Extra, Attributes, Membership string
}

// Reconcile compares the model with the server's listing, as go-cmp diffs
// (-model +server). userGroups holds, per listed user id, the group ids of
// its groups attribute when the server exposes it (nil when it does not).
func Reconcile(model, server Reconciled, userGroups map[string][]string) Reconciliation {
	var r Reconciliation
	var missing, extra, attrs, members []string
	for _, id := range sortedKeys(model.Users) {
		m := model.Users[id]
		s, ok := server.Users[id]
		if !ok {
			missing = append(missing, fmt.Sprintf("User %s (%s)", id, m.UserName))
			continue
		}
		if d := gocmp.Diff(m, s, userCmp); d != "" {
			attrs = append(attrs, fmt.Sprintf("User %s (%s) (-model +server):\n%s", id, m.UserName, d))
		}
	}
	for _, id := range sortedKeys(server.Users) {
		if _, ok := model.Users[id]; !ok {
			extra = append(extra, fmt.Sprintf("User %s (%s)", id, server.Users[id].UserName))
		}
	}
	for _, id := range sortedKeys(model.Groups) {
		m := model.Groups[id]
		s, ok := server.Groups[id]
		if !ok {
			missing = append(missing, fmt.Sprintf("Group %s (%s)", id, m.DisplayName))
			continue
		}
		if d := gocmp.Diff(m, s, groupCmp); d != "" {
			attrs = append(attrs, fmt.Sprintf("Group %s (%s) (-model +server):\n%s", id, m.DisplayName, d))
		}
		want, got := slices.Sorted(slices.Values(m.Members)), slices.Sorted(slices.Values(s.Members))
		if d := gocmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			members = append(members, fmt.Sprintf("Group %s (%s) members (-model +server):\n%s", id, m.DisplayName, d))
		}
	}
	for _, id := range sortedKeys(server.Groups) {
		if _, ok := model.Groups[id]; !ok {
			extra = append(extra, fmt.Sprintf("Group %s (%s)", id, server.Groups[id].DisplayName))
		}
	}
	if userGroups != nil {
		for _, uid := range sortedKeys(model.Users) {
			got, listed := userGroups[uid]
			if !listed {
				continue
			}
			var want []string
			for _, gid := range sortedKeys(model.Groups) {
				if slices.Contains(model.Groups[gid].Members, uid) {
					want = append(want, gid)
				}
			}
			// Only groups this IdP made are compared: others are not ours to judge.
			got = slices.DeleteFunc(slices.Clone(got), func(g string) bool {
				_, ours := model.Groups[g]
				_, listedGroup := server.Groups[g]
				return !ours && !listedGroup
			})
			slices.Sort(got)
			if d := gocmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				members = append(members, fmt.Sprintf("User %s (%s) groups (-model +server):\n%s", uid, model.Users[uid].UserName, d))
			}
		}
	}
	join := func(head string, parts []string) string {
		if len(parts) == 0 {
			return ""
		}
		return head + "\n" + strings.Join(clipList(parts, 15), "\n")
	}
	r.Missing = join("reconciliation = missing from the server, want listed:", missing)
	r.Extra = join("reconciliation = listed by the server, but deleted or never made by the IdP:", extra)
	r.Attributes = join("reconciliation = attribute drift:", attrs)
	r.Membership = join("reconciliation = membership drift:", members)
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
}

func clipList(list []string, n int) []string {
	if len(list) > n {
		return append(slices.Clone(list[:10]), fmt.Sprintf("... and %d more", len(list)-10))
	}
	return list
}

// SameUser reports whether two users are equal as the model compares them
// (ids, the order of multi-valued attributes and empty-versus-absent aside).
func SameUser(a, b fakeidp.User) bool { return gocmp.Equal(a, b, userCmp) }
