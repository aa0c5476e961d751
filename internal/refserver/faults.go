package refserver

import (
	"fmt"
	"sort"
	"strings"
)

// Fault is a named, deliberate deviation from correct behaviour. Each one
// mimics a bug seen in real SCIM servers, scoped to break one or two rules.
type Fault struct{ Name, Kind, Description string }

// Fault kinds.
const (
	KindConformance = "conformance"
	KindChaos       = "chaos"
)

// Fault names, as constants so a typo in the server is a compile error.
const (
	fNoETag                   = "no-etag"
	fIgnoreIfMatch            = "ignore-if-match"
	fIgnoreIfMatchOnDelete    = "ignore-if-match-on-delete"
	fLastModifiedFrozen       = "lastmodified-frozen"
	fCreatedChanges           = "created-changes"
	fNoLocationHeader         = "no-location-header"
	fRemoveMemberRemovesAll   = "remove-member-removes-all"
	fLegacyRemoveRemovesAll   = "legacy-remove-removes-all"
	fGroupsNotUpdatedOnDelete = "groups-not-updated-on-user-delete"
	fUserNameCaseSensitive    = "username-case-sensitive"
	fFilterIgnored            = "filter-ignored"
	fItemsPerPageWrong        = "items-per-page-wrong"
	fPatchNotAtomic           = "patch-not-atomic"
	fReplaceUnmatchedAppends  = "replace-unmatched-filter-appends"
	fETagUnchangedOnUpdate    = "etag-unchanged-on-update"
	fCreateReturns200         = "create-returns-200"
	fWrongMetaLocation        = "wrong-meta-location"
	fDeleteMissingReturns500  = "delete-missing-returns-500"
	fMalformedJSONReturns500  = "malformed-json-returns-500"
	fPatchUnknownOpAccepted   = "patch-unknown-op-accepted"
	fPatchOpCaseSensitive     = "patch-op-case-sensitive"
	fDuplicateUserNameAllowed = "duplicate-username-allowed"
	fFilterAttrCaseSensitive  = "filter-attribute-names-case-sensitive"
	fStartIndexZeroBased      = "start-index-zero-based"
	fAttributesParamIgnored   = "attributes-param-ignored"
	fExcludedMembersIgnored   = "excluded-members-ignored"
	fErrorStatusAsNumber      = "error-status-as-number"
	fSPCClaimsETagButNone     = "spc-claims-etag-but-none"
	fSoftDeletedStillListed   = "soft-deleted-still-listed"
	fDeletedUserNameReserved  = "deleted-username-reserved"
	fPasswordReturned         = "password-returned"
	fPutCreatesMissing        = "put-creates-missing"
	fActiveStringRejected     = "active-string-rejected"
	fNoSCIMContentType        = "no-scim-content-type"
	fCountIgnored             = "count-ignored"
	fIfNoneMatchIgnored       = "if-none-match-ignored"
	fEmptyFilterReturns404    = "empty-filter-returns-404"
	fNoWWWAuthenticate        = "no-www-authenticate"
	fPatchReturnsStaleBody    = "patch-returns-stale-body"
	fNoopBumpsVersion         = "noop-update-bumps-version"
	fFlaky5xx                 = "flaky-5xx"
	fSlow                     = "slow"
)

var faultTable = []Fault{
	{fNoETag, KindConformance, "no ETag header on resource responses, although meta.version is set and etag is advertised"},
	{fIgnoreIfMatch, KindConformance, "PUT and PATCH ignore a stale If-Match and apply the change"},
	{fIgnoreIfMatchOnDelete, KindConformance, "DELETE ignores a stale If-Match and deletes anyway"},
	{fLastModifiedFrozen, KindConformance, "meta.lastModified never moves past meta.created"},
	{fCreatedChanges, KindConformance, "meta.created is reset to the time of every update"},
	{fNoLocationHeader, KindConformance, "201 Created responses carry no Location header"},
	{fRemoveMemberRemovesAll, KindConformance, "PATCH remove members[value eq \"x\"] removes every member of the group"},
	{fLegacyRemoveRemovesAll, KindConformance, "Entra's legacy remove (path members plus a value array) removes every member"},
	{fGroupsNotUpdatedOnDelete, KindConformance, "deleting a user leaves it in the members of its groups"},
	{fUserNameCaseSensitive, KindConformance, "userName uniqueness and userName filters are case-sensitive"},
	{fFilterIgnored, KindConformance, "the filter parameter is ignored and the unfiltered collection is returned"},
	{fItemsPerPageWrong, KindConformance, "itemsPerPage echoes the requested count (or totalResults) instead of the page length"},
	{fPatchNotAtomic, KindConformance, "PATCH operations before a failing operation stay applied"},
	{fReplaceUnmatchedAppends, KindConformance, "replace with a value filter that matches nothing appends a new value instead of 400 noTarget"},
	{fETagUnchangedOnUpdate, KindConformance, "meta.version and the ETag stay the same when the resource changes"},
	{fCreateReturns200, KindConformance, "POST create answers 200 OK instead of 201 Created"},
	{fWrongMetaLocation, KindConformance, "meta.location points at a wrong URL that differs from the Location header"},
	{fDeleteMissingReturns500, KindConformance, "DELETE of an unknown id answers 500 instead of 404"},
	{fMalformedJSONReturns500, KindConformance, "an unparsable request body answers 500 instead of 400 invalidSyntax"},
	{fPatchUnknownOpAccepted, KindConformance, "a PATCH operation with an unknown op is silently skipped instead of 400"},
	{fPatchOpCaseSensitive, KindConformance, "PATCH op names are case-sensitive, so Entra's \"Replace\"/\"Add\"/\"Remove\" are rejected"},
	{fDuplicateUserNameAllowed, KindConformance, "a duplicate userName is accepted instead of 409 uniqueness"},
	{fFilterAttrCaseSensitive, KindConformance, "attribute names in filters are matched case-sensitively"},
	{fStartIndexZeroBased, KindConformance, "startIndex is treated as 0-based, so pages skip one resource"},
	{fAttributesParamIgnored, KindConformance, "attributes and excludedAttributes are ignored"},
	{fExcludedMembersIgnored, KindConformance, "excludedAttributes=members on groups is ignored and members are returned"},
	{fErrorStatusAsNumber, KindConformance, "error bodies carry status as a JSON number instead of a string"},
	{fSPCClaimsETagButNone, KindConformance, "ServiceProviderConfig says etag is supported, but there are no ETag headers or meta.version"},
	{fSoftDeletedStillListed, KindConformance, "deleted resources 404 by id but still appear in list and filter results"},
	{fDeletedUserNameReserved, KindConformance, "the userName of a deleted user cannot be reused (409)"},
	{fPasswordReturned, KindConformance, "the writeOnly password is returned in responses"},
	{fPutCreatesMissing, KindConformance, "PUT to an unknown id creates the resource instead of 404"},
	{fActiveStringRejected, KindConformance, "boolean attributes reject Entra's \"True\"/\"False\" strings with 400"},
	{fNoSCIMContentType, KindConformance, "responses are labelled application/json instead of application/scim+json"},
	{fCountIgnored, KindConformance, "the count parameter is ignored and a full default page is returned"},
	{fIfNoneMatchIgnored, KindConformance, "GET with a matching If-None-Match answers 200 with the body instead of 304"},
	{fEmptyFilterReturns404, KindConformance, "a query that matches nothing answers 404 instead of an empty ListResponse"},
	{fNoWWWAuthenticate, KindConformance, "401 responses carry no WWW-Authenticate header"},
	{fPatchReturnsStaleBody, KindConformance, "the PATCH 200 body shows the resource as it was before the patch"},
	{fNoopBumpsVersion, KindConformance, "a no-op update (re-adding an existing value) bumps meta.version and lastModified"},
	{fFlaky5xx, KindChaos, "about 20% of requests answer 503 with Retry-After: 0 (never twice in a row; seeded)"},
	{fSlow, KindChaos, "every request is delayed by 50ms"},
}

// Faults lists every fault the reference server can inject, sorted by name.
func Faults() []Fault {
	out := append([]Fault(nil), faultTable...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func parseFaults(names []string) (map[string]bool, error) {
	known := map[string]bool{}
	for _, f := range faultTable {
		known[f.Name] = true
	}
	set := map[string]bool{}
	var unknown []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !known[n] {
			unknown = append(unknown, n)
			continue
		}
		set[n] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("refserver: unknown fault(s): %s", strings.Join(unknown, ", "))
	}
	return set, nil
}
