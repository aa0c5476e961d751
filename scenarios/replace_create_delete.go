package scenarios

import (
	"net/http"
	"slices"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

var replaceAndDelete = Scenario{
	Name:   "replace-create-delete",
	Areas:  []string{"put"},
	Checks: withCommon("create-201", "delete-204", "etag-changes-on-update", "meta-created-stable"),
	Run: func(s *S) {
		u, get := replacePlainCreate(s)
		replaceCreateWithNulls(s)
		g, _ := s.CreateGroup(s.NewGroup(u.ID))
		u = replacePut(s, u, get)
		replaceNullClears(s, u)
		replaceReadOnly(s, u, g)
		replaceOmitted(s, u)
		v := replaceConflicts(s, u)
		replaceGroupMembers(s, g, v)
		replaceActiveToggles(s, v)
		deleteGroupLeavesUser(s, g, v)
		deleteUserFreesName(s, u, []string{u.ID, v.ID})
	},
}

// replacePlainCreate creates the scenario's main user, a plain schema-shaped
// one, and judges the create against a read of it. Every later step reads
// this user, so a refused create stops the scenario with create-201 as the
// cause.
func replacePlainCreate(s *S) (fakeidp.User, *fakeidp.Exchange) {
	u := s.NewUser()
	u.Title = "Original"
	post := s.Post("User", s.UserResource(u), u.UserName)
	s.Judge("create-201", assertions.Created(post), post)
	u.ID = s.requireCreated(post, "user "+quote(u.UserName))
	s.JudgeResource(post, "User")
	get := s.Get("User", u.ID, nil)
	s.judgeAnswer(get, "User")
	s.Judge("get-id-exact", assertions.GetOK(get, u.ID), get)
	// A read that failed leaves nothing to compare: what the checks below
	// miss in it is get-id-exact's failure seen again.
	for _, p := range []string{"id", "userName", "externalId", "displayName", "title", "active", "name", "emails", "meta.created", "meta.location"} {
		s.JudgeCausedBy("create-matches-get", "get-id-exact", assertions.Same(post, get, p), post, get)
	}
	if cl := get.Header("Content-Location"); cl != "" {
		s.Judge("get-content-location", assertions.AttrIs(get, "meta.location", cl), get)
	} else {
		s.Skip("get-content-location", "the server sends no Content-Location header on GET, so there is nothing to compare with meta.location")
	}
	for _, p := range []string{"id", "userName", "schemas", "meta"} {
		s.JudgeCausedBy("get-default-attributes", "get-id-exact", assertions.AttrPresent(get, p), get)
	}
	s.JudgeCausedBy("get-default-attributes", "get-id-exact", assertions.NoPassword(get), get)
	return u, get
}

// replaceCreateWithNulls is a probe with its own user: a create carrying
// nulls and empty arrays, as Entra's samples send. Only create-nulls-accepted
// judges it, so a refusal leaves the rest of the scenario untouched.
func replaceCreateWithNulls(s *S) {
	u := s.NewUser()
	body := s.UserResource(u)
	var nulled []string // the cleared attributes the server declares, so may be sent
	for name, v := range map[string]any{"nickName": nil, "phoneNumbers": []any{}, "addresses": nil} {
		if s.withDeclared(body, name, v) {
			nulled = append(nulled, name)
		}
	}
	slices.Sort(nulled)
	post := s.Probe("User", body, u.UserName)
	s.Judge("create-nulls-accepted", assertions.CreateAccepted(post), post)
	s.judgeAnswer(post, "User")
	id := fakeidp.Get(post.RespBody, "id").String()
	if !safety.OK(post) || id == "" || !s.Env.Tracker.Owns("User", id) {
		return
	}
	get := s.Get("User", id, nil)
	for _, p := range nulled {
		s.Judge("create-nulls-accepted", assertions.AttrAbsent(get, p), post, get)
	}
}

// replacePut sends back the user as read with changed readWrite values (a
// plain PUT, no nulls, no readOnly data) and judges that they replace the
// old ones, that the version moves and meta.created stays. It returns the user as it now is.
func replacePut(s *S, u fakeidp.User, get *fakeidp.Exchange) fakeidp.User {
	u.Name.GivenName, u.Title = "Replaced", "Changed"
	u.Emails = []fakeidp.Email{{Value: s.freshEmail("replaced"), Type: "work", Primary: true}}
	put := withID(s.UserResource(u), u.ID)
	pex := s.Write(http.MethodPut, "User", u.ID, put, nil)
	s.Judge("put-replaces-values", assertions.Succeeded(pex), pex) // the 200 is replace-200's
	s.judgeAnswer(pex, "User")
	after := s.Get("User", u.ID, nil)
	s.Judge("put-replaces-values", assertions.AttrIs(after, "name.givenName", "Replaced"), pex, after)
	s.Judge("put-replaces-values", assertions.AttrIs(after, "title", "Changed"), pex, after)
	s.Judge("put-replaces-values", assertions.AttrIs(after, "emails.0.value", u.Emails[0].Value), pex, after)
	// What a PUT does to meta is judged by the checks that own each rule
	// (they judge user-lifecycle's PUT too): one bug there is one failure.
	if safety.OK(pex) {
		if before, ok := s.Times(get); ok {
			if now, ok := s.Times(after); ok {
				s.Judge("meta-created-stable", assertions.CreatedStable(before, now), get, pex, after)
			}
		}
		if assertions.VersionOf(get) != "" {
			s.Judge("etag-changes-on-update", assertions.VersionChanged(get, after), get, pex, after)
		}
	}
	return u
}

// replaceNullClears is a probe: a PUT that sets nickName and phoneNumbers,
// then one that clears them with null and [].
func replaceNullClears(s *S, u fakeidp.User) {
	if !s.declares("put-null-clears", "nickName", "phoneNumbers") {
		return
	}
	set := withID(fakeidp.UserResource(u, s.Env.SP.Enterprise), u.ID)
	set["nickName"] = "Nick"
	set["phoneNumbers"] = []any{map[string]any{"value": "+1 555 0100", "type": "work"}}
	sex := s.Write(http.MethodPut, "User", u.ID, set, nil)
	s.judgeAnswer(sex, "User")
	if !safety.OK(sex) {
		s.Unjudged("put-null-clears", "", "setting nickName and phoneNumbers with PUT answered "+itoa(sex.Status)+", so there is nothing to clear")
		return
	}
	clear := withID(fakeidp.UserResource(u, s.Env.SP.Enterprise), u.ID)
	clear["nickName"], clear["phoneNumbers"] = nil, []any{}
	cex := s.Write(http.MethodPut, "User", u.ID, clear, nil)
	s.Judge("put-null-clears", assertions.Succeeded(cex), cex)
	s.judgeAnswer(cex, "User")
	after := s.Get("User", u.ID, nil)
	s.Judge("put-null-clears", assertions.AttrAbsent(after, "nickName"), cex, after)
	s.Judge("put-null-clears", assertions.AttrAbsent(after, "phoneNumbers"), cex, after)
}

// replaceReadOnly is a probe: the user sent back with readOnly data (id,
// meta, and groups:[] as Okta sends it when the schema declares groups).
// The PUT must succeed, keep meta.created and keep the memberships.
func replaceReadOnly(s *S, u fakeidp.User, g fakeidp.Group) {
	before := s.Get("User", u.ID, nil)
	put := withID(fakeidp.UserResource(u, s.Env.SP.Enterprise), u.ID)
	put["meta"] = map[string]any{"resourceType": "User", "created": "2000-01-01T00:00:00Z"}
	groups := s.Env.SP.Declares("User", "groups")
	if groups {
		put["groups"] = []any{}
	} else {
		s.Skip("put-groups-kept", "the server's User schema does not declare groups")
	}
	pex := s.Write(http.MethodPut, "User", u.ID, put, nil)
	s.Judge("put-readonly-ignored", assertions.Succeeded(pex), pex)
	s.judgeAnswer(pex, "User")
	after := s.Get("User", u.ID, nil)
	s.Judge("put-readonly-ignored", assertions.Same(before, after, "meta.created"), before, pex, after)
	if groups {
		gget := s.Get("Group", g.ID, nil)
		s.Judge("put-groups-kept", assertions.MembersEqual(gget, []string{u.ID}), pex, gget)
	}
}

// replaceOmitted sends a PUT without title: cleared or defaulted is fine;
// kept is recorded.
func replaceOmitted(s *S, u fakeidp.User) {
	omit := s.UserResource(u)
	delete(omit, "title")
	oex := s.Write(http.MethodPut, "User", u.ID, withID(omit, u.ID), nil)
	oafter := s.Get("User", u.ID, nil)
	s.Judge("put-omitted-cleared", assertions.Expect(oafter, !safety.OK(oex) || fakeidp.Get(oafter.RespBody, "title").String() != "Changed",
		"title \"Changed\" kept after a PUT without title", "title cleared or defaulted"), oex, oafter)
}

// replaceConflicts sends a PUT naming another id, and a rename onto another
// user's userName. It returns that other user.
func replaceConflicts(s *S, u fakeidp.User) fakeidp.User {
	v, _ := s.CreateUser(s.NewUser())
	mis := withID(s.UserResource(u), v.ID)
	mex := s.Write(http.MethodPut, "User", u.ID, mis, nil)
	vget := s.Get("User", v.ID, nil)
	uget := s.Get("User", u.ID, nil)
	s.Judge("put-id-mismatch", assertions.AttrIs(vget, "userName", v.UserName), mex, vget)
	s.Judge("put-id-mismatch", assertions.GetOK(uget, u.ID), mex, uget)
	coll := withID(s.UserResource(v), v.ID)
	coll["userName"] = u.UserName
	cex := s.Write(http.MethodPut, "User", v.ID, coll, nil)
	vafter := s.Get("User", v.ID, nil)
	s.Judge("put-username-collision", assertions.Rejected(cex, []int{409, 400}), cex)
	s.Judge("put-username-collision", assertions.AttrIs(vafter, "userName", v.UserName), cex, vafter)
	s.JudgeError(cex)
	return v
}

// replaceGroupMembers judges that a PUT of a group replaces its members.
func replaceGroupMembers(s *S, g fakeidp.Group, v fakeidp.User) {
	gput := fakeidp.GroupResource(fakeidp.Group{DisplayName: g.DisplayName, ExternalID: g.ExternalID, Members: []string{v.ID}})
	gput["id"] = g.ID
	gex := s.Write(http.MethodPut, "Group", g.ID, gput, nil)
	s.Judge("put-group-members", assertions.Succeeded(gex), gex)
	s.judgeAnswer(gex, "Group")
	gafter := s.Get("Group", g.ID, nil)
	s.Judge("put-group-members", assertions.MembersEqual(gafter, []string{v.ID}), gex, gafter)
}

// replaceActiveToggles sets active false, then true.
func replaceActiveToggles(s *S, v fakeidp.User) {
	if s.Env.SP.Patch {
		for _, want := range []bool{false, true} {
			aex := s.Patch("User", v.ID, fakeidp.PatchOp{Op: "replace", Path: "active", Value: want})
			s.judgeAnswer(aex, "User")
			aget := s.Get("User", v.ID, nil)
			s.Judge("user-active-toggles", assertions.AttrIs(aget, "active", want), aex, aget)
			if !want && s.Env.SP.Filter {
				f := s.Filter("User", `userName eq "`+v.UserName+`"`)
				s.Judge("user-active-toggles", assertions.IDsEqual(f, []string{v.ID}), aex, f)
			}
		}
	}
}

// deleteGroupLeavesUser judges that deleting a group takes it out of its
// users' groups.
func deleteGroupLeavesUser(s *S, g fakeidp.Group, v fakeidp.User) {
	dg := s.Write(http.MethodDelete, "Group", g.ID, nil, nil)
	s.Judge("delete-204", assertions.Status(dg, 204), dg)
	vg := s.Get("User", v.ID, nil)
	s.Judge("delete-group-leaves-user", assertions.UserGroupsInclude(vg, g.ID, false), dg, vg)
}

// deleteUserFreesName deletes a user: writes answer 404, the userName is
// free, a new id is issued (never one of seen).
func deleteUserFreesName(s *S, u fakeidp.User, seen []string) {
	del := s.Write(http.MethodDelete, "User", u.ID, nil, nil)
	s.Judge("delete-204", assertions.Status(del, 204), del)
	if del.Status >= 300 {
		s.JudgeError(del)
		s.StopBecause("delete-204", "deleting user %s answered %d", u.ID, del.Status)
	}
	writes := []*fakeidp.Exchange{s.Do(fakeidp.Request{Method: http.MethodPut, Path: userPath(u.ID), Body: fakeidp.MustJSON(withID(s.UserResource(u), u.ID))})}
	if s.Env.SP.Patch { // without PATCH support, 501 may come before the lookup
		writes = append(writes, s.Do(fakeidp.Request{Method: http.MethodPatch, Path: userPath(u.ID), Body: fakeidp.MustJSON(fakeidp.PatchBody(fakeidp.PatchOp{Op: "replace", Path: "title", Value: "ghost"}))}))
	}
	writes = append(writes, s.Do(fakeidp.Request{Method: http.MethodDelete, Path: userPath(u.ID)}))
	for _, ex := range writes {
		s.Judge("delete-writes-404", assertions.Status(ex, 404), del, ex)
		s.JudgeError(ex)
	}
	// The same userName, but fresh e-mails and externalId: a server may keep
	// those reserved after a delete (Table 9), and this check is about userName.
	again := s.Probe("User", s.UserResource(s.refreshed(u)), u.UserName+"#again")
	s.Judge("delete-username-reusable", assertions.CreateAccepted(again), del, again)
	s.JudgeError(again)
	if safety.OK(again) {
		nid := fakeidp.Get(again.RespBody, "id").String()
		s.Judge("delete-id-not-reused", assertions.Expect(again, nid != "" && !slices.Contains(seen, nid), "id "+nid, "an id never seen before in this run"), del, again)
	}
}
