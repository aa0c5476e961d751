package scenarios

import (
	"net/http"
	"slices"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

var groupMembership = Scenario{
	Name:   "group-membership",
	Needs:  fakeidp.CapPatch,
	Areas:  []string{"groups"},
	Checks: withCommon("create-201", "delete-204"),
	Run: func(s *S) {
		alice, _ := s.CreateUser(s.NewUser())
		bob, _ := s.CreateUser(s.NewUser())
		carol, _ := s.CreateUser(s.NewUser())
		g, post := s.CreateGroup(s.NewGroup(alice.ID))
		s.Judge("create-201", assertions.Created(post), post)
		s.JudgeResource(post, "Group")

		// Add two members, then remove one by a value filter.
		add := s.Write(http.MethodPatch, "Group", g.ID, fakeidp.PatchBody(fakeidp.PatchOp{Op: "add", Path: "members",
			Value: []map[string]string{{"value": bob.ID}, {"value": carol.ID}}}), nil)
		s.judgeWrite(add, "Group")
		if add.Status < 300 {
			g.Members = append(g.Members, bob.ID, carol.ID)
			s.Dir.PutGroup(g, safety.MetaOf(add))
		}
		s.checkMembers(g.ID)

		remove := s.Write(http.MethodPatch, "Group", g.ID, fakeidp.PatchBody(fakeidp.PatchOp{Op: "remove",
			Path: `members[value eq "` + bob.ID + `"]`}), nil)
		s.judgeWrite(remove, "Group")
		if remove.Status < 300 {
			g.Members = slices.DeleteFunc(g.Members, func(id string) bool { return id == bob.ID })
			s.Dir.PutGroup(g, safety.MetaOf(remove))
		}
		s.checkMembers(g.ID)

		// Deleting a member user must take it out of the group.
		del := s.Write(http.MethodDelete, "User", carol.ID, nil, nil)
		s.Judge("delete-204", assertions.Status(del, 204), del)
		if del.Status < 300 {
			s.Dir.DeleteUser(carol.ID)
			get := s.Get("Group", g.ID, nil)
			s.Judge("user-delete-leaves-groups", assertions.NotAMember(get, carol.ID), del, get)
		}
		s.checkMembers(g.ID)
	},
}

// judgeWrite judges a PUT or PATCH answer: a resource on 200, an error body
// on failure (204 carries nothing to judge).
func (s *S) judgeWrite(ex *fakeidp.Exchange, typ string) {
	switch {
	case ex.Status == http.StatusOK:
		s.JudgeResource(ex, typ)
	case ex.Status >= 400:
		s.JudgeError(ex)
	}
}

// checkMembers reads the group and each modelled user and judges membership
// from both sides against the model, member by member.
func (s *S) checkMembers(groupID string) {
	want, ok := s.Dir.Group(groupID)
	if !ok {
		return
	}
	get := s.Get("Group", groupID, nil)
	if get.Status != http.StatusOK {
		s.Judge("group-members-match-model", assertions.Status(get, 200), get)
		return
	}
	s.JudgeResource(get, "Group")
	s.Judge("group-members-match-model", assertions.MembersEqual(get, want.Members), get)
	// User.groups is optional (RFC 7643 §4.1.2): only a server whose /Schemas
	// declares it is judged on it.
	if !s.declares("group-membership-both-views", "groups") {
		return
	}
	for _, uid := range s.Dir.UserIDs() {
		ux := s.Get("User", uid, nil)
		if ux.Status != http.StatusOK {
			continue
		}
		inGroup := slices.Contains(assertions.MemberIDs(get.RespBody), uid)
		s.Judge("group-membership-both-views", assertions.UserGroupsInclude(ux, groupID, inGroup), get, ux)
	}
}
