package scenarios

import (
	"net/http"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

var userLifecycle = Scenario{
	Name:   "user-lifecycle",
	Areas:  []string{"lifecycle", "resource"},
	Checks: withCommon("etag-changes-on-update"),
	Run: func(s *S) {
		u := s.NewUser()
		post := s.Post("User", fakeidp.UserResource(u, s.Env.SP.Enterprise), u.UserName)
		s.Judge("create-201", assertions.Created(post), post)
		if safety.OK(post) {
			s.Judge("create-returns-resource", assertions.CreateReturnsResource(post), post)
			s.Judge("create-location", assertions.LocationMatchesMeta(post), post)
			s.JudgeResource(post, "User")
		}
		u.ID = s.requireCreated(post, "user "+quote(u.UserName))
		s.Dir.PutUser(u, safety.MetaOf(post))
		created, _ := s.Times(post)

		get := s.Get("User", u.ID, nil)
		s.Judge("get-200", assertions.GetOK(get, u.ID), get)
		s.JudgeResource(get, "User")
		first, okFirst := s.Times(get)

		// Duplicates: the same userName, then one differing only in case,
		// each with e-mails and externalId of its own, so that only the
		// userName can conflict.
		dup := s.refreshed(u)
		ex := s.Probe("User", s.UserResource(dup), dup.UserName+"#dup")
		s.Judge("username-unique", assertions.Conflict(ex), ex)
		s.JudgeError(ex)
		dup = s.refreshed(u)
		dup.UserName = strings.ToUpper(u.UserName)
		ex = s.Probe("User", s.UserResource(dup), dup.UserName+"#dup")
		s.Judge("username-unique-case-insensitive", assertions.Conflict(ex), ex)
		s.JudgeError(ex)
		s.judgePrecis()

		// A real change, more than a second later, so lastModified must move.
		s.Sleep(1100 * time.Millisecond)
		u.DisplayName += " (renamed)"
		u.Name.GivenName = "Renamed"
		put := s.Write(http.MethodPut, "User", u.ID, withID(fakeidp.UserResource(u, s.Env.SP.Enterprise), u.ID), nil)
		s.Judge("replace-200", assertions.Status(put, 200), put)
		if put.Status == http.StatusOK {
			s.JudgeResource(put, "User")
			s.Dir.PutUser(u, safety.MetaOf(put))
		} else {
			s.JudgeError(put)
		}
		// A refused PUT changed nothing: what a read-back then misses is that
		// refusal seen again, not a failure of its own.
		cause := ""
		if !safety.OK(put) {
			cause = "replace-200"
		}
		back := s.Get("User", u.ID, nil)
		s.JudgeCausedBy("update-read-back", cause, assertions.AttrEquals(back, "displayName", u.DisplayName), put, back)
		s.JudgeCausedBy("update-read-back", cause, assertions.AttrEquals(back, "name.givenName", "Renamed"), put, back)
		s.JudgeCausedBy("etag-changes-on-update", cause, assertions.VersionChanged(get, back), get, put, back)
		if later, ok := s.Times(back); ok && okFirst {
			s.Judge("meta-created-stable", assertions.CreatedStable(created, later), post, back)
			s.Judge("meta-lastmodified-monotonic", assertions.LastModifiedMonotonic(first, later), get, back)
			if judged, err := assertions.LastModifiedAdvanced(first, later); judged {
				s.JudgeCausedBy("meta-lastmodified-advances", cause, err, get, put, back)
			}
		}

		missing := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/Users/" + unknownID})
		s.Judge("get-unknown-404", assertions.NotFound(missing), missing)
		s.JudgeError(missing)

		del := s.Write(http.MethodDelete, "User", u.ID, nil, nil)
		s.Judge("delete-204", assertions.Status(del, 204), del)
		s.JudgeError(del)
		if del.Status >= 300 {
			s.StopBecause("delete-204", "deleting user %s answered %d", u.ID, del.Status)
		}
		s.Dir.DeleteUser(u.ID)
		after := s.Get("User", u.ID, nil)
		s.Judge("delete-then-404", assertions.NotFound(after), del, after)
		s.JudgeError(after)
		if s.Env.SP.Filter {
			list := s.Filter("User", `userName eq "`+u.UserName+`"`)
			s.Judge("delete-not-listed", assertions.NotListed(list, u.ID), del, list)
		}
	},
}

// judgePrecis creates a user whose userName ends in "José" (NFC), then tries
// the same name in NFD and in full width: after PRECIS preparation (RFC 7644
// §7.8) each is that same userName, so a create conflicts and a filter finds
// the first user.
func (s *S) judgePrecis() {
	u := s.NewUser()
	u.UserName += "-jos\u00e9"
	post := s.Probe("User", fakeidp.UserResource(u, s.Env.SP.Enterprise), u.UserName)
	if !safety.OK(post) {
		s.Skip("username-precis", "the server refused a userName with a non-ASCII letter (answered "+itoa(post.Status)+"), so there is no name to prepare")
		return
	}
	id := fakeidp.Get(post.RespBody, "id").String()
	base := strings.TrimSuffix(u.UserName, "jos\u00e9")
	for _, variant := range []string{base + "jose\u0301", base + "ＪＯＳ\u00c9"} {
		dup := s.refreshed(u)
		dup.UserName = variant
		ex := s.Probe("User", s.UserResource(dup), variant+"#dup")
		s.Judge("username-precis", assertions.Conflict(ex), post, ex)
		s.JudgeError(ex)
		if s.Env.SP.Filter {
			list := s.Filter("User", "userName eq "+quote(variant))
			s.Judge("username-precis", assertions.IDsEqual(list, []string{id}), post, list)
		}
	}
}

// unknownID is an id no server issued to this run.
const unknownID = "scimloop-00000000-0000-4000-8000-000000000000"

// withID adds the id to a PUT body, as IdPs do.
func withID(body map[string]any, id string) map[string]any {
	body["id"] = id
	return body
}
