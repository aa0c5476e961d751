package assertions

import (
	"fmt"

	"github.com/scimloop/scimloop/fakeidp"
)

var searchChecks = area("search", []Check{
	{ID: "search-is-query", Title: "POST /.search queries and creates nothing", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.3",
		Spec: []string{"PROTO-SEARCH-001"}, Rule: "a POST to {endpoint}/.search is a query answered 200 with a ListResponse; it creates no resource"},
	{ID: "search-request-schema", Title: ".search is identified by the SearchRequest URN", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8; §3.4.3",
		Spec: []string{"PROTO-SEARCH-002"}, Rule: "a search body carries urn:ietf:params:scim:api:messages:2.0:SearchRequest; a body with another message URN is refused with 400"},
	{ID: "search-same-as-get", Title: ".search returns what the same GET returns", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.3 lets the body carry the §3.4.2 parameters, which keep their meaning", RFC: "RFC 7644 §3.4.3",
		Spec: []string{"PROTO-SEARCH-003"}, Rule: "filter, attributes, sortBy, startIndex and count in a search body mean what they mean as GET parameters"},
	{ID: "search-list-format", Title: ".search answers in the ListResponse format", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.3 answers a search with the §3.4.2 ListResponse", RFC: "RFC 7644 §3.4.3",
		Spec: []string{"PROTO-SEARCH-004"}, Rule: "the search response has the ListResponse format of §3.4.2"},
	{ID: "search-invalid-filter", Title: "An invalid filter in .search gets 400 invalidFilter", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Tables 8 and 9; §3.4.3",
		Spec: []string{"PROTO-SEARCH-005"}, Rule: "a malformed filter in a search body is answered 400 with scimType invalidFilter"},
})

// SearchAnswered judges the answer to POST {endpoint}/.search as a query:
// 200, and no resource of its own (a created resource would carry meta). A
// Location header is no evidence of a create: RFC 7644 Figure 5 shows a
// search answer that sends one.
func SearchAnswered(ex *fakeidp.Exchange) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	if m := fakeidp.Get(ex.RespBody, "meta"); m.Exists() {
		return fmt.Errorf("%s = 200 with a resource's meta %s, want a query answer that creates nothing", op(ex), raw(m))
	}
	return nil
}
