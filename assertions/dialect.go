package assertions

import (
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"
)

var dialectChecks = area("dialect", []Check{
	{ID: "idp-test-connection", Title: "The IdP's match query for an unknown user is an empty list", Level: lIDP, Keyword: "IDP", RFC: "RFC 7644 §3.4.2; Entra Test Connection, Okta import",
		Spec: []string{"IDP-ENTRA-001", "IDP-OKTA-003", "IDP-OKTA-005"}, Rule: "the IdP's own match query (its encoding and paging) for a user that does not exist answers 200 with totalResults 0"},
	{ID: "idp-match-then-create", Title: "Match, create, then match finds exactly the new user", Level: lIDP, Keyword: "IDP", RFC: "Entra ID and Okta matching",
		Spec: []string{"IDP-ENTRA-002"}, Rule: "after the create, the IdP's match query returns exactly the user it created"},
	{ID: "idp-update-applied", Title: "The IdP's update form is applied", Level: lIDP, Keyword: "IDP", RFC: "Entra ID PATCH, Okta GET+PUT",
		Spec: []string{"IDP-ENTRA-006", "IDP-OKTA-009"}, Rule: "an update sent the way the IdP sends it (PATCH per attribute, pathless dotted replace, or GET then a full PUT with id, meta and groups:[]) is applied"},
	{ID: "idp-deactivate", Title: "The IdP's deactivation sets active to the JSON boolean false", Level: lIDP, Keyword: "IDP", RFC: "Entra ID and Okta deprovisioning",
		Spec: []string{"IDP-ENTRA-008", "IDP-ENTRA-009", "IDP-OKTA-010"}, Rule: "deactivation in the IdP's form (Replace active \"False\", replace active false, or replace {active:false}) leaves active the JSON boolean false, and the user readable and findable"},
	{ID: "idp-reactivate", Title: "The IdP's reactivation sets active to true", Level: lIDP, Keyword: "IDP", RFC: "Entra ID and Okta provisioning",
		Spec: []string{"IDP-OKTA-011", "IDP-ENTRA-028"}, Rule: "reactivation in the IdP's form leaves active the JSON boolean true"},
	{ID: "idp-patch-op-case", Title: "Capitalised PATCH ops (Add, Replace, Remove) work", Level: lIDP, Keyword: "IDP", RFC: "Entra ID (without aadOptscim062020)",
		Spec: []string{"PROTO-PATCH-004"}, Rule: "op values are matched case-insensitively: Entra's \"Add\", \"Replace\" and \"Remove\" are applied like add, replace and remove"},
	{ID: "idp-string-booleans", Title: "\"True\"/\"False\" strings set JSON booleans", Level: lIDP, Keyword: "IDP", RFC: "Entra ID (without aadOptscim062020)",
		Spec: []string{"PROTO-PATCH-039", "IDP-ENTRA-009"}, Rule: "Entra sends \"value\":\"False\" for active; the server applies it and returns the JSON boolean false"},
	{ID: "idp-member-add", Title: "The IdP's member add works, $ref null included", Level: lIDP, Keyword: "IDP", RFC: "Entra ID and Okta group push",
		Spec: []string{"PROTO-PATCH-041", "IDP-ENTRA-019", "PROTO-PATCH-043"}, Rule: "adding members in the IdP's form (several at once, with \"$ref\": null for Entra) makes them members"},
	{ID: "idp-member-remove", Title: "The IdP's member removal removes only that member", Level: lIDP, Keyword: "IDP", RFC: "Entra ID group provisioning",
		Spec: []string{"PROTO-PATCH-042", "IDP-ENTRA-020", "IDP-ENTRA-021"}, Rule: "removing a member in the IdP's form (a value filter, or Entra's legacy value array on path members) removes that member and no other"},
	{ID: "idp-members-one-patch", Title: "Remove and add in one PATCH converge", Level: lIDP, Keyword: "IDP", RFC: "Okta group push",
		Spec: []string{"IDP-OKTA-017"}, Rule: "Okta removes and adds members in one PATCH: the group ends with exactly the intended members"},
	{ID: "idp-group-rename", Title: "The IdP's group rename keeps id and members", Level: lIDP, Keyword: "IDP", RFC: "Entra ID and Okta group push",
		Spec: []string{"IDP-OKTA-018", "IDP-ENTRA-018"}, Rule: "a rename in the IdP's form (Replace displayName, or Okta's pathless replace carrying the group's own id) renames the group and keeps its id and members"},
	{ID: "idp-dotted-pathless", Title: "Dotted keys in a pathless replace are applied as paths", Level: lIDP, Keyword: "IDP", RFC: "Entra ID aadOptscim062020",
		Spec: []string{"PROTO-PATCH-040", "IDP-ENTRA-011"}, Rule: "{\"op\":\"replace\",\"value\":{\"name.familyName\":\"X\"}} sets name.familyName, and stores no literal \"name.familyName\" key"},
	{ID: "idp-group-delete", Title: "The IdP's group delete answers 204", Level: lIDP, Keyword: "IDP", RFC: "Entra ID and Okta group push",
		Spec: []string{"IDP-ENTRA-022", "IDP-OKTA-021"}, Rule: "DELETE /Groups/{id} answers 204"},
	{ID: "idp-dialect-convergence", Title: "Every dialect converges to the same final state", Level: lIDP, Keyword: "IDP", RFC: "RFC 7644 §3.5 (any IdP shape)",
		Rule: "the same logical changes sent in each IdP's shape (rfc, entra, entra-legacy, okta) leave the same users, attributes and memberships"},
})

// Converged judges that every dialect's final state equals the first one's,
// as a (-want +got) diff per dialect that differs.
func Converged(states map[string]any, order []string) error {
	if len(order) < 2 {
		return nil
	}
	want := states[order[0]]
	var diffs []string
	for _, d := range order[1:] {
		if diff := cmp.Diff(want, states[d]); diff != "" {
			diffs = append(diffs, fmt.Sprintf("dialect %s vs %s (-%s +%s):\n%s", d, order[0], order[0], d, diff))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the same logical changes gave different final states, want one state:\n%s", strings.Join(diffs, "\n"))
	}
	return nil
}
