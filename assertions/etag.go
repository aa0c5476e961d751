package assertions

import (
	"fmt"
	"regexp"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

var etagChecks = area("etag", []Check{
	{ID: "etag-header-present", Title: "Resource responses carry an ETag header", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §3.14",
		Spec: []string{"PROTO-ETAG-002", "PROTO-CREATE-009"}, Capability: fakeidp.CapETag,
		Rule: "when the server supports ETags, every response that carries a resource has an ETag header"},
	{ID: "etag-syntax", Title: "ETags follow RFC 7232 syntax", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7643 §3.1",
		Spec: []string{"PROTO-ETAG-004"}, Capability: fakeidp.CapETag,
		Rule: "an entity tag is a quoted string, marked weak with a case-sensitive W/ prefix when it is not a strong validator"},
	{ID: "etag-matches-version", Title: "The ETag header equals meta.version", Level: reports.LevelShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.14",
		Spec: []string{"PROTO-ETAG-003"}, Capability: fakeidp.CapETag,
		Rule: "meta.version is present and is the same value as the ETag header"},
	{ID: "etag-changes-on-update", Title: "The version changes when the resource changes", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.14's versioning and RFC 7232 §2.3: a new representation needs a new entity tag, or lost updates go unseen", RFC: "RFC 7644 §3.14",
		Spec: []string{"PROTO-ETAG-005", "PROTO-PUT-010"}, Capability: fakeidp.CapETag, Aliases: []string{"put-meta-updated"},
		Rule: "an entity tag identifies one representation: when the resource changes, its version changes"},
	{ID: "etag-if-none-match-304", Title: "A matching If-None-Match gets 304", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.14 adopts RFC 7232 conditional requests, whose §3.2 answers a matching If-None-Match GET with 304", RFC: "RFC 7644 §3.14",
		Spec: []string{"PROTO-ETAG-007", "PROTO-STATUS-013"}, Capability: fakeidp.CapETag,
		Rule: "a GET whose If-None-Match equals the current ETag returns 304 Not Modified with an empty body"},
	{ID: "etag-stale-if-none-match-200", Title: "A stale If-None-Match gets the resource", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.14 adopts RFC 7232 conditional requests, whose §3.2 performs the GET when no tag in If-None-Match matches the current one", RFC: "RFC 7644 §3.14 (RFC 7232 §3.2)",
		Spec: []string{"PROTO-ETAG-008"}, Capability: fakeidp.CapETag,
		Rule: "a GET whose If-None-Match names an older version returns 200 with the current resource, never 304"},
	{ID: "etag-if-match-current-succeeds", Title: "A current If-Match lets the update through", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.14 adopts RFC 7232, whose §3.1 performs the request when If-Match matches the current tag", RFC: "RFC 7644 §3.14",
		Spec: []string{"PROTO-ETAG-010"}, Capability: fakeidp.CapETag,
		Rule: "a PUT or PATCH whose If-Match equals the current ETag succeeds"},
	{ID: "etag-stale-if-match-rejected", Title: "A stale If-Match never succeeds, and the resource is unchanged", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "derived from §3.14's versioning against lost updates via RFC 7232 §3.1 (a stale If-Match must not be applied)", RFC: "RFC 7644 §3.14 (RFC 7232 §3.1)",
		Spec: []string{"PROTO-ETAG-009"}, Capability: fakeidp.CapETag,
		Rule: "a PUT or PATCH whose If-Match does not match the current version must not be applied: that is a lost update"},
	{ID: "etag-stale-if-match-412", Title: "A stale If-Match is answered 412", Level: reports.LevelShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.14, Table 8",
		Spec: []string{"PROTO-STATUS-012"}, Capability: fakeidp.CapETag,
		Rule: "a failed precondition should be answered 412 Precondition Failed (Table 8 also allows 409)"},
	{ID: "etag-stale-if-match-delete", Title: "A DELETE with a stale If-Match is not applied", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "derived from §3.14's versioning via RFC 7232 §3.1: a stale conditional DELETE must not delete", RFC: "RFC 7644 §3.14 (RFC 7232 §3.1)",
		Spec: []string{"PROTO-ETAG-011", "PROTO-DELETE-007"}, Capability: fakeidp.CapETag,
		Rule: "a DELETE whose If-Match does not match the current version must not delete the resource; 412 is the answer Table 8 gives"},
})

var etagSyntax = regexp.MustCompile(`^(W/)?"[\x21\x23-\x7e\x80-\xff]*"$`)

// ETagPresent judges that a resource response has an ETag header.
func ETagPresent(ex *fakeidp.Exchange) error {
	if ex.Header("ETag") == "" {
		return fmt.Errorf("%s = %d without an ETag header, want one (the server advertises etag.supported)", op(ex), ex.Status)
	}
	return nil
}

// ETagSyntax judges the ETag header's syntax.
func ETagSyntax(ex *fakeidp.Exchange) error {
	et := ex.Header("ETag")
	if et == "" {
		return nil // judged by ETagPresent
	}
	if !etagSyntax.MatchString(et) {
		return fmt.Errorf("%s = ETag %q, want an RFC 7232 entity tag such as W/\"3\" or \"3\"", op(ex), et)
	}
	return nil
}

// ETagMatchesVersion judges that the ETag header equals meta.version.
func ETagMatchesVersion(ex *fakeidp.Exchange) error {
	et := ex.Header("ETag")
	ver := fakeidp.Get(ex.RespBody, "meta", "version")
	switch {
	case et == "" && ver.Str == "":
		return fmt.Errorf("%s = neither an ETag header nor meta.version, want both, equal", op(ex))
	case ver.Str == "":
		return fmt.Errorf("%s = ETag %q, meta.version %s, want meta.version %q", op(ex), et, raw(ver), et)
	case et != ver.Str:
		return fmt.Errorf("%s = ETag %q, meta.version %q, want them equal", op(ex), et, ver.Str)
	}
	return nil
}

// VersionOf returns the resource's version: the ETag header, else meta.version.
func VersionOf(ex *fakeidp.Exchange) string {
	if et := ex.Header("ETag"); et != "" {
		return et
	}
	return fakeidp.Get(ex.RespBody, "meta", "version").String()
}

// VersionChanged judges that a change produced a new version.
func VersionChanged(before, after *fakeidp.Exchange) error {
	b, a := VersionOf(before), VersionOf(after)
	if a == "" {
		return fmt.Errorf("%s = no ETag or meta.version, want a version different from %q", op(after), b)
	}
	if a == b {
		return fmt.Errorf("%s = version %q after a change, the same as before, want a new version", op(after), a)
	}
	return nil
}

// NotModified judges a conditional GET with a matching If-None-Match.
func NotModified(ex *fakeidp.Exchange) error {
	if err := Status(ex, 304); err != nil {
		return err
	}
	if len(ex.RespBody) > 0 {
		return fmt.Errorf("%s = 304 with a %d-byte body, want an empty body", op(ex), len(ex.RespBody))
	}
	return nil
}

// StaleIfMatchRejected judges that a stale conditional write did not succeed
// and that the resource read afterwards equals the one read before.
func StaleIfMatchRejected(write, before, after *fakeidp.Exchange) error {
	if write.Status >= 200 && write.Status < 300 {
		return fmt.Errorf("%s with a stale If-Match = %d, want it refused (412)", op(write), write.Status)
	}
	if VersionOf(before) != VersionOf(after) {
		return fmt.Errorf("%s with a stale If-Match = %d, but the resource's version moved from %q to %q, want it unchanged", op(write), write.Status, VersionOf(before), VersionOf(after))
	}
	return nil
}

// StaleDeleteRejected judges that a DELETE with a stale If-Match was refused
// and the resource is still there.
func StaleDeleteRejected(del, after *fakeidp.Exchange, id string) error {
	if del.Status >= 200 && del.Status < 300 {
		return fmt.Errorf("%s with a stale If-Match = %d, want it refused (412) and the resource kept", op(del), del.Status)
	}
	if err := GetOK(after, id); err != nil {
		return fmt.Errorf("after %s with a stale If-Match = %d: %v", op(del), del.Status, err)
	}
	return nil
}
