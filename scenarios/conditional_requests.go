package scenarios

import (
	"net/http"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// ifMatchChecks judge what HTTP itself asks of a server that sends ETags
// (RFC 7232 §3.1: a false If-Match condition is never applied), whatever its
// ServiceProviderConfig says.
var ifMatchChecks = []string{"etag-if-match-current-succeeds", "etag-stale-if-match-rejected", "etag-stale-if-match-delete"}

// The scenario runs when the server advertises etag.supported, and also when
// it does not but sends ETags anyway: then the If-Match behaviour it shows is
// judged as HTTP requires. The unadvertised feature is a finding of its own,
// cap-unadvertised-501's (capability-honesty), and is not judged again here.
var conditionalRequests = Scenario{
	Name:   "conditional-requests",
	Areas:  []string{"etag"},
	Checks: withCommon(),
	Run: func(s *S) {
		u, post := s.CreateUser(s.NewUser())
		s.JudgeResource(post, "User")
		get := s.Get("User", u.ID, nil)
		v1 := assertions.VersionOf(get)
		if !s.Env.SP.ETag {
			if !s.judgeUnadvertisedETags(get) {
				return
			}
			v1 = get.Header("ETag")
		}
		if v1 == "" {
			// No version to send: the checks that need the current one are
			// etag-header-present's consequences; a stale If-Match can still
			// be judged with a version the server never issued.
			s.Judge("etag-header-present", assertions.ETagPresent(get), get)
			why := "the server advertises etag.supported but gave no version for user " + u.ID + ", so there is no current version to send"
			for _, id := range []string{"etag-if-none-match-304", "etag-if-match-current-succeeds", "etag-changes-on-update"} {
				s.Unjudged(id, "etag-header-present", why)
			}
			conditionalStale(s, u, get, neverIssued, "etag-header-present")
			staleIfNoneMatch(s, u.ID, get, neverIssued)
			return
		}

		nm := s.Get("User", u.ID, http.Header{"If-None-Match": {v1}})
		s.Judge("etag-if-none-match-304", assertions.NotModified(nm), get, nm)

		// An update with the current version goes through.
		u.DisplayName += " v2"
		put := s.Write(http.MethodPut, "User", u.ID, withID(s.UserResource(u), u.ID), http.Header{"If-Match": {v1}})
		s.Judge("etag-if-match-current-succeeds", assertions.Succeeded(put), get, put) // the 200 is replace-200's
		s.judgeWrite(put, "User")
		now := s.Get("User", u.ID, nil)
		s.Judge("etag-changes-on-update", assertions.VersionChanged(get, now), get, put, now)
		stale := v1 // after the update, unless the version did not move
		if assertions.VersionOf(now) == v1 {
			stale = neverIssued
		}
		staleIfNoneMatch(s, u.ID, now, stale)
		if assertions.VersionOf(now) == v1 {
			s.StopBecause("etag-changes-on-update", "the version did not change after an update, so a stale If-Match cannot be made")
		}
		conditionalStale(s, u, now, v1, "")
	},
}

// neverIssued is an entity tag no server issued: it matches no version.
const neverIssued = `W/"scimloop-never-issued"`

// staleIfNoneMatch sends a GET whose If-None-Match names tag, a version the
// resource no longer has (or never had): like a cache holding an old copy,
// it must get the resource, not 304.
func staleIfNoneMatch(s *S, id string, now *fakeidp.Exchange, tag string) {
	snm := s.Get("User", id, http.Header{"If-None-Match": {tag}})
	s.Judge("etag-stale-if-none-match-200", assertions.Status(snm, 200), now, snm)
}

// conditionalStale sends a PUT and a DELETE with the stale version v, which
// must not win against the current state now; a failure is a consequence
// of cause, when that failed.
func conditionalStale(s *S, u fakeidp.User, now *fakeidp.Exchange, v, cause string) {
	u.DisplayName += " v3"
	stale := s.Write(http.MethodPut, "User", u.ID, withID(s.UserResource(u), u.ID), http.Header{"If-Match": {v}})
	after := s.Get("User", u.ID, nil)
	s.JudgeCausedBy("etag-stale-if-match-rejected", cause, assertions.StaleIfMatchRejected(stale, now, after), now, stale, after)
	s.JudgeCausedBy("etag-stale-if-match-412", cause, assertions.Status(stale, 412), stale)
	s.JudgeError(stale)

	delStale := s.Write(http.MethodDelete, "User", u.ID, nil, http.Header{"If-Match": {v}})
	still := s.Get("User", u.ID, nil)
	s.JudgeCausedBy("etag-stale-if-match-delete", cause, assertions.StaleDeleteRejected(delStale, still, u.ID), delStale, still)
	s.JudgeCausedBy("etag-stale-if-match-412", cause, assertions.Status(delStale, 412), delStale)
	s.JudgeError(delStale)
}

// judgeUnadvertisedETags handles a server whose ServiceProviderConfig says
// etag.supported false: with no ETag header there is nothing to judge and it
// reports false; with one, the If-Match checks are judged after all, as RFC
// 7232 §3.1 asks of any origin server whatever its advertisement.
func (s *S) judgeUnadvertisedETags(get *fakeidp.Exchange) bool {
	if get.Header("ETag") == "" {
		return false
	}
	for _, id := range ifMatchChecks {
		if o := s.outcome(id); o.Status == reports.StatusSkip {
			o.Status, o.Reason = "", ""
		}
	}
	return true
}
