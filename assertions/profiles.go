package assertions

import (
	"fmt"

	"github.com/scimloop/scimloop/fakeidp"
)

// The profile areas hold the rules of the certification profiles' documents
// that the RFCs leave open. They are judged only under `certify --profile`
// naming them (scenarios/profile_rules.go skips them otherwise), so a
// server that makes another choice the RFC allows never fails a plain run.

const (
	interopDraft = "draft-zollner-scim-interop-profile-02"
	ipsieDraft   = "IPSIE AL SCIM 2.0 Profile Draft 00"
)

// ProfileCount is the page size the interop profile requires a server to
// honour.
const ProfileCount = 100

var interopChecks = area("interop", []Check{
	{ID: "interop-rt-id-is-name", Title: "Each ResourceType's id is its name", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " requires a ResourceType's id to equal its name; RFC 7643 §6 leaves id open", RFC: "RFC 7643 §6 (" + interopDraft + ")",
		Spec: []string{"INTEROP-002"}, Rule: "every entry of /ResourceTypes has an id, and it is the same string as its name"},
	{ID: "interop-unknown-attribute-400", Title: "An unknown attribute is refused with 400 invalidSyntax", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " requires an unknown attribute to be refused; RFC 7644 §3.3 lets a server ignore it", RFC: "RFC 7644 §3.3 (" + interopDraft + ")",
		Spec: []string{"INTEROP-004"}, Rule: "a create carrying an attribute the server does not declare is answered 400 with scimType invalidSyntax, not ignored"},
	{ID: "interop-count-100", Title: "A count of 100 is honoured", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " requires pages of up to at least 100 resources; RFC 7644 §3.4.2.4 lets a server cap count lower", RFC: "RFC 7644 §3.4.2.4 (" + interopDraft + ")",
		Spec: []string{"INTEROP-005"}, Rule: "filter.maxResults, when given, is at least 100, and GET /Users?count=100 holds min(100, totalResults) resources"},
})

var ipsieChecks = area("ipsie", []Check{
	{ID: "ipsie-bulk-offered", Title: "/Bulk is offered", Level: lMust, Keyword: KeywordDerived,
		Derived: "the " + ipsieDraft + " requires /Bulk; RFC 7644 §3.7 makes it optional", RFC: "RFC 7644 §3.7 (" + ipsieDraft + ")",
		Spec: []string{"IPSIE-003"}, Rule: "/ServiceProviderConfig says bulk.supported true"},
	{ID: "ipsie-group-patch-50-members", Title: "One group PATCH carries 50 member operations", Level: lMust, Keyword: KeywordDerived,
		Derived: "the " + ipsieDraft + " requires at least 50 member operations in one group PATCH; RFC 7644 §3.5.2 sets no number", RFC: "RFC 7644 §3.5.2 (" + ipsieDraft + ")",
		Spec: []string{"IPSIE-004"}, Capability: fakeidp.CapPatch,
		Rule: "a PATCH of a group with 50 add operations, one member each, succeeds and the group then has those 50 members"},
})

// ProfileMemberOps is how many member operations the IPSIE profile wants one
// group PATCH to carry.
const ProfileMemberOps = 50

// ResourceTypeIDIsName judges that every ResourceType of a /ResourceTypes
// answer has an id equal to its name.
func ResourceTypeIDIsName(ex *fakeidp.Exchange) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	for _, rt := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		name, id := fakeidp.Lookup(rt, "name").String(), fakeidp.Lookup(rt, "id")
		if id.String() != name {
			return fmt.Errorf("%s = ResourceType %q with id %s, want id %q", op(ex), name, raw(id), name)
		}
	}
	return nil
}

// CountHonoured judges a GET with count=ProfileCount against the maxResults
// the server advertises: maxResults of at least ProfileCount, and a page of
// min(ProfileCount, totalResults) resources.
func CountHonoured(spc, list *fakeidp.Exchange) error {
	if max := fakeidp.Get(spc.RespBody, "filter", "maxResults"); max.Exists() && max.Int() < ProfileCount {
		return fmt.Errorf("%s = filter.maxResults %s, want at least %d", op(spc), max.Raw, ProfileCount)
	}
	if err := Status(list, 200); err != nil {
		return err
	}
	total := fakeidp.Get(list.RespBody, "totalResults").Int()
	got := len(fakeidp.Get(list.RespBody, "Resources").Array())
	if want := min(total, ProfileCount); int64(got) < want {
		return fmt.Errorf("%s = %d resources of %d, want %d (count=%d)", op(list), got, total, want, ProfileCount)
	}
	return nil
}

// BulkOffered judges that a /ServiceProviderConfig answer offers bulk.
func BulkOffered(spc *fakeidp.Exchange) error {
	if err := Status(spc, 200); err != nil {
		return err
	}
	if v := fakeidp.Get(spc.RespBody, "bulk", "supported"); !v.Bool() {
		return fmt.Errorf("%s = bulk.supported %s, want true", op(spc), raw(v))
	}
	return nil
}
