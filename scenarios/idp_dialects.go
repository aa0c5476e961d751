package scenarios

import (
	"net/http"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// idpDialects replays one provisioning cycle the way the selected IdP
// sends it (see fakeidp.Dialect): match, create, update, deactivate,
// reactivate, group create, member add, member change, rename, delete.
// With --dialect all it runs the cycle in every dialect and judges that the
// same logical changes converge to the same final state.
var idpDialects = Scenario{
	Name:   "idp-dialects",
	Needs:  fakeidp.CapPatch,
	Areas:  []string{"dialect"},
	Checks: withCommon(listChecks...),
	Run: func(s *S) {
		dialects := []string{s.Dialect().Name}
		if s.Env.Dialect == fakeidp.DialectAll {
			dialects = fakeidp.Dialects()
		}
		skipDialectChecks(s, dialects)
		states := map[string]any{}
		for _, name := range dialects {
			d, _ := fakeidp.ParseDialect(name)
			states[name] = s.cycle(d)
		}
		if len(dialects) >= 2 {
			s.JudgeCausedBy("idp-dialect-convergence", s.firstFailed(cycleChecks), assertions.Converged(states, dialects))
		}
	},
}

// skipDialectChecks skips, before the cycles run, the checks that no
// selected dialect exercises: a stop later on must not report them as
// unjudged.
func skipDialectChecks(s *S, dialects []string) {
	if len(dialects) < 2 {
		s.Skip("idp-dialect-convergence", "judged with --dialect all, which runs every dialect")
	}
	if !slices.Contains(dialects, fakeidp.DialectEntraLegacy) {
		for _, id := range []string{"idp-patch-op-case", "idp-string-booleans"} {
			s.Skip(id, "the entra-legacy dialect sends these forms; judged with --dialect entra-legacy or all")
		}
	}
	if !slices.Contains(dialects, fakeidp.DialectEntra) {
		s.Skip("idp-dotted-pathless", "the entra dialect sends this form; judged with --dialect entra or all")
	}
	if !slices.Contains(dialects, fakeidp.DialectOkta) {
		s.Skip("idp-members-one-patch", "the okta dialect sends this form; judged with --dialect okta or all")
	}
	if len(dialects) == 1 && dialects[0] == fakeidp.DialectOkta {
		s.Skip("idp-member-remove", "the okta dialect removes members together with adds (idp-members-one-patch)")
	}
}

// cycleChecks are the checks of one cycle's steps: a cycle whose step failed
// ends in another state, so a convergence failure is their consequence.
var cycleChecks = []string{"idp-update-applied", "idp-patch-op-case", "idp-string-booleans", "idp-deactivate", "idp-reactivate",
	"idp-member-add", "idp-member-remove", "idp-members-one-patch", "idp-group-rename", "idp-dotted-pathless"}

// firstFailed is the first of ids that has failed in this scenario, or "".
func (s *S) firstFailed(ids []string) string {
	for _, id := range ids {
		if !s.Passed(id) {
			return id
		}
	}
	return ""
}

// cycleState is the dialect-independent final state of one cycle.
type cycleState struct {
	Users []cycleUser
	Group string   // displayName without the dialect's tag
	Roles []string // the members, by role
}

type cycleUser struct {
	Role, DisplayName, FamilyName string
	Active                        bool
}

// cycle runs the provisioning cycle in dialect d and returns its final state.
func (s *S) cycle(d fakeidp.Dialect) cycleState {
	c := &idpCycle{s: s, d: d, tag: s.Env.Names.Next("idp-" + d.Name), legacy: d.Name == fakeidp.DialectEntraLegacy,
		users: map[string]fakeidp.User{}}
	c.createUsers()
	c.updateUser()
	c.toggleActive()
	gid, gr := c.group()
	return c.finalState(gid, gr)
}

// cycleRoles are the users of a cycle, by role.
var cycleRoles = []string{"u1", "u2", "u3"}

// idpCycle is one provisioning cycle in one dialect.
type idpCycle struct {
	s      *S
	d      fakeidp.Dialect
	tag    string // the cycle's own name prefix
	legacy bool   // the legacy Entra dialect: capitalised ops, string booleans
	users  map[string]fakeidp.User
}

// judgeLegacyOp judges, in the legacy dialect, that an operation with a
// capitalised op succeeded.
func (c *idpCycle) judgeLegacyOp(ex *fakeidp.Exchange) {
	c.judgeLegacyOpAfter(ex, "")
}

// judgeLegacyOpAfter is [idpCycle.judgeLegacyOp] on an exchange another
// check owns: a failure there is that check's consequence.
func (c *idpCycle) judgeLegacyOpAfter(ex *fakeidp.Exchange, cause string) {
	if c.legacy {
		c.s.JudgeCausedBy("idp-patch-op-case", cause, assertions.Succeeded(ex), ex)
	}
}

// judgeActive judges a (de)activation and its read-back. In the legacy
// dialect the PATCH carries a string boolean, and idp-string-booleans owns
// that exchange: the other checks that read it fail as its consequences
// (and it as one of idp-patch-op-case, when capitalised ops already failed).
func (c *idpCycle) judgeActive(id string, ex, get *fakeidp.Exchange, want bool) {
	s, cause := c.s, ""
	if c.legacy {
		cause = "idp-string-booleans"
		s.JudgeCausedBy(cause, "idp-patch-op-case", assertions.Succeeded(ex), ex)
		s.JudgeCausedBy(cause, "idp-patch-op-case", assertions.AttrIs(get, "active", want), ex, get)
		c.judgeLegacyOpAfter(ex, cause)
	}
	s.JudgeCausedBy(id, cause, assertions.Succeeded(ex), ex)
	s.JudgeCausedBy(id, cause, assertions.AttrIs(get, "active", want), ex, get)
}

// match looks u up as the dialect's IdP does before it creates.
func (c *idpCycle) match(u fakeidp.User) *fakeidp.Exchange {
	ex := c.s.Query("User", c.d.Query(q("filter", c.d.MatchFilter(u))))
	c.s.JudgeList(ex)
	return ex
}

// createUsers matches and then creates each role's user.
func (c *idpCycle) createUsers() {
	s, tag, users := c.s, c.tag, c.users
	for _, role := range cycleRoles {
		u := s.NewUser()
		u.UserName = tag + "-" + role
		u.ExternalID = "ext-" + tag + "-" + role
		u.DisplayName = "Cycle " + role
		u.Name = fakeidp.Name{GivenName: "Cycle", FamilyName: "Family " + role}
		before := c.match(u)
		s.Judge("idp-test-connection", assertions.EmptyList(before), before)
		u, _ = s.CreateUser(u)
		after := c.match(u)
		s.Judge("idp-match-then-create", assertions.IDsEqual(after, []string{u.ID}), before, after)
		users[role] = u
	}
}

// updateUser gives u1 a new displayName and familyName.
func (c *idpCycle) updateUser() {
	s, d, users := c.s, c.d, c.users
	u1 := users["u1"]
	u1.DisplayName, u1.Name.FamilyName = "Cycle u1 updated", "Updated"
	var upd *fakeidp.Exchange
	if d.UpdatesWithPUT() {
		s.Get("User", u1.ID, nil) // Okta reads before it writes
		upd = s.Write(http.MethodPut, "User", u1.ID, d.PutUserBody(u1, s.Env.SP.Enterprise), nil)
	} else {
		upd = s.Patch("User", u1.ID, d.SetAttributes(map[string]any{"displayName": u1.DisplayName, "name.familyName": u1.Name.FamilyName})...)
		c.judgeLegacyOp(upd)
	}
	s.judgeAnswer(upd, "User")
	g1 := s.Get("User", u1.ID, nil)
	s.Judge("idp-update-applied", assertions.Succeeded(upd), upd)
	s.Judge("idp-update-applied", assertions.AttrIs(g1, "displayName", u1.DisplayName), upd, g1)
	s.Judge("idp-update-applied", assertions.AttrIs(g1, "name.familyName", "Updated"), upd, g1)
	if d.Name == fakeidp.DialectEntra {
		s.Judge("idp-dotted-pathless", assertions.AttrIs(g1, "name.familyName", "Updated"), upd, g1)
		s.Judge("idp-dotted-pathless", assertions.Expect(g1, !fakeidp.Get(g1.RespBody, "name.familyName").Exists() || fakeidp.Get(g1.RespBody, "name", "familyName").Exists(),
			"a literal \"name.familyName\" key", "the value stored under name.familyName"), upd, g1)
	}
	users["u1"] = u1
}

// toggleActive deactivates u2, and checks it stays readable and findable;
// it reactivates u3 after deactivating it.
func (c *idpCycle) toggleActive() {
	s, d, users := c.s, c.d, c.users
	for _, role := range []string{"u2", "u3"} {
		u := users[role]
		off := s.setActive(d, u, false)
		g := s.Get("User", u.ID, nil)
		c.judgeActive("idp-deactivate", off, g, false)
		if s.Env.SP.Filter {
			f := c.match(u)
			s.Judge("idp-deactivate", assertions.IDsEqual(f, []string{u.ID}), off, f)
		}
		u.Active = false
		users[role] = u
	}
	u3 := users["u3"]
	on := s.setActive(d, u3, true)
	g3 := s.Get("User", u3.ID, nil)
	c.judgeActive("idp-reactivate", on, g3, true)
	u3.Active = true
	users["u3"] = u3
}

// group creates a group empty, adds two members, swaps one for another and
// renames it. It returns the group's id and its last read.
func (c *idpCycle) group() (string, *fakeidp.Exchange) {
	s, d, tag, users := c.s, c.d, c.tag, c.users
	gname := tag + "-group"
	gbody := map[string]any{"schemas": []any{fakeidp.SchemaGroup}, "displayName": gname, "externalId": "ext-" + gname}
	if d.Name == fakeidp.DialectOkta {
		gbody["members"] = []any{}
	}
	gpost := s.Post("Group", gbody, gname)
	gid := s.requireCreated(gpost, "group "+quote(gname)+" in dialect "+d.Name)
	add := s.Patch("Group", gid, d.AddMembers(users["u1"].ID, users["u2"].ID))
	c.judgeLegacyOp(add)
	s.judgeAnswer(add, "Group")
	gg := s.Get("Group", gid, nil)
	s.Judge("idp-member-add", assertions.Succeeded(add), add)
	s.Judge("idp-member-add", assertions.MembersEqual(gg, []string{users["u1"].ID, users["u2"].ID}), add, gg)

	changes := d.ChangeMembers([]string{users["u1"].ID}, []string{users["u3"].ID})
	for i, ops := range changes {
		ex := s.Patch("Group", gid, ops...)
		c.judgeLegacyOp(ex)
		s.judgeAnswer(ex, "Group")
		if len(changes) > 1 && i == 0 {
			mid := s.Get("Group", gid, nil)
			s.Judge("idp-member-remove", assertions.Succeeded(ex), ex)
			s.Judge("idp-member-remove", assertions.MembersEqual(mid, []string{users["u2"].ID}), ex, mid)
		}
	}
	gg = s.Get("Group", gid, nil)
	want := []string{users["u2"].ID, users["u3"].ID}
	if d.Name == fakeidp.DialectOkta {
		s.Judge("idp-members-one-patch", assertions.MembersEqual(gg, want), gg)
	} else {
		s.Judge("idp-member-add", assertions.MembersEqual(gg, want), gg)
	}

	ren := s.Patch("Group", gid, d.RenameGroup(gid, gname+"-renamed"))
	c.judgeLegacyOp(ren)
	s.judgeAnswer(ren, "Group")
	gr := s.Get("Group", gid, nil)
	s.Judge("idp-group-rename", assertions.Succeeded(ren), ren)
	s.Judge("idp-group-rename", assertions.AttrIs(gr, "displayName", gname+"-renamed"), ren, gr)
	s.Judge("idp-group-rename", assertions.AttrIs(gr, "id", gid), ren, gr)
	s.Judge("idp-group-rename", assertions.MembersEqual(gr, want), ren, gr)
	return gid, gr
}

// finalState reads the cycle's final state, without the dialect's tag and
// the server's ids, and deletes the group.
func (c *idpCycle) finalState(gid string, gr *fakeidp.Exchange) cycleState {
	s, tag, users := c.s, c.tag, c.users
	st := cycleState{Group: strings.TrimPrefix(fakeidp.Get(gr.RespBody, "displayName").String(), tag)}
	byID := map[string]string{}
	for _, role := range cycleRoles {
		byID[users[role].ID] = role
		g := s.Get("User", users[role].ID, nil)
		st.Users = append(st.Users, cycleUser{Role: role, DisplayName: fakeidp.Get(g.RespBody, "displayName").String(),
			FamilyName: fakeidp.Get(g.RespBody, "name", "familyName").String(), Active: fakeidp.Get(g.RespBody, "active").Bool()})
	}
	for _, m := range assertions.MemberIDs(gr.RespBody) {
		st.Roles = append(st.Roles, byID[m])
	}
	slices.Sort(st.Roles)

	del := s.Write(http.MethodDelete, "Group", gid, nil, nil)
	s.Judge("idp-group-delete", assertions.Status(del, 204), del)
	s.JudgeError(del)
	return st
}

// setActive sends the dialect's (de)activation: a PATCH, or for okta a PATCH
// with a pathless value.
func (s *S) setActive(d fakeidp.Dialect, u fakeidp.User, active bool) *fakeidp.Exchange {
	ex := s.Patch("User", u.ID, d.SetActive(active)...)
	s.judgeAnswer(ex, "User")
	return ex
}
