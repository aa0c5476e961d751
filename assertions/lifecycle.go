package assertions

import (
	"fmt"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

var lifecycleChecks = area("lifecycle", []Check{
	{ID: "username-unique", Title: "A duplicate userName is refused with 409 uniqueness", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §3.3",
		Spec: []string{"PROTO-STATUS-010"}, Rule: "a create that duplicates an existing userName returns 409 Conflict with scimType uniqueness"},
	{ID: "username-unique-case-insensitive", Title: "userName uniqueness ignores case", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7643 §4.1.1",
		Spec: []string{"PROTO-CREATE-008"}, Rule: "userName is case-insensitive and unique: a userName differing only in case is a conflict"},
	{ID: "username-precis", Title: "userName compares after PRECIS preparation", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §5 (RFC 7613)",
		Spec: []string{"PROTO-FILTER-029", "SCHEMA-USER-004"}, Rule: "userName is prepared with PRECIS before it is compared: its NFD and full-width forms are the same userName, a conflict on create and a match in a filter (the RFC says MUST; judged as a warning, as the requirements catalogue asks for this advanced rule)"},
	{ID: "replace-200", Title: "A successful PUT answers 200 with the resource", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.1 defines a successful PUT as answered 200 with the resource", RFC: "RFC 7644 §3.5.1",
		Spec: []string{"PROTO-STATUS-005"}, Rule: "a successful PUT returns 200 OK with the entire updated resource"},
	{ID: "update-read-back", Title: "An update is visible on the next GET", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.1, §3.1",
		Spec: []string{"PROTO-PUT-001"}, Rule: "after a successful update, the resource read back carries the new values"},
	{ID: "delete-204", Title: "A successful DELETE answers 204", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.6",
		Spec: []string{"PROTO-DELETE-001", "PROTO-STATUS-008"}, Rule: "a successful DELETE returns 204 No Content"},
	{ID: "delete-then-404", Title: "A deleted resource answers 404", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §3.6",
		Spec: []string{"PROTO-DELETE-002", "PROTO-STATUS-009"}, Rule: "after a DELETE, every operation on the resource returns 404"},
	{ID: "delete-not-listed", Title: "A deleted resource leaves query results", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §3.6",
		Spec: []string{"PROTO-DELETE-003"}, Capability: fakeidp.CapFilter, Rule: "a deleted resource is left out of every later query result"},
	{ID: "get-unknown-404", Title: "GET of an unknown id answers 404", Level: reports.LevelShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8",
		Spec: []string{"PROTO-STATUS-003"}, Rule: "a request for a resource that does not exist is answered 404 Not Found with a SCIM error"},
})

// Conflict judges a uniqueness conflict: 409 with scimType uniqueness.
func Conflict(ex *fakeidp.Exchange) error {
	if err := Status(ex, 409); err != nil {
		return err
	}
	return ScimType(ex, "uniqueness")
}

// AttrEquals judges that attribute path of a resource body has want (strings
// compared exactly; booleans as "true"/"false").
func AttrEquals(ex *fakeidp.Exchange, path, want string) error {
	got := fakeidp.Attr(ex.RespBody, path)
	if got.String() != want {
		return fmt.Errorf("%s = %s %s, want %q", op(ex), path, raw(got), want)
	}
	return nil
}

// NotListed judges that a ListResponse does not contain id.
func NotListed(ex *fakeidp.Exchange, id string) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		if fakeidp.Lookup(r, "id").String() == id {
			return fmt.Errorf("%s = Resources include the deleted id %q, want it gone", op(ex), id)
		}
	}
	return nil
}

// ListedIDs returns the ids in a ListResponse.
func ListedIDs(ex *fakeidp.Exchange) []string {
	var ids []string
	for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		ids = append(ids, fakeidp.Lookup(r, "id").String())
	}
	return ids
}
