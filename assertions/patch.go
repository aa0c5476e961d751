package assertions

import (
	"fmt"

	"github.com/scimloop/scimloop/fakeidp"
)

var patchChecks = area("patch", []Check{
	{ID: "patch-accepts-patchop", Title: "A PatchOp request succeeds with 200 or 204", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.5.2",
		Spec: []string{"PROTO-PATCH-001", "PROTO-PATCH-036", "PROTO-STATUS-007"}, Capability: fakeidp.CapPatch, Rule: "a PATCH carrying the PatchOp schema is applied and answered 200 with the resource or 204"},
	{ID: "patch-add-pathless", Title: "add without path adds the attributes in value", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.1 defines add without path as merging the value object into the resource", RFC: "RFC 7644 §3.5.2.1",
		Spec: []string{"PROTO-PATCH-008"}, Capability: fakeidp.CapPatch, Rule: "an add without a path takes value as an object of attributes to add"},
	{ID: "patch-add-multi-appends", Title: "add to a multi-valued attribute appends", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.1 defines add on a multi-valued attribute as adding the values", RFC: "RFC 7644 §3.5.2.1",
		Spec: []string{"PROTO-PATCH-009"}, Capability: fakeidp.CapPatch, Rule: "add to a multi-valued attribute merges the new values with the existing ones"},
	{ID: "patch-add-single-replaces", Title: "add to a set single-valued attribute replaces it", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.1 defines add on a single-valued attribute as replacing it", RFC: "RFC 7644 §3.5.2.1",
		Spec: []string{"PROTO-PATCH-010"}, Capability: fakeidp.CapPatch, Rule: "add to an existing single-valued attribute replaces its value"},
	{ID: "patch-add-complex-merges", Title: "add to a complex attribute merges sub-attributes", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.1",
		Spec: []string{"PROTO-PATCH-011"}, Capability: fakeidp.CapPatch, Rule: "add to a complex attribute sets the given sub-attributes and keeps the others"},
	{ID: "patch-add-idempotent", Title: "Re-adding an existing value changes nothing", Level: lMust, Keyword: "SHALL NOT", RFC: "RFC 7644 §3.5.2.1",
		Spec: []string{"PROTO-PATCH-012", "SCHEMA-META-007", "PROTO-ETAG-006"}, Capability: fakeidp.CapPatch, Rule: "adding a value already present succeeds without a duplicate and without changing meta.lastModified or the version"},
	{ID: "patch-add-absent", Title: "add to an absent attribute creates it", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.1 defines add on an absent attribute as adding it", RFC: "RFC 7644 §3.5.2.1",
		Spec: []string{"PROTO-PATCH-013"}, Capability: fakeidp.CapPatch, Rule: "add to an attribute with no value sets it"},
	{ID: "patch-remove-single", Title: "remove of a single-valued attribute unassigns it", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.2",
		Spec: []string{"PROTO-PATCH-014"}, Capability: fakeidp.CapPatch, Rule: "remove of a single-valued attribute leaves it unassigned"},
	{ID: "patch-remove-all-values", Title: "remove of a multi-valued attribute removes every value", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.2",
		Spec: []string{"PROTO-PATCH-015"}, Capability: fakeidp.CapPatch, Rule: "remove with path members and no filter removes all members"},
	{ID: "patch-remove-filtered", Title: "remove with a value filter removes only the match", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.2",
		Spec: []string{"PROTO-PATCH-016"}, Capability: fakeidp.CapPatch, Rule: "remove members[value eq \"u1\"] removes u1 and no other member"},
	{ID: "patch-remove-complex-filter", Title: "remove with a sub-attribute filter removes the matching records", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.2",
		Spec: []string{"PROTO-PATCH-017"}, Capability: fakeidp.CapPatch, Rule: "remove emails[type eq \"home\"] removes the records the filter matches and keeps the others"},
	{ID: "patch-remove-absent-value", Title: "Removing a value that is not there is harmless", Level: lMay, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.2 does not say what removing an absent value yields; both answers are allowed, recorded only", RFC: "RFC 7644 §3.5.2.2, Table 9",
		Spec: []string{"PROTO-PATCH-018"}, Capability: fakeidp.CapPatch, Rule: "removing a member that is not present succeeds (preferred) or is answered 400 noTarget; it never fails with 5xx or changes anything"},
	{ID: "patch-replace-pathless", Title: "replace without path replaces only the attributes in value", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.3",
		Spec: []string{"PROTO-PATCH-020"}, Capability: fakeidp.CapPatch, Rule: "a replace without a path replaces the attributes named in value and leaves the others untouched"},
	{ID: "patch-replace-single", Title: "replace via a path sets a single-valued attribute", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.3 defines replace on a single-valued attribute as replacing its value", RFC: "RFC 7644 §3.5.2.3",
		Spec: []string{"PROTO-PATCH-021"}, Capability: fakeidp.CapPatch, Rule: "replace with a path to a single-valued attribute sets it"},
	{ID: "patch-replace-multi", Title: "replace of a multi-valued attribute replaces every value", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.3 defines replace on a multi-valued attribute as replacing all its values", RFC: "RFC 7644 §3.5.2.3",
		Spec: []string{"PROTO-PATCH-022"}, Capability: fakeidp.CapPatch, Rule: "replace with path members and no filter leaves exactly the given members"},
	{ID: "patch-replace-absent-adds", Title: "replace of an absent attribute adds it", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.3",
		Spec: []string{"PROTO-PATCH-023"}, Capability: fakeidp.CapPatch, Rule: "replace of an attribute with no value is treated as add"},
	{ID: "patch-replace-complex-merges", Title: "replace of a complex attribute keeps unnamed sub-attributes", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.3",
		Spec: []string{"PROTO-PATCH-024"}, Capability: fakeidp.CapPatch, Rule: "replace of a complex attribute replaces the given sub-attributes and leaves the rest unchanged"},
	{ID: "patch-replace-filtered", Title: "replace with a value filter replaces the matching record", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2.3",
		Spec: []string{"PROTO-PATCH-025"}, Capability: fakeidp.CapPatch, Rule: "replace addresses[type eq \"work\"] replaces the work address and keeps the home one"},
	{ID: "patch-replace-filtered-sub", Title: "replace emails[type eq \"work\"].value changes only that value", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2.3 defines replace with valuePath and sub-attribute as changing matching records only", RFC: "RFC 7644 §3.5.2.3",
		Spec: []string{"PROTO-PATCH-026", "IDP-ENTRA-006"}, Capability: fakeidp.CapPatch, Rule: "replace with a valuePath and sub-attribute replaces that sub-attribute in the matching records only"},
	{ID: "patch-primary-unique", Title: "Setting a new primary clears the old one", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.5.2; RFC 7643 §2.4",
		Spec: []string{"PROTO-PATCH-029", "SCHEMA-ATTR-010"}, Capability: fakeidp.CapPatch, Rule: "primary is true on at most one value: adding a primary email makes the others non-primary"},
	{ID: "patch-atomic", Title: "A PATCH with a failing operation changes nothing", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.5.2",
		Spec: []string{"PROTO-PATCH-030"}, Capability: fakeidp.CapPatch, Rule: "PATCH is atomic: if any operation fails, none is applied and an error is returned"},
	{ID: "patch-ops-in-order", Title: "Operations apply in order", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2 defines the operations as applied in the order given", RFC: "RFC 7644 §3.5.2",
		Spec: []string{"PROTO-PATCH-031"}, Capability: fakeidp.CapPatch, Rule: "operations apply in sequence: [remove members, add members [u3]] leaves exactly u3"},
	{ID: "patch-extension-urn", Title: "Patching an extension attribute adds its URN to schemas", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.5.2 takes paths in §3.10 notation, which names extension attributes by URN", RFC: "RFC 7644 §3.5.2, §3.10",
		Spec: []string{"PROTO-PATCH-034", "SCHEMA-ENT-004"}, Capability: fakeidp.CapPatch, Rule: "a fully qualified extension path sets the value inside the extension and lists the extension URN in schemas"},
	{ID: "patch-extension-remove", Title: "Removing an extension attribute unassigns it", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §3 and §2.5: removing an extension's values leaves it unassigned, not a stale object", RFC: "RFC 7643 §2.5, §3",
		Spec: []string{"SCHEMA-ENT-007"}, Capability: fakeidp.CapPatch, Rule: "remove of a URN-qualified extension attribute leaves it unassigned"},
	{ID: "patch-path-case-insensitive", Title: "PATCH paths ignore case", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §2.1 makes attribute names case insensitive, PATCH paths included (RFC 7644 §3.10)", RFC: "RFC 7644 §3.10; RFC 7643 §2.1",
		Spec: []string{"PROTO-PATCH-035"}, Capability: fakeidp.CapPatch, Rule: "attribute names in paths are case-insensitive: Name.GivenName is name.givenName"},
	{ID: "patch-body-matches-get", Title: "The PATCH 200 body is the post-patch resource", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.1, §3.5.2",
		Spec: []string{"PROTO-PATCH-037"}, Capability: fakeidp.CapPatch, Rule: "a 200 answer to PATCH shows the resource after the patch, as the next GET does"},
	{ID: "patch-stale-if-match", Title: "PATCH with a stale If-Match gets 412 and changes nothing", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.14, Table 8",
		Spec: []string{"PROTO-PATCH-046"}, Capability: fakeidp.CapETag, Rule: "a PATCH whose If-Match is stale should be answered 412 and leave the resource unchanged"},
	{ID: "patch-group-rename", Title: "Renaming a group keeps its id and members", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §4.2 defines displayName as the group's name; replacing it must not touch id or members", RFC: "RFC 7643 §4.2",
		Spec: []string{"SCHEMA-GROUP-010", "PROTO-PATCH-045"}, Capability: fakeidp.CapPatch, Rule: "a replace of displayName renames the group; its id and members stay as they were"},
})

// Unchanged judges that nothing observable changed between two reads of a resource.
func Unchanged(write, before, after *fakeidp.Exchange, paths ...string) error {
	for _, p := range paths {
		if b, a := fakeidp.Attr(before.RespBody, p), fakeidp.Attr(after.RespBody, p); b.Raw != a.Raw {
			return fmt.Errorf("%s = %d, and %s moved from %s to %s, want the resource unchanged", op(write), write.Status, p, raw(b), raw(a))
		}
	}
	return nil
}

// CountValues judges the number of values of a multi-valued attribute.
func CountValues(ex *fakeidp.Exchange, path string, want int) error {
	got := len(fakeidp.Attr(ex.RespBody, path).Array())
	if got != want {
		return fmt.Errorf("%s = %s with %d values %s, want %d", op(ex), path, got, raw(fakeidp.Attr(ex.RespBody, path)), want)
	}
	return nil
}

// OnePrimary judges that at most one value of a multi-valued attribute is primary.
func OnePrimary(ex *fakeidp.Exchange, path string) error {
	n := 0
	for _, v := range fakeidp.Attr(ex.RespBody, path).Array() {
		if fakeidp.Lookup(v, "primary").Bool() {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("%s = %s with %d primary values %s, want at most one", op(ex), path, n, raw(fakeidp.Attr(ex.RespBody, path)))
	}
	return nil
}

// NoDuplicatePairs judges that no two values of the multi-valued attribute
// at path share their type and value.
func NoDuplicatePairs(ex *fakeidp.Exchange, path string) error {
	seen := map[[2]string]bool{}
	for _, v := range fakeidp.Attr(ex.RespBody, path).Array() {
		key := [2]string{fakeidp.Lookup(v, "type").Raw, fakeidp.Lookup(v, "value").Raw}
		if seen[key] {
			return fmt.Errorf("%s = %s with type %s and value %s twice, want each pair once", op(ex), path, key[0], key[1])
		}
		seen[key] = true
	}
	return nil
}

// HasValue judges whether a multi-valued attribute holds an element whose
// sub-attribute key equals val.
func HasValue(ex *fakeidp.Exchange, path, key, val string, want bool) error {
	got := false
	for _, v := range fakeidp.Attr(ex.RespBody, path).Array() {
		if fakeidp.Lookup(v, key).String() == val {
			got = true
		}
	}
	if got == want {
		return nil
	}
	if want {
		return fmt.Errorf("%s = %s %s without %s %q, want it present", op(ex), path, raw(fakeidp.Attr(ex.RespBody, path)), key, val)
	}
	return fmt.Errorf("%s = %s %s still with %s %q, want it gone", op(ex), path, raw(fakeidp.Attr(ex.RespBody, path)), key, val)
}
