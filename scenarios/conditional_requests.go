package scenarios

import (
	"net/http"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

var conditionalRequests = Scenario{
	Name:  "conditional-requests",
	Needs: fakeidp.CapETag,
	Checks: withCommon("etag-if-none-match-304", "etag-if-match-current-succeeds", "etag-stale-if-match-rejected",
		"etag-stale-if-match-412", "etag-stale-if-match-delete", "etag-changes-on-update"),
	Run: func(s *S) {
		u, post := s.CreateUser(s.NewUser())
		s.JudgeResource(post, "User")
		get := s.Get("User", u.ID, nil)
		v1 := assertions.VersionOf(get)
		if v1 == "" {
			s.Judge("etag-header-present", assertions.ETagPresent(get), get)
			s.StopBecause("etag-header-present", "the server advertises etag.supported but gave no version for user %s", u.ID)
		}

		nm := s.Get("User", u.ID, http.Header{"If-None-Match": {v1}})
		s.Judge("etag-if-none-match-304", assertions.NotModified(nm), get, nm)

		// An update with the current version goes through.
		u.DisplayName += " v2"
		put := s.Write(http.MethodPut, "User", u.ID, withID(fakeidp.UserResource(u, s.Env.SP.Enterprise), u.ID), http.Header{"If-Match": {v1}})
		s.Judge("etag-if-match-current-succeeds", assertions.Status(put, 200), get, put)
		s.judgeWrite(put, "User")
		now := s.Get("User", u.ID, nil)
		s.Judge("etag-changes-on-update", assertions.VersionChanged(get, now), get, put, now)
		if assertions.VersionOf(now) == v1 {
			s.StopBecause("etag-changes-on-update", "the version did not change after an update, so a stale If-Match cannot be made")
		}

		// The same stale version again must not win.
		u.DisplayName += " v3"
		stale := s.Write(http.MethodPut, "User", u.ID, withID(fakeidp.UserResource(u, s.Env.SP.Enterprise), u.ID), http.Header{"If-Match": {v1}})
		after := s.Get("User", u.ID, nil)
		s.Judge("etag-stale-if-match-rejected", assertions.StaleIfMatchRejected(stale, now, after), now, stale, after)
		s.Judge("etag-stale-if-match-412", assertions.Status(stale, 412), stale)
		s.JudgeError(stale)

		delStale := s.Write(http.MethodDelete, "User", u.ID, nil, http.Header{"If-Match": {v1}})
		still := s.Get("User", u.ID, nil)
		s.Judge("etag-stale-if-match-delete", assertions.StaleDeleteRejected(delStale, still, u.ID), delStale, still)
		s.Judge("etag-stale-if-match-412", assertions.Status(delStale, 412), delStale)
		s.JudgeError(delStale)
	},
}
