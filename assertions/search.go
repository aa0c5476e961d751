package assertions

var searchChecks = area("search", []Check{
	{ID: "search-is-query", Title: "POST /.search queries and creates nothing", Level: lMust, RFC: "RFC 7644 §3.4.3",
		Spec: []string{"PROTO-SEARCH-001"}, Rule: "a POST to {endpoint}/.search is a query answered 200 with a ListResponse; it creates no resource"},
	{ID: "search-request-schema", Title: ".search is identified by the SearchRequest URN", Level: lMust, RFC: "RFC 7644 §3.4.3",
		Spec: []string{"PROTO-SEARCH-002"}, Rule: "a search body carries urn:ietf:params:scim:api:messages:2.0:SearchRequest; a body with another message URN is refused with 400"},
	{ID: "search-same-as-get", Title: ".search returns what the same GET returns", Level: lMust, RFC: "RFC 7644 §3.4.3",
		Spec: []string{"PROTO-SEARCH-003"}, Rule: "filter, attributes, sortBy, startIndex and count in a search body mean what they mean as GET parameters"},
	{ID: "search-list-format", Title: ".search answers in the ListResponse format", Level: lMust, RFC: "RFC 7644 §3.4.3",
		Spec: []string{"PROTO-SEARCH-004"}, Rule: "the search response has the ListResponse format of §3.4.2"},
	{ID: "search-invalid-filter", Title: "An invalid filter in .search gets 400 invalidFilter", Level: lMust, RFC: "RFC 7644 §3.4.3, Table 9",
		Spec: []string{"PROTO-SEARCH-005"}, Rule: "a malformed filter in a search body is answered 400 with scimType invalidFilter"},
})
