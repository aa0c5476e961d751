package profiles

// galleryVersion names the Microsoft validation this profile mirrors: the
// test inventory of the Entra app-gallery SCIM validation Logic App.
const (
	galleryVersion = "Microsoft Entra app-gallery SCIM validation, Logic App template 9.0 (25 tests; SCIM-Validation-Test-Overview.md, August 2026)"
	gallerySource  = "https://github.com/AzureAD/SCIMReferenceCode/tree/master/Microsoft.SCIM.LogicAppValidationTemplate/StandardLogicApp"
)

// engineNote is said of a test whose pass criteria are Entra's own
// provisioning audit log: scimloop sees only what reaches the SCIM endpoint.
const engineNote = "their pass criterion is Entra's provisioning audit log, which only Entra can read; we judge the requests its engine sends and the answers it needs"

func entraGallery() Profile {
	return Profile{
		Name:       "entra-gallery",
		Title:      "Pre-flight for Microsoft's Entra app-gallery SCIM validation (25 named tests)",
		Implements: galleryVersion,
		Source:     gallerySource,
		Dialects:   []string{"entra", "entra-legacy"},
		Seeds:      seeds,
		Parity:     galleryTests(),
	}
}

// galleryTests are Microsoft's 25 tests in their order, each with the
// checks of ours that judge the SCIM side of it.
func galleryTests() []Parity {
	return []Parity{
		{Test: "Create_User_Test", Category: "mandatory", Does: "Entra provisions a new user; the user is then found with GET /Users?filter=userName eq",
			Checks: []string{"idp-match-then-create", "create-201", "filter-eq-exact", "filter-idp-minimum"}, Note: engineNote},
		{Test: "Update_User_Test", Category: "mandatory", Does: "changed mapped attributes (jobTitle, department) reach the user by PATCH",
			Checks: []string{"idp-update-applied", "patch-replace-single", "update-read-back"}, Note: engineNote},
		{Test: "Disable_User_Test", Category: "mandatory", Does: "accountEnabled=false reaches the user as active false",
			Checks: []string{"idp-deactivate", "user-active-toggles"}, Note: engineNote},
		{Test: "Delete_User_Test", Category: "optional", Does: "a purged user is deleted; afterwards GET is 404 or the filter finds nothing",
			Checks: []string{"delete-204", "delete-then-404", "delete-not-listed"}, Note: engineNote},
		{Test: "User_Update_Manager_Test", Category: "mandatory", Does: "manager set, changed and removed through provisioning",
			Checks: []string{"schema-manager", "patch-extension-urn", "patch-extension-remove"}, Note: engineNote + "; skipped by them without a manager mapping"},
		{Test: "Restore_User_Test", Category: "mandatory", Does: "unassign (deprovision) then reassign: the user is gone, then back",
			Checks: []string{"idp-deactivate", "idp-reactivate", "delete-username-reusable", "idp-match-then-create"}, Note: engineNote + "; which of disable or delete Entra sends on unassign is the app's setting"},
		{Test: "POD_User_Test", Category: "mandatory", Does: "provision on demand of one user, without waiting for a cycle",
			Checks: []string{"idp-match-then-create", "create-201"}, Note: "provision on demand is a call to Microsoft Graph; the SCIM endpoint sees the same match-then-create as Create_User_Test, which is what we judge"},
		{Test: "Create_Group_Test", Category: "mandatory", Does: "Entra provisions a group; it is found with GET /Groups?filter=displayName eq",
			Checks: []string{"schema-group-empty-members", "schema-group-initial-members", "filter-idp-minimum"}, Note: engineNote},
		{Test: "Update_Group_Test", Category: "mandatory", Does: "a changed displayName reaches the group",
			Checks: []string{"idp-group-rename", "patch-group-rename"}, Note: engineNote},
		{Test: "Delete_Group_Test", Category: "optional", Does: "a deleted group is gone (the filter finds nothing)",
			Checks: []string{"idp-group-delete", "delete-then-404"}, Note: engineNote},
		{Test: "Group_Update_Add_Member_Test", Category: "mandatory", Does: "a member added in Entra reaches the group by PATCH add",
			Checks: []string{"idp-member-add", "group-members-match-model"}, Note: engineNote},
		{Test: "Group_Update_Remove_Member_Test", Category: "mandatory", Does: "a member removed in Entra leaves the group by PATCH remove",
			Checks: []string{"idp-member-remove", "group-members-match-model"}, Note: engineNote},
		{Test: "POD_Group_Test", Category: "mandatory", Does: "provision on demand of one group",
			Checks: []string{"schema-group-empty-members", "filter-idp-minimum"}, Note: "provision on demand is a call to Microsoft Graph; the SCIM endpoint sees the same match-then-create as Create_Group_Test, which is what we judge"},
		{Test: "Restore_Group_Test", Category: "optional", Does: "unassign then reassign a group: gone, then back",
			Checks: []string{"idp-group-delete", "schema-group-empty-members"}, Note: engineNote},
		{Test: "Schema_Discoverability_Test", Category: "mandatory", Does: "GET /Schemas declares every attribute the app's Entra mapping uses",
			Checks: []string{"disc-schemas-list", "disc-schema-attr-defs", "disc-schema-no-nulls"}, Note: "the app's attribute mapping lives in Entra; we judge that /Schemas is complete and well formed, not that it covers a mapping we cannot see"},
		{Test: "SCIM_Null_Update_Test", Category: "mandatory", Does: "PATCH with empty strings, then with nulls, leaves optional attributes empty",
			Checks: []string{"put-null-clears", "create-nulls-accepted", "patch-remove-single"}, Note: "we judge null and [] clearing (PUT, create) and PATCH remove; a PATCH replace whose value is \"\" is not judged, since RFC 7643 §2.5 does not make \"\" unassigned"},
		{Test: "SCIM_User_Create_Test", Category: "mandatory", Does: "direct POST /Users: 200 or 201, an id, the same userName back",
			Checks: []string{"create-201", "resource-id", "create-returns-resource", "create-matches-get"}},
		{Test: "SCIM_User_Update_Test", Category: "mandatory", Does: "direct PATCH /Users/{id} of single-valued attributes; GET shows them",
			Checks: []string{"patch-replace-single", "patch-body-matches-get", "update-read-back"}},
		{Test: "SCIM_Group_Create_Test", Category: "mandatory", Does: "direct POST /Groups: 200 or 201, an id, the same displayName back",
			Checks: []string{"schema-group-empty-members", "schema-group-initial-members"}},
		{Test: "SCIM_Group_Update_Test", Category: "mandatory", Does: "direct PATCH /Groups/{id} of single-valued attributes; GET shows them",
			Checks: []string{"patch-group-rename"}},
		{Test: "Validate_Credentials_Test", Category: "mandatory", Does: "OAuth 2.0 client credentials at the app's token endpoint, token lifetime 60 to 360 minutes, then a SCIM call",
			Checks: []string{"idp-test-connection", "auth-missing-401"}, Note: "with --oauth-token-url scimloop takes its token by client credentials and a refused flow stops the run before any check; the token's lifetime is not judged"},
		{Test: "Federated_Identity_Test", Category: "mandatory", Does: "workload identity federation: an Entra token exchanged for the app's token",
			Note: "not judged: the exchange starts from a token that only Entra issues (or Google's STS), so it cannot be run from outside Microsoft's tenant; they need one of this and Validate_Credentials_Test to pass"},
		{Test: "SCIM_User_Pagination_Test", Category: "mandatory", Does: "at least 11 users paged with startIndex and count=5: 200 on each page and the startIndex echoed",
			Checks: []string{"page-start-index-echo", "page-count-respected", "page-items-per-page", "list-paging-fields"}},
		{Test: "SCIM_Group_Pagination_Test", Category: "optional", Does: "the same paging over /Groups",
			Checks: []string{"list-schema", "list-total-integer"}, Note: "our startIndex and count checks page /Users; list answers, /Groups included, are judged as ListResponses"},
		{Test: "SCIM_Update_Manager_Test", Category: "mandatory", Does: "direct PATCH of manager: set (add), change (replace), remove (replace with empty)",
			Checks: []string{"schema-manager", "patch-extension-urn", "patch-extension-remove"}, Note: "skipped by them when manager is not mapped; our checks skip when /Schemas does not declare the enterprise extension"},
	}
}
