package refserver

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Fault is a named, deliberate deviation from correct behaviour. Each one
// mimics a bug seen in real SCIM servers, scoped to break one or a few rules.
type Fault struct {
	Name        string
	Kind        string // KindConformance, KindShould, KindIDP or KindChaos
	Description string
	Dialect     string // for KindIDP: the IdP dialect whose requests it breaks (e.g. "entra-legacy")
}

// Fault kinds: what a harness run against the fault must show.
const (
	// KindConformance breaks a MUST-level rule: a plain run fails (exit 1)
	// on at least one MUST-level check.
	KindConformance = "conformance"
	// KindShould breaks only SHOULD-level rules: a plain run passes with
	// warnings (exit 0); a --strict run fails on a SHOULD-level check.
	KindShould = "should"
	// KindIDP breaks only what a real IdP sends: a run with the fault's
	// Dialect fails on an IDP-level check.
	KindIDP = "idp"
	// KindChaos stresses the client (errors to retry, latency): the run
	// must complete and the report show what happened.
	KindChaos = "chaos"
)

func conformance(name, desc string) Fault {
	return Fault{Name: name, Kind: KindConformance, Description: desc}
}
func should(name, desc string) Fault { return Fault{Name: name, Kind: KindShould, Description: desc} }
func idp(name, dialect, desc string) Fault {
	return Fault{Name: name, Kind: KindIDP, Description: desc, Dialect: dialect}
}
func chaos(name, desc string) Fault { return Fault{Name: name, Kind: KindChaos, Description: desc} }

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
	fSortIgnored              = "sort-ignored"
	fUserNameNotPrecis        = "username-not-precis"
	fDuplicateValuesKept      = "duplicate-values-kept"
	fWrongMetaLocation        = "wrong-meta-location"
	fDeleteMissingReturns500  = "delete-missing-returns-500"
	fMalformedJSONReturns500  = "malformed-json-returns-500"
	fPatchUnknownOpAccepted   = "patch-unknown-op-accepted"
	fPatchOpCaseSensitive     = "patch-op-case-sensitive"
	fDuplicateUserNameAllowed = "duplicate-username-allowed"
	fFilterAttrCaseSensitive  = "filter-attribute-names-case-sensitive"
	fFilterSWCaseSensitive    = "filter-sw-case-sensitive"
	fFilterModifiedAsCreated  = "filter-lastmodified-uses-created"
	fFilterDeclineUnlabelled  = "filter-decline-unlabelled"
	fFilterNECaseSensitive    = "filter-ne-case-sensitive"
	fFilterPREmptyString      = "filter-pr-matches-empty"
	fStartIndexZeroBased      = "start-index-zero-based"
	fAttributesParamIgnored   = "attributes-param-ignored"
	fExcludedMembersIgnored   = "excluded-members-ignored"
	fErrorStatusAsNumber      = "error-status-as-number"
	fSPCClaimsETagButNone     = "spc-claims-etag-but-none"
	fSoftDeletedStillListed   = "soft-deleted-still-listed"
	fDeletedUserNameReserved  = "deleted-username-reserved"
	fPasswordReturned         = "password-returned"
	fPutCreatesMissing        = "put-creates-missing"
	fClientIDHonoured         = "client-id-honoured"
	fActiveStringRejected     = "active-string-rejected"
	fNoSCIMContentType        = "no-scim-content-type"
	fCountIgnored             = "count-ignored"
	fIfNoneMatchIgnored       = "if-none-match-ignored"
	fEmptyFilterReturns404    = "empty-filter-returns-404"
	fNoWWWAuthenticate        = "no-www-authenticate"
	fPatchReturnsStaleBody    = "patch-returns-stale-body"
	fNoopBumpsVersion         = "noop-update-bumps-version"
	fFlaky5xx                 = "flaky-5xx"
	fFlaky429                 = "flaky-429"
	fSlow                     = "slow"
)

var faultTable = []Fault{
	conformance(fNoETag, "no ETag header on resource responses, although meta.version is set and etag is advertised"),
	conformance(fIgnoreIfMatch, "PUT and PATCH ignore a stale If-Match and apply the change"),
	conformance(fIgnoreIfMatchOnDelete, "DELETE ignores a stale If-Match and deletes anyway"),
	conformance(fLastModifiedFrozen, "meta.lastModified never moves past meta.created"),
	conformance(fCreatedChanges, "meta.created is reset to the time of every update"),
	conformance(fNoLocationHeader, "201 Created responses carry no Location header"),
	conformance(fRemoveMemberRemovesAll, "PATCH remove members[value eq \"x\"] removes every member of the group"),
	idp(fLegacyRemoveRemovesAll, "entra-legacy", "Entra's legacy remove (path members plus a value array) removes every member"),
	conformance(fGroupsNotUpdatedOnDelete, "deleting a user leaves it in the members of its groups"),
	conformance(fUserNameCaseSensitive, "userName uniqueness and userName filters are case-sensitive"),
	conformance(fFilterIgnored, "the filter parameter is ignored and the unfiltered collection is returned"),
	should(fDuplicateValuesKept, "a repeated (type, value) pair in emails or phoneNumbers is stored and returned twice"),
	conformance(fUserNameNotPrecis, "userName is compared with case ignored but without PRECIS preparation: José in NFD or full width is another user"),
	conformance(fSortIgnored, "sort is advertised, but sortBy and sortOrder are ignored: results come in storage order"),
	conformance(fItemsPerPageWrong, "itemsPerPage echoes the requested count (or totalResults) instead of the page length"),
	conformance(fPatchNotAtomic, "PATCH operations before a failing operation stay applied"),
	conformance(fReplaceUnmatchedAppends, "replace with a value filter that matches nothing appends a new value instead of 400 noTarget"),
	conformance(fETagUnchangedOnUpdate, "meta.version and the ETag stay the same when the resource changes"),
	conformance(fCreateReturns200, "POST create answers 200 OK instead of 201 Created"),
	conformance(fWrongMetaLocation, "meta.location points at a wrong URL that differs from the Location header"),
	conformance(fDeleteMissingReturns500, "DELETE of an unknown id answers 500 instead of 404"),
	should(fMalformedJSONReturns500, "an unparsable request body answers 500 instead of 400 invalidSyntax"),
	should(fPatchUnknownOpAccepted, "a PATCH operation with an unknown op is silently skipped instead of 400"),
	idp(fPatchOpCaseSensitive, "entra-legacy", "PATCH op names are case-sensitive, so Entra's \"Replace\"/\"Add\"/\"Remove\" are rejected"),
	conformance(fDuplicateUserNameAllowed, "a duplicate userName is accepted instead of 409 uniqueness"),
	conformance(fFilterAttrCaseSensitive, "attribute names in filters are matched case-sensitively"),
	conformance(fFilterSWCaseSensitive, "sw compares case-sensitively even on caseExact=false attributes such as userName (eq still ignores case)"),
	conformance(fFilterDeclineUnlabelled, "ne is not supported and is declined with a bare 400, without scimType invalidFilter"),
	conformance(fFilterNECaseSensitive, "ne compares case-sensitively on caseExact=false attributes such as userName, so a differently cased value is \"not equal\""),
	conformance(fFilterPREmptyString, "pr matches an attribute stored as an empty string, which is unassigned"),
	conformance(fFilterModifiedAsCreated, "filters on meta.lastModified compare meta.created instead, so an update is invisible to them"),
	conformance(fStartIndexZeroBased, "startIndex is treated as 0-based, so pages skip one resource"),
	conformance(fAttributesParamIgnored, "attributes and excludedAttributes are ignored"),
	idp(fExcludedMembersIgnored, "entra", "excludedAttributes=members on groups (as Entra ID asks) is ignored and members are returned"),
	conformance(fErrorStatusAsNumber, "error bodies carry status as a JSON number instead of a string"),
	conformance(fSPCClaimsETagButNone, "ServiceProviderConfig says etag is supported, but there are no ETag headers or meta.version"),
	conformance(fSoftDeletedStillListed, "deleted resources 404 by id but still appear in list and filter results"),
	should(fDeletedUserNameReserved, "the userName of a deleted user cannot be reused (409)"),
	conformance(fPasswordReturned, "the writeOnly password is returned in responses"),
	conformance(fPutCreatesMissing, "PUT to an unknown id creates the resource instead of 404"),
	conformance(fClientIDHonoured, "a create that carries an id keeps the client's id instead of issuing one"),
	idp(fActiveStringRejected, "entra-legacy", "boolean attributes reject Entra's \"True\"/\"False\" strings with 400"),
	should(fNoSCIMContentType, "responses are labelled application/json instead of application/scim+json"),
	conformance(fCountIgnored, "the count parameter is ignored and a full default page is returned"),
	conformance(fIfNoneMatchIgnored, "GET with a matching If-None-Match answers 200 with the body instead of 304"),
	conformance(fEmptyFilterReturns404, "a query that matches nothing answers 404 instead of an empty ListResponse"),
	conformance(fNoWWWAuthenticate, "401 responses carry no WWW-Authenticate header"),
	conformance(fPatchReturnsStaleBody, "the PATCH 200 body shows the resource as it was before the patch"),
	conformance(fNoopBumpsVersion, "a no-op update (re-adding an existing value) bumps meta.version and lastModified"),
	chaos(fFlaky5xx, "about 20% of requests answer 503 with Retry-After: 0 (a retry of the same request never twice in a row; seeded)"),
	chaos(fFlaky429, "about 20% of requests answer 429 with Retry-After: 0 or 1 (a retry of the same request never twice in a row; seeded)"),
	chaos(fSlow, "every request is delayed by 50ms"),
}

// Cursor pagination faults (RFC 9865), one per rule the cursor checks
// judge; the misbehaviours are in cursor.go.
const (
	fSPCClaimsCursorButNone    = "spc-claims-cursor-but-none"
	fCursorUnadvertised        = "cursor-unadvertised"
	fSPCPaginationMalformed    = "spc-pagination-malformed"
	fCursorNotURLSafe          = "cursor-not-url-safe"
	fCursorCountExceeded       = "cursor-count-exceeded"
	fCursorSkipsResource       = "cursor-skips-resource"
	fCursorNextOnLastPage      = "cursor-next-on-last-page"
	fCursorPreviousOnFirstPage = "cursor-previous-on-first-page"
	fInvalidCursorAccepted     = "invalid-cursor-accepted"
	fInvalidCursorWrongType    = "invalid-cursor-wrong-scimtype"
	fExpiredCursorWrongType    = "expired-cursor-wrong-scimtype"
	fInvalidCountWrongType     = "invalid-count-wrong-scimtype"
	fCursorCountZeroIgnored    = "cursor-count-zero-ignored"
	fSearchCursorIgnored       = "search-cursor-ignored"
)

var cursorFaults = []Fault{
	conformance(fSPCClaimsCursorButNone, "ServiceProviderConfig advertises pagination.cursor, but the cursor parameter is ignored: pages come by index, without nextCursor"),
	should(fCursorUnadvertised, "cursor pagination works, but ServiceProviderConfig has no pagination attribute"),
	conformance(fSPCPaginationMalformed, "ServiceProviderConfig pagination.cursor is the string \"true\" instead of a boolean"),
	conformance(fCursorNotURLSafe, "cursors carry '/' and '=', which are not URL-safe unreserved characters"),
	conformance(fCursorCountExceeded, "cursor pages ignore count and hold up to the default page size"),
	conformance(fCursorSkipsResource, "each nextCursor points one resource too far, so a walk skips a resource between pages"),
	conformance(fCursorNextOnLastPage, "the last page still carries a nextCursor, which leads to empty pages that carry it again: the walk never ends"),
	conformance(fCursorPreviousOnFirstPage, "the first page of a cursor walk carries a previousCursor"),
	should(fInvalidCursorAccepted, "a cursor the server never issued is taken as a request for the first page instead of 400 invalidCursor"),
	should(fInvalidCursorWrongType, "a cursor the server never issued is refused with 400 invalidValue instead of invalidCursor"),
	should(fExpiredCursorWrongType, "an expired cursor is refused with 400 invalidValue instead of expiredCursor"),
	should(fInvalidCountWrongType, "a count that changes during a cursor walk is refused with 400 invalidValue instead of invalidCount"),
	conformance(fCursorCountZeroIgnored, "on a cursor request, count=0 or a negative count gives a page of the default size instead of no resources"),
	conformance(fSearchCursorIgnored, "POST /.search ignores cursor in the SearchRequest: it answers an index page without nextCursor"),
}

// Faults lists every fault the reference server can inject, sorted by name:
// those checked inside the handlers and those that wrap them (wire faults).
func Faults() []Fault {
	out := append(append([]Fault(nil), faultTable...), cursorFaults...)
	for _, w := range wireFaults {
		out = append(out, w.Fault)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ErrUnknownFault is the error New wraps when Config names a fault that
// does not exist.
var ErrUnknownFault = errors.New("unknown fault")

func parseFaults(names []string) (map[string]bool, error) {
	known := map[string]bool{}
	for _, f := range Faults() {
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
		return nil, fmt.Errorf("refserver: %w(s): %s", ErrUnknownFault, strings.Join(unknown, ", "))
	}
	return set, nil
}
