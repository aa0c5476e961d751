package assertions

import (
	"fmt"
	"net/url"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

var pageChecks = area("page", []Check{
	{ID: "list-schema", Title: "Query answers carry the ListResponse schema", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.4.2",
		Spec: []string{"PROTO-LIST-001"}, Rule: "query responses carry schemas [\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]"},
	{ID: "list-total-integer", Title: "totalResults is a non-negative JSON integer", Level: lMust, Keyword: "REQUIRED", RFC: "RFC 7644 §3.4.2; RFC 7643 §2.3.4",
		Spec: []string{"PROTO-LIST-002", "SCHEMA-ATTR-004"}, Rule: "totalResults is REQUIRED and an integer (no fraction, exponent or quotes), startIndex and itemsPerPage too"},
	{ID: "list-resources-present", Title: "Resources is present when totalResults is not 0", Level: lMust, Keyword: "REQUIRED", RFC: "RFC 7644 §3.4.2",
		Spec: []string{"PROTO-LIST-003"}, Rule: "Resources is REQUIRED when totalResults is non-zero"},
	{ID: "list-paging-fields", Title: "A partial page carries startIndex and itemsPerPage", Level: lMust, Keyword: "REQUIRED", RFC: "RFC 7644 §3.4.2, Table 7",
		Spec: []string{"PROTO-LIST-004"}, Rule: "startIndex and itemsPerPage are REQUIRED, as integers, when the results are paged (an RFC 9865 cursor page, which carries nextCursor or answers a cursor request, needs only itemsPerPage)"},
	{ID: "list-resources-have-id", Title: "Every listed resource has its id", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.4.2; RFC 7643 §3.1",
		Spec: []string{"PROTO-LIST-005"}, Rule: "each listed resource includes its non-empty id"},
	{ID: "page-start-index-default", Title: "startIndex defaults to 1", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.4 Table 6 defines startIndex's default as 1", RFC: "RFC 7644 §3.4.2.4, Table 6",
		Spec: []string{"PROTO-PAGE-001"}, Capability: fakeidp.CapIndex, Rule: "startIndex is 1-based and defaults to 1"},
	{ID: "page-start-index-below-1", Title: "A startIndex below 1 is treated as 1", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.4, Table 6",
		Spec: []string{"PROTO-PAGE-002"}, Capability: fakeidp.CapIndex, Rule: "a startIndex below 1 is interpreted as 1"},
	{ID: "page-negative-count", Title: "A negative count is treated as 0", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.4, Table 6",
		Spec: []string{"PROTO-PAGE-003"}, Rule: "a negative count is interpreted as 0"},
	{ID: "page-count-zero", Title: "count=0 returns only totalResults", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.4 Table 6 defines count=0 as returning no resources but totalResults", RFC: "RFC 7644 §3.4.2.4, Table 6",
		Spec: []string{"PROTO-PAGE-004"}, Rule: "count=0 returns no resources, only the total"},
	{ID: "page-count-respected", Title: "Never more resources than count", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7644 §3.4.2.4, Table 6",
		Spec: []string{"PROTO-PAGE-005"}, Rule: "the provider must not return more results than count"},
	{ID: "page-max-results", Title: "An unpaged query stays within filter.maxResults", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §5 defines filter.maxResults as the most a response returns: the server must keep to its own number", RFC: "RFC 7644 §3.4.2.4; RFC 7643 §5",
		Spec: []string{"PROTO-PAGE-006", "DISC-SPC-006"}, Rule: "without count the provider returns at most filter.maxResults resources"},
	{ID: "page-start-index-echo", Title: "The response startIndex is the requested one", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.4 Table 7 defines startIndex in the response as the 1-based index of the first result", RFC: "RFC 7644 §3.4.2.4, Table 7",
		Spec: []string{"PROTO-PAGE-007"}, Capability: fakeidp.CapIndex, Rule: "startIndex in the response is the 1-based index of the first result returned"},
	{ID: "page-items-per-page", Title: "itemsPerPage is the page's length", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.4 Table 7 defines itemsPerPage as the number of resources in this page", RFC: "RFC 7644 §3.4.2.4, Table 7",
		Spec: []string{"PROTO-PAGE-008"}, Rule: "itemsPerPage is the number of resources returned in this page"},
	{ID: "page-total-stable", Title: "totalResults is the same on every page", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.4 Table 7 defines totalResults as the total matching, independent of the page asked", RFC: "RFC 7644 §3.4.2.4, Table 7",
		Spec: []string{"PROTO-PAGE-009"}, Rule: "totalResults is the number of matches regardless of paging"},
	{ID: "page-walk-complete", Title: "Walking the pages returns each resource once, in a stable order", Level: lIDP, Keyword: "IDP", RFC: "RFC 7644 §3.4.2.4; Okta import",
		Spec: []string{"PROTO-PAGE-010", "IDP-OKTA-014"}, Capability: fakeidp.CapIndex, Rule: "startIndex += count walks every match exactly once, with no gaps or duplicates, and the same query orders the same way"},
	{ID: "page-beyond-end", Title: "A startIndex past the end returns no resources", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.4 defines paging by startIndex: past the end there are no results, not an error", RFC: "RFC 7644 §3.4.2.4",
		Spec: []string{"PROTO-PAGE-011"}, Capability: fakeidp.CapIndex, Rule: "a startIndex beyond totalResults answers 200 with no resources"},
	{ID: "page-count-capped", Title: "A huge count is capped, not refused", Level: lShould, Keyword: "DERIVED", Derived: "RFC 7644 Table 6 lets a server return fewer than count (MAY); refusing a large count outright is not addressed, so capping is expected at SHOULD", RFC: "RFC 7644 §3.4.2.4, Table 6",
		Spec: []string{"PROTO-PAGE-012"}, Rule: "a count above the server's limit is answered with at most the limit, not an error"},
	{ID: "sort-by", Title: "sortBy orders the results", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.3",
		Spec: []string{"PROTO-SORT-001"}, Capability: fakeidp.CapSort, Rule: "sortBy orders the results by the named attribute"},
	{ID: "sort-order", Title: "sortOrder defaults to ascending and can descend", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.3",
		Spec: []string{"PROTO-SORT-002"}, Capability: fakeidp.CapSort, Rule: "sortOrder is ascending by default; descending reverses the order"},
	{ID: "sort-case-insensitive", Title: "caseExact=false strings sort ignoring case", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.4.2.3",
		Spec: []string{"PROTO-SORT-003"}, Capability: fakeidp.CapSort, Rule: "attributes with caseExact=false sort case-insensitively"},
	{ID: "sort-missing-last", Title: "Resources without the value sort last ascending", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.3 defines where resources without the sort attribute go", RFC: "RFC 7644 §3.4.2.3",
		Spec: []string{"PROTO-SORT-004"}, Capability: fakeidp.CapSort, Rule: "resources with no value for sortBy come last in ascending order and first in descending order"},
	{ID: "sort-sub-attribute", Title: "sortBy can name a sub-attribute", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.3 defines sortBy in attribute notation, sub-attributes included", RFC: "RFC 7644 §3.4.2.3",
		Spec: []string{"PROTO-SORT-006"}, Capability: fakeidp.CapSort, Rule: "sortBy may name a sub-attribute of a complex attribute: name.familyName"},
})

// EmptyList judges the answer to a query that matches nothing.
func EmptyList(ex *fakeidp.Exchange) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	if err := ListResponse(ex); err != nil {
		return err
	}
	if n := fakeidp.Get(ex.RespBody, "totalResults"); n.Int() != 0 {
		return fmt.Errorf("%s = totalResults %s, want 0", op(ex), n.Raw)
	}
	return nil
}

func isInt(v gjson.Result) bool {
	return v.Type == gjson.Number && float64(int64(v.Num)) == v.Num && !containsAny(v.Raw, ".eE")
}

func containsAny(s, chars string) bool {
	for _, c := range s {
		for _, d := range chars {
			if c == d {
				return true
			}
		}
	}
	return false
}

// ListTotalInteger judges that totalResults (and startIndex, itemsPerPage when present) are integers.
func ListTotalInteger(ex *fakeidp.Exchange) error {
	t := fakeidp.Get(ex.RespBody, "totalResults")
	if !isInt(t) || t.Num < 0 {
		return fmt.Errorf("%s = totalResults %s, want a non-negative JSON integer", op(ex), raw(t))
	}
	for _, k := range []string{"startIndex", "itemsPerPage"} {
		if v := fakeidp.Get(ex.RespBody, k); v.Exists() && !isInt(v) {
			return fmt.Errorf("%s = %s %s, want a JSON integer", op(ex), k, raw(v))
		}
	}
	return nil
}

// ListResourcesPresent judges that Resources is an array when totalResults > 0
// (it may be empty on a page asked to be empty, such as count=0).
func ListResourcesPresent(ex *fakeidp.Exchange) error {
	t := fakeidp.Get(ex.RespBody, "totalResults").Int()
	r := fakeidp.Get(ex.RespBody, "Resources")
	if t > 0 && !r.IsArray() {
		return fmt.Errorf("%s = totalResults %d with Resources %s, want a Resources array", op(ex), t, raw(r))
	}
	return nil
}

// ListPagingFields judges that a partial page carries integer startIndex and
// itemsPerPage. index is false for a server without index paging (RFC 9865
// §4: pagination.index false). A page of such a server, or a cursor page
// (RFC 9865 §2: it answers a cursor request or carries a cursor), has no
// index: it needs itemsPerPage only, as the RFC's own cursor pages show.
func ListPagingFields(ex *fakeidp.Exchange, index bool) error {
	t := fakeidp.Get(ex.RespBody, "totalResults").Int()
	n := len(fakeidp.Get(ex.RespBody, "Resources").Array())
	if int64(n) >= t {
		return nil
	}
	fields := []string{"startIndex", "itemsPerPage"}
	if !index || cursorPage(ex) {
		fields = fields[1:]
	}
	for _, k := range fields {
		if v := fakeidp.Get(ex.RespBody, k); !isInt(v) {
			return fmt.Errorf("%s = %d of %d results with %s %s, want an integer %s on a partial page", op(ex), n, t, k, raw(v), k)
		}
	}
	return nil
}

// cursorPage reports whether ex is a page of an RFC 9865 cursor walk: its
// request sent cursor, or its answer carries nextCursor or previousCursor.
func cursorPage(ex *fakeidp.Exchange) bool {
	if u, err := url.Parse(ex.URL); err == nil && u.Query().Has("cursor") {
		return true
	}
	return fakeidp.Get(ex.RespBody, "nextCursor").Exists() || fakeidp.Get(ex.RespBody, "previousCursor").Exists()
}

// ListIDs judges that every listed resource has a non-empty id.
func ListIDs(ex *fakeidp.Exchange) error {
	for i, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		if fakeidp.Lookup(r, "id").String() == "" {
			return fmt.Errorf("%s = Resources[%d] without id, want every resource's id", op(ex), i)
		}
	}
	return nil
}

// PageLen returns the number of resources in a ListResponse.
func PageLen(ex *fakeidp.Exchange) int { return len(fakeidp.Get(ex.RespBody, "Resources").Array()) }

// IntField returns an integer field of a ListResponse (-1 when absent).
func IntField(ex *fakeidp.Exchange, k string) int64 {
	v := fakeidp.Get(ex.RespBody, k)
	if !v.Exists() {
		return -1
	}
	return v.Int()
}
