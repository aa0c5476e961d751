package assertions

import (
	"fmt"
	"math"
	"regexp"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// Cursor-based pagination (RFC 9865). Every check but the two about the
// advertisement itself needs pagination.cursor, and a server that does not
// advertise it has them skipped: cursors are optional.
var cursorChecks = area("cursor", []Check{
	{ID: "cursor-spc-shape", Title: "ServiceProviderConfig pagination is well formed", Level: lMust, Keyword: "REQUIRED", RFC: "RFC 9865 §4",
		Spec: []string{"PROTO-CURSOR-018", "PROTO-CURSOR-019"}, Rule: "pagination.cursor and pagination.index are booleans; defaultPaginationMethod is \"cursor\" or \"index\"; defaultPageSize, maxPageSize and cursorTimeout are positive integers"},
	{ID: "cursor-advertised", Title: "A server with cursors advertises them", Level: lShould, Keyword: "SHOULD", RFC: "RFC 9865 §4",
		Spec: []string{"PROTO-CURSOR-017"}, Rule: "a server that pages by cursor includes pagination (cursor: true) in /ServiceProviderConfig"},
	{ID: "cursor-advertised-honoured", Title: "Advertised cursors are served", Level: lMust, Keyword: KeywordDerived, Derived: "RFC 9865 §4 defines pagination.cursor as the server's support of cursor pagination: a server that claims it must serve it", RFC: "RFC 9865 §4",
		Spec: []string{"PROTO-CURSOR-022"}, Capability: fakeidp.CapCursor, Rule: "with pagination.cursor true, a query with an empty cursor and count=1 over several results answers 200 with a nextCursor"},
	{ID: "cursor-url-safe", Title: "Cursors are URL-safe strings", Level: lMust, Keyword: KeywordDerived, Derived: "RFC 9865 §2 defines cursor values as strings of RFC 3986 unreserved characters", RFC: "RFC 9865 §2",
		Spec: []string{"PROTO-CURSOR-002"}, Capability: fakeidp.CapCursor, Rule: "nextCursor and previousCursor are non-empty strings of the unreserved characters A-Z a-z 0-9 - . _ ~"},
	{ID: "cursor-count-bound", Title: "A cursor page holds at most count resources", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 9865 §2",
		Spec: []string{"PROTO-CURSOR-005"}, Capability: fakeidp.CapCursor, Rule: "the server must not return more results than count on a cursor page; it may return fewer"},
	{ID: "cursor-walk-complete", Title: "A cursor walk returns every result once", Level: lMust, Keyword: KeywordDerived, Derived: "RFC 9865 §2: nextCursor obtains the next page and may be omitted only when no pages remain, so a walk over results that do not change yields each of them once", RFC: "RFC 9865 §2",
		Spec: []string{"PROTO-CURSOR-006", "PROTO-CURSOR-010"}, Capability: fakeidp.CapCursor, Rule: "following nextCursor from the first page until it is omitted returns each of the run's own resources exactly once, while none of them changes"},
	{ID: "cursor-walk-ends", Title: "nextCursor is omitted once the results are exhausted", Level: lMust, Keyword: "MUST", RFC: "RFC 9865 §2",
		Spec: []string{"PROTO-CURSOR-007"}, Capability: fakeidp.CapCursor, Rule: "omitting nextCursor signals that no pages remain: once every result has been delivered, a walk ends (one empty page with a nextCursor is tolerated, an endless or repeating one is not)"},
	{ID: "cursor-no-previous-on-first", Title: "The first page has no previousCursor", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 9865 §2",
		Spec: []string{"PROTO-CURSOR-008"}, Capability: fakeidp.CapCursor, Rule: "previousCursor must not be returned with the first page"},
	{ID: "cursor-invalid-rejected", Title: "An invalid cursor is refused", Level: lShould, Keyword: "SHOULD", RFC: "RFC 9865 §2.1",
		Spec: []string{"PROTO-CURSOR-013"}, Capability: fakeidp.CapCursor, Rule: "a cursor value the server never issued gets an error status (4xx) with a SCIM error body, not a page"},
	{ID: "cursor-invalid-scimtype", Title: "An invalid cursor gets 400 invalidCursor", Level: lShould, Keyword: "SHOULD", RFC: "RFC 9865 §2.1",
		Spec: []string{"PROTO-CURSOR-014"}, Capability: fakeidp.CapCursor, Rule: "an invalid cursor is answered 400 with scimType invalidCursor"},
	{ID: "cursor-expired", Title: "An expired cursor gets 400 expiredCursor", Level: lShould, Keyword: "SHOULD", RFC: "RFC 9865 §2.1; §4",
		Spec: []string{"PROTO-CURSOR-015"}, Capability: fakeidp.CapCursor, Rule: "a cursor used after cursorTimeout is either still served (the timeout is a minimum) or refused with 400 expiredCursor (invalidCursor is tolerated: §4 says a late client may get an invalid cursor error)"},
	{ID: "cursor-invalid-count", Title: "A changed count gets 400 invalidCount when refused", Level: lShould, Keyword: "SHOULD", RFC: "RFC 9865 §2.1",
		Spec: []string{"PROTO-CURSOR-016"}, Capability: fakeidp.CapCursor, Rule: "a count that differs from the walk's first request is either served or refused with 400 invalidCount"},
	{ID: "cursor-count-zero", Title: "count=0 on a cursor request returns no resources", Level: lMust, Keyword: KeywordDerived, Derived: "RFC 9865 §2 Table 1 defines count=0 as returning no resources, only totalResults", RFC: "RFC 9865 §2",
		Spec: []string{"PROTO-CURSOR-004"}, Capability: fakeidp.CapCursor, Rule: "a cursor request with count=0 answers 200 with no resources"},
	{ID: "cursor-negative-count", Title: "A negative count on a cursor request means 0", Level: lMust, Keyword: "SHALL", RFC: "RFC 9865 §2",
		Spec: []string{"PROTO-CURSOR-003"}, Capability: fakeidp.CapCursor, Rule: "a negative count is interpreted as 0: 200 with no resources (400 invalidCount is tolerated, as §2.1 asks counts of 0 to maxPageSize)"},
	{ID: "cursor-max-page-size", Title: "maxPageSize caps every cursor page", Level: lMust, Keyword: KeywordDerived, Derived: "RFC 9865 §4 defines pagination.maxPageSize as the most results a page returns whatever count asks: a server must keep to the number it advertises", RFC: "RFC 9865 §4",
		Spec: []string{"PROTO-CURSOR-020"}, Capability: fakeidp.CapCursor, Rule: "a cursor request whose count exceeds the advertised maxPageSize, over more results than that, answers at most maxPageSize resources (or 400 invalidCount, which §2.1 allows for a count above maxPageSize)"},
	{ID: "cursor-timeout-honoured", Title: "A cursor stays valid for cursorTimeout", Level: lMust, Keyword: KeywordDerived, Derived: "RFC 9865 §4 defines pagination.cursorTimeout as the minimum number of seconds a cursor stays valid between page requests", RFC: "RFC 9865 §4",
		Spec: []string{"PROTO-CURSOR-021"}, Capability: fakeidp.CapCursor, Rule: "a nextCursor followed half the advertised cursorTimeout after its page is still served (judged only when the request surely reached the server within cursorTimeout)"},
	{ID: "cursor-search", Title: "POST /.search pages by cursor", Level: lMust, Keyword: KeywordDerived, Derived: "RFC 9865 §3 defines cursor and count as SearchRequest members that page a .search as they page a GET", RFC: "RFC 9865 §3",
		Spec: []string{"PROTO-CURSOR-025"}, Capability: fakeidp.CapCursor, Rule: "a SearchRequest with an empty cursor and a small count answers with a nextCursor, which the next SearchRequest follows to the next page"},
})

// unreserved is RFC 3986 §2.3's unreserved set, what a cursor is made of.
var unreserved = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// Cursor returns a page's nextCursor or previousCursor (key), and whether
// it carries one: a JSON null counts as none.
func Cursor(ex *fakeidp.Exchange, key string) (string, bool) {
	v := fakeidp.Get(ex.RespBody, key)
	if !v.Exists() || v.Type == gjson.Null {
		return "", false
	}
	return v.String(), true
}

// CursorURLSafe judges the cursors a page carries: strings of unreserved
// characters.
func CursorURLSafe(ex *fakeidp.Exchange) error {
	for _, key := range []string{"nextCursor", "previousCursor"} {
		v := fakeidp.Get(ex.RespBody, key)
		if !v.Exists() || v.Type == gjson.Null {
			continue
		}
		if v.Type != gjson.String || !unreserved.MatchString(v.String()) {
			return fmt.Errorf("%s = %s %s, want a non-empty string of the characters A-Z a-z 0-9 - . _ ~", op(ex), key, raw(v))
		}
	}
	return nil
}

// SPCPagination judges the pagination attribute of a ServiceProviderConfig
// answer (RFC 9865 §4); nil when there is none.
func SPCPagination(ex *fakeidp.Exchange) error {
	p := fakeidp.Get(ex.RespBody, "pagination")
	if !p.Exists() {
		return nil
	}
	if !p.IsObject() {
		return fmt.Errorf("%s: pagination = %s, want an object", op(ex), raw(p))
	}
	for _, k := range []string{"cursor", "index"} {
		if v := fakeidp.Lookup(p, k); !v.IsBool() {
			return fmt.Errorf("%s: pagination.%s = %s, want true or false (REQUIRED)", op(ex), k, raw(v))
		}
	}
	if v := fakeidp.Lookup(p, "defaultPaginationMethod"); v.Exists() && (v.Type != gjson.String || v.String() != "cursor" && v.String() != "index") {
		return fmt.Errorf("%s: pagination.defaultPaginationMethod = %s, want \"cursor\" or \"index\"", op(ex), raw(v))
	}
	for _, k := range []string{"defaultPageSize", "maxPageSize", "cursorTimeout"} {
		v := fakeidp.Lookup(p, k)
		if v.Exists() && (v.Type != gjson.Number || v.Num <= 0 || v.Num != math.Trunc(v.Num)) {
			return fmt.Errorf("%s: pagination.%s = %s, want a positive integer", op(ex), k, raw(v))
		}
	}
	return nil
}
