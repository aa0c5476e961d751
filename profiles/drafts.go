package profiles

import "github.com/scimloop/scimloop/reports"

// The interoperability profiles forbid request shapes that Entra and Okta
// send (issue 17), so they run the rfc dialect only.

// noCheck is said of a rule of a profile that no check of ours judges yet.
const noCheck = "no check yet: not judged under this profile"

func interop() Profile {
	return Profile{
		Name:       "interop",
		Title:      "SCIM 2.0 Interoperability Profile (IETF individual draft)",
		Implements: "draft-zollner-scim-interop-profile-02 (2 November 2026)",
		Source:     "https://datatracker.ietf.org/doc/draft-zollner-scim-interop-profile/02/",
		Dialects:   []string{"rfc"},
		Seeds:      seeds,
		// The profile refuses undeclared attributes, which strict-schemas does.
		Personalities: []string{"strict-schemas"},
		// The profile refuses PATCH without path: a conformant server fails
		// the RFC checks that send it, so they are left out.
		Omit:   []string{"patch-add-pathless", "patch-replace-pathless"},
		Levels: map[string]reports.Level{"delete-username-reusable": reports.LevelMust},
		Why: map[string]string{
			"delete-username-reusable": "the profile requires that a DELETE frees the userName for a new user; RFC 7644 §3.6 only says SHOULD NOT reuse",
		},
		Parity: []Parity{
			{Test: "uniqueness-409", Does: "a uniqueness conflict is answered 409 uniqueness", Checks: []string{"username-unique"}},
			{Test: "spc-conformant-honest", Does: "ServiceProviderConfig interopProfileConformant is true only when the server keeps the profile", Note: noCheck},
			{Test: "resourcetype-id-is-name", Does: "each ResourceType's id equals its name", Checks: []string{"interop-rt-id-is-name"}},
			{Test: "same-case-rules", Does: "filters and uniqueness use the same case rules", Checks: []string{"username-unique-case-insensitive", "filter-username-case-insensitive"}},
			{Test: "unknown-attribute-400", Does: "an unknown attribute is refused with 400 invalidSyntax", Checks: []string{"interop-unknown-attribute-400"}},
			{Test: "count-100", Does: "a count of at least 100 is honoured", Checks: []string{"interop-count-100", "page-count-respected"}},
			{Test: "patch-path-required", Does: "PATCH without path is refused", Checks: []string{"neg-patch-remove-no-path"}, Note: "judged for remove, which RFC 7644 already requires; refusing add and replace without path is not judged yet, and the RFC checks that send them (patch-add-pathless, patch-replace-pathless) are left out of this profile"},
			{Test: "delete-frees-username", Does: "after DELETE the userName can be used by a new user", Checks: []string{"delete-username-reusable", "seq-username-reusable"}},
		},
	}
}

func ipsie() Profile {
	return Profile{
		Name:       "ipsie",
		Title:      "OpenID IPSIE Account Lifecycle SCIM 2.0 profile",
		Implements: "IPSIE AL SCIM 2.0 Profile, Draft 00 (OpenID IPSIE Working Group, September 2026)",
		Source:     "https://openid.net/specs/ipsie-al-scim-profile-1_0.html",
		Dialects:   []string{"rfc"},
		Seeds:      seeds,
		Levels:     map[string]reports.Level{"delete-username-reusable": reports.LevelMust},
		Why: map[string]string{
			"delete-username-reusable": "the profile requires userName reuse after delete; RFC 7644 §3.6 only says SHOULD NOT reuse",
		},
		Parity: []Parity{
			{Test: "rate-limit-429", Does: "too many requests get 429 with Retry-After", Note: noCheck + " (the harness honours a Retry-After when one comes, but does not judge it)"},
			{Test: "bulk-present", Does: "/Bulk is offered", Checks: []string{"ipsie-bulk-offered", "bulk-response"}},
			{Test: "group-patch-50-members", Does: "one group PATCH carries at least 50 member operations", Checks: []string{"ipsie-group-patch-50-members"}},
			{Test: "filters", Does: "the filters the profile lists (userName eq, externalId eq, id eq, displayName eq)", Checks: []string{"filter-idp-minimum", "filter-eq-exact"}},
			{Test: "no-password", Does: "no password attribute is returned", Checks: []string{"attrs-password-never", "create-password-not-returned"}},
			{Test: "username-reuse", Does: "a deleted user's userName can be used again", Checks: []string{"delete-username-reusable", "seq-username-reusable"}},
		},
	}
}
