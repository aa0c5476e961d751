package assertions

import (
	"fmt"
	"net/http"

	"github.com/scimloop/scimloop/fakeidp"
)

// The profile areas hold the rules of the certification profiles' documents
// that the RFCs leave open. They are judged only under `certify --profile`
// naming them (scenarios/profile_rules.go skips them otherwise), so a
// server that makes another choice the RFC allows never fails a plain run.

// The documents, in the exact versions whose text was read (docs/requirements.md
// S40, S41); each check's Derived names the section its rule comes from.
const (
	interopDraft = "draft-zollner-scim-interop-profile-01"
	ipsieDraft   = "draft-ipsie-scim-al1-profile of 12 December 2025"
)

// ProfileCount is the page size the interop profile requires a server to
// honour.
const ProfileCount = 100

var interopChecks = area("interop", []Check{
	{ID: "interop-rt-id-is-name", Title: "Each ResourceType's id is its name", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " §5.1 requires a ResourceType's id to equal its name; RFC 7643 §6 leaves id open", RFC: "RFC 7643 §6 (" + interopDraft + " §5.1)",
		Spec: []string{"INTEROP-002"}, Rule: "every entry of /ResourceTypes has an id, and it is the same string as its name"},
	{ID: "interop-unknown-attribute-400", Title: "An unknown attribute is refused with 400 invalidSyntax", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " §5.3 requires an attribute the schemas do not define to be refused; RFC 7644 §3.3 lets a server ignore it", RFC: "RFC 7644 §3.3 (" + interopDraft + " §5.3)",
		Spec: []string{"INTEROP-004"}, Rule: "a create carrying an attribute the server does not declare is answered 400 with scimType invalidSyntax, not ignored"},
	{ID: "interop-count-100", Title: "A count of 100 is honoured", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " §6.4 requires a client's count of at least 100 to be supported; RFC 7644 §3.4.2.4 lets a server cap count lower", RFC: "RFC 7644 §3.4.2.4 (" + interopDraft + " §6.4)",
		Spec: []string{"INTEROP-005"}, Rule: "filter.maxResults, when given, is at least 100, and GET /Users?count=100 holds min(100, totalResults) resources"},
	{ID: "interop-patch-supported", Title: "PATCH is offered", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " §6.5 requires PATCH; RFC 7644 §3.5.2 makes it optional", RFC: "RFC 7644 §3.5.2 (" + interopDraft + " §6.5)",
		Spec: []string{"INTEROP-009"}, Rule: "/ServiceProviderConfig says patch.supported true"},
	{ID: "interop-filter-supported", Title: "Filtering is offered", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " §6.3 requires the filter parameter with eq and and; RFC 7644 §3.4.2.2 makes filtering optional", RFC: "RFC 7644 §3.4.2.2 (" + interopDraft + " §6.3)",
		Spec: []string{"INTEROP-010"}, Rule: "/ServiceProviderConfig says filter.supported true"},
	{ID: "interop-filter-unknown-attribute-400", Title: "A filter on an undefined attribute is refused with 400 invalidFilter", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " §6.3 requires a filter naming an attribute that none of the resource type's schemas defines to be refused with 400 invalidFilter; RFC 7644 §3.4.2.2 does not say", RFC: "RFC 7644 §3.4.2.2 (" + interopDraft + " §6.3)",
		Spec: []string{"INTEROP-011"}, Capability: fakeidp.CapFilter,
		Rule: "GET /Users?filter=<undefined attribute> eq \"x\" is answered 400 with scimType invalidFilter, not with an empty list"},
	{ID: "interop-patch-pathless-400", Title: "A PATCH operation without path is refused with 400 invalidSyntax", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " §6.5.1.1 requires every PATCH operation to carry a path and a server to refuse one without; RFC 7644 §3.5.2 lets path be omitted for add and replace", RFC: "RFC 7644 §3.5.2 (" + interopDraft + " §6.5.1.1)",
		Spec: []string{"INTEROP-006"}, Capability: fakeidp.CapPatch,
		Rule: "a PATCH whose replace operation has no path is answered 400 with scimType invalidSyntax and changes nothing; a remove without path is answered 400 with invalidSyntax (the profile) or noTarget (RFC 7644 §3.5.2.2)"},
	{ID: "interop-conformant-claim", Title: "interopProfileConformant is claimed only by a server that keeps the profile", Level: lMust, Keyword: KeywordDerived,
		Derived: interopDraft + " §4 requires a server that does not conform to omit interopProfileConformant or set it false", RFC: "RFC 7643 §5 (" + interopDraft + " §4)",
		Spec: []string{"INTEROP-001"},
		Rule: "a ServiceProviderConfig that says interopProfileConformant true belongs to a server that passes the profile's own checks; a failure here is recorded as a consequence of the first profile check that failed"},
})

var ipsieChecks = area("ipsie", []Check{
	{ID: "ipsie-429-retry-after", Title: "A rate-limited request gets 429 with Retry-After", Level: lMust, Keyword: KeywordDerived,
		Derived: ipsieDraft + " §3.2.3.2 says a server MUST answer with 429 and Retry-After when its rate limit is exceeded (said in lower case for /Users in §3.2.2.5, and §3.4 makes every endpoint rate-limited); RFC 7644 names no rate limit",
		RFC:     "RFC 7644 §3.12 (" + ipsieDraft + " §3.2.3.2)",
		Spec:    []string{"IPSIE-001"},
		Rule:    "every 429 answer the run receives carries a Retry-After header (judged on the answers the run meets; scimloop does not provoke a limit)"},
	{ID: "ipsie-resourcetypes-user-group", Title: "/ResourceTypes offers User and Group", Level: lMust, Keyword: KeywordDerived,
		Derived: ipsieDraft + " §3.3.1 requires the ResourceTypes to include Users and Groups; RFC 7643 §6 lets a server offer either", RFC: "RFC 7643 §6 (" + ipsieDraft + " §3.3.1)",
		Spec: []string{"IPSIE-010"}, Rule: "/ResourceTypes lists a resource type named User and one named Group"},
	{ID: "ipsie-patch-supported", Title: "PATCH is offered", Level: lMust, Keyword: KeywordDerived,
		Derived: ipsieDraft + " §3.2.2 and §3.2.3 require user updates, deactivation and group membership changes by PATCH; RFC 7644 §3.5.2 makes PATCH optional", RFC: "RFC 7644 §3.5.2 (" + ipsieDraft + " §3.2.2)",
		Spec: []string{"IPSIE-011"}, Rule: "/ServiceProviderConfig says patch.supported true"},
})

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

// ResourceTypesInclude judges that a /ResourceTypes answer names each of
// names.
func ResourceTypesInclude(ex *fakeidp.Exchange, names ...string) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	have := map[string]bool{}
	for _, rt := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		have[fakeidp.Lookup(rt, "name").String()] = true
	}
	for _, n := range names {
		if !have[n] {
			return fmt.Errorf("%s = no resource type named %s, want %v", op(ex), n, names)
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

// FeatureOffered judges that a /ServiceProviderConfig answer says
// <feature>.supported true.
func FeatureOffered(spc *fakeidp.Exchange, feature string) error {
	if err := Status(spc, 200); err != nil {
		return err
	}
	if v := fakeidp.Get(spc.RespBody, feature, "supported"); !v.Bool() {
		return fmt.Errorf("%s = %s.supported %s, want true", op(spc), feature, raw(v))
	}
	return nil
}

// RetryAfterOn429 judges the answers of a run: each 429 carries a
// Retry-After header. It returns the first that does not, with the error.
func RetryAfterOn429(exs []*fakeidp.Exchange) (*fakeidp.Exchange, error) {
	for _, ex := range exs {
		if ex != nil && ex.Status == http.StatusTooManyRequests && ex.Header("Retry-After") == "" {
			return ex, fmt.Errorf("%s = 429 without a Retry-After header, want one saying when to retry", op(ex))
		}
	}
	return nil, nil
}
