package profiles

import "github.com/scimloop/scimloop/reports"

// The interoperability profiles forbid request shapes that Entra and Okta
// send (issue 17), so they run the rfc dialect only. Each cites the exact
// version of its document whose full text was read (docs/requirements.md,
// sources S40 and S41); Parity maps every rule of it that can be judged
// from outside (Rows) to the checks that judge it.

// noCheck is said of a rule of a profile that no check of ours judges yet.
const noCheck = "no check yet: not judged under this profile"

func interop() Profile {
	return Profile{
		Name:  "interop",
		Title: "SCIM 2.0 Interoperability Profile (IETF individual draft)",
		Implements: "draft-zollner-scim-interop-profile-01 (D. Zollner, 15 April 2026); " +
			"revision -02 (2 November 2026) is published, but only its abstract could be read",
		Source:   "https://datatracker.ietf.org/doc/draft-zollner-scim-interop-profile/01/",
		Dialects: []string{"rfc"},
		Seeds:    seeds,
		// The profile refuses undeclared attributes (strict-schemas) and
		// pathless PATCH, and wants the claim (--interop-profile).
		Personalities:  []string{"strict-schemas"},
		InteropProfile: true,
		// The profile refuses PATCH without path: a conformant server fails
		// the RFC checks that send it, so they are left out; and it refuses
		// a pathless remove with invalidSyntax where RFC 7644 §3.5.2.2 says
		// noTarget, so interop-patch-pathless-400 takes either instead of
		// neg-patch-remove-no-path.
		Omit:   []string{"patch-add-pathless", "patch-replace-pathless", "neg-patch-remove-no-path"},
		Levels: map[string]reports.Level{"delete-username-reusable": reports.LevelMust},
		Why: map[string]string{
			"delete-username-reusable": "§6.6 of the draft requires that a deleted resource's unique identifiers, such as userName, be free for a new resource; RFC 7644 §3.6 only says SHOULD NOT reuse",
		},
		Parity: []Parity{
			{Test: "conformant-claim", Does: "interopProfileConformant is true only on a server that keeps the profile (§4)", Rows: []string{"INTEROP-001"}, Checks: []string{"interop-conformant-claim"}},
			{Test: "resourcetype-id-is-name", Does: "each ResourceType's id equals its name (§5.1)", Rows: []string{"INTEROP-002"}, Checks: []string{"interop-rt-id-is-name"}},
			{Test: "same-case-rules", Does: "filters and uniqueness use the same case rules, userName case-insensitive (§5.2)", Rows: []string{"INTEROP-003"}, Checks: []string{"username-unique-case-insensitive", "filter-username-case-insensitive"}},
			{Test: "unknown-attribute-400", Does: "an undefined attribute is refused with 400 invalidSyntax (§5.3)", Rows: []string{"INTEROP-004"}, Checks: []string{"interop-unknown-attribute-400"}},
			{Test: "count-100", Does: "a client's count of at least 100 is supported (§6.4)", Rows: []string{"INTEROP-005"}, Checks: []string{"interop-count-100", "page-count-respected"}},
			{Test: "patch-path-required", Does: "a PATCH operation without path is refused with 400 invalidSyntax (§6.5.1.1)", Rows: []string{"INTEROP-006"}, Checks: []string{"interop-patch-pathless-400"}},
			{Test: "delete-frees-username", Does: "after DELETE the userName can be used by a new user (§6.6)", Rows: []string{"INTEROP-007"}, Checks: []string{"delete-username-reusable", "seq-username-reusable"}},
			{Test: "uniqueness-409", Does: "a uniqueness conflict is answered 409 uniqueness (§6.9.1)", Rows: []string{"INTEROP-008"}, Checks: []string{"username-unique"}},
			{Test: "patch-supported", Does: "PATCH is offered (§6.5)", Rows: []string{"INTEROP-009"}, Checks: []string{"interop-patch-supported"}},
			{Test: "filter-eq-and", Does: "filtering with eq and and is offered (§6.3)", Rows: []string{"INTEROP-010"}, Checks: []string{"interop-filter-supported", "filter-eq-exact"}},
			{Test: "unknown-filter-attribute-400", Does: "a filter on an attribute the resource type does not define is refused with 400 invalidFilter (§6.3)", Rows: []string{"INTEROP-011"}, Checks: []string{"interop-filter-unknown-attribute-400"}},
			{Test: "type-canonical-values", Does: "a multi-valued attribute with a type sub-attribute lists its types in canonicalValues (§5.4)", Rows: []string{"INTEROP-012"}, Note: noCheck},
			{Test: "default-page-100", Does: "without count, a page holds at least 100 resources (§6.4, SHOULD)", Rows: []string{"INTEROP-013"}, Note: noCheck + " (a run creates fewer than 100 resources)"},
			{Test: "deleted-is-gone", Does: "a deleted resource answers 404 and leaves every query result (§6.6)", Rows: []string{"INTEROP-014"}, Checks: []string{"delete-then-404", "delete-writes-404"}},
		},
	}
}

func ipsie() Profile {
	return Profile{
		Name:  "ipsie",
		Title: "OpenID IPSIE AL1 SCIM 2.0 profile",
		Implements: "draft-ipsie-scim-al1-profile, editor's copy of 12 December 2025 (M. Maguire, J. Schreiber; OpenID IPSIE Working Group); " +
			"its successor, IPSIE AL SCIM 2.0 Profile Draft 00 (September 2026), could be read only in its abstract",
		Source:    "https://openid.github.io/ipsie-scim-al1/draft-ipsie-scim-al1-profile.html",
		Dialects:  []string{"rfc"},
		Seeds:     seeds,
		RateLimit: true,
		Levels:    map[string]reports.Level{"delete-username-reusable": reports.LevelMust},
		Why: map[string]string{
			"delete-username-reusable": "§3.2.2.4 of the draft requires that a deleted user's username can be used by a new user; RFC 7644 §3.6 only says SHOULD NOT reuse",
		},
		Parity: []Parity{
			{Test: "rate-limit-429", Does: "a rate-limited request gets 429 with Retry-After (§3.2.3.2, §3.4)", Rows: []string{"IPSIE-001"}, Checks: []string{"ipsie-429-retry-after"}},
			{Test: "filters", Does: "userName eq, externalId eq and emails[value eq] filters (§3.2.2.7)", Rows: []string{"IPSIE-005"}, Checks: []string{"filter-eq-exact", "filter-idp-minimum"},
				Note: "userName eq and externalId eq are judged; emails[value eq …] is not probed in that form"},
			{Test: "username-reuse", Does: "a deleted user's userName can be used again (§3.2.2.4)", Rows: []string{"IPSIE-007"}, Checks: []string{"delete-username-reusable", "seq-username-reusable"}},
			{Test: "reactivation", Does: "a deactivated user can be reactivated (§3.2.2.3)", Rows: []string{"IPSIE-009"}, Checks: []string{"user-active-toggles"}},
			{Test: "resourcetypes-user-group", Does: "/ResourceTypes includes User and Group (§3.3.1)", Rows: []string{"IPSIE-010"}, Checks: []string{"ipsie-resourcetypes-user-group"}},
			{Test: "patch-supported", Does: "users and groups are updated by PATCH (§3.2.2, §3.2.3)", Rows: []string{"IPSIE-011"}, Checks: []string{"ipsie-patch-supported"}},
			{Test: "group-member-patch", Does: "members are added and removed by PATCH with path members and members[value eq …] (§3.2.3.5)", Rows: []string{"IPSIE-012"}, Checks: []string{"group-members-match-model", "group-membership-both-views"},
				Note: "removing every member with path members is not judged on its own"},
		},
	}
}
