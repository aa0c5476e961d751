package scenarios

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// profileRules judges the rules of the certification profiles' documents
// that go beyond the RFCs (areas interop and ipsie). A server may make the
// other choice the RFC allows, so each area is judged only when the run
// follows its profile (Env.Profile, set by certify --profile); otherwise its
// checks skip, saying which profile judges them.
var profileRules = Scenario{
	Name:  "profile-rules",
	Areas: []string{"interop", "ipsie"},
	Run: func(s *S) {
		for _, id := range assertions.InArea("interop", "ipsie") {
			if c, _ := assertions.Lookup(id); c.Area != s.Env.Profile {
				s.Skip(id, "judged only under scimloop certify --profile "+c.Area)
			}
		}
		switch s.Env.Profile {
		case "interop":
			interopRules(s)
		case "ipsie":
			ipsieRules(s)
		}
	},
}

// interopRules judges draft-zollner-scim-interop-profile's own rules.
func interopRules(s *S) {
	sp := s.Env.SP
	if rts := sp.ResourceTypes; rts != nil {
		s.Judge("interop-rt-id-is-name", assertions.ResourceTypeIDIsName(rts), rts)
	} else {
		s.Skip("interop-rt-id-is-name", "discovery could not read /ResourceTypes")
	}
	ex := s.RawPost("User", s.userBody(func(b map[string]any) { b["scimloopNoSuchAttribute"] = 1 }), nil)
	s.Judge("interop-unknown-attribute-400", assertions.Rejected(ex, []int{http.StatusBadRequest}, "invalidSyntax"), ex)
	list := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/Users",
		Query: url.Values{"startIndex": {"1"}, "count": {strconv.Itoa(assertions.ProfileCount)}}, Retry: true})
	s.Judge("interop-count-100", assertions.CountHonoured(sp.Config, list), sp.Config, list)
}

// ipsieRules judges the IPSIE AL SCIM profile's own rules.
func ipsieRules(s *S) {
	s.Judge("ipsie-bulk-offered", assertions.BulkOffered(s.Env.SP.Config), s.Env.SP.Config)
	if s.Env.SP.Has(fakeidp.CapPatch) {
		ipsieMemberPatch(s)
	}
}

// ipsieMemberPatch adds ProfileMemberOps users to a new group in one PATCH,
// one add operation each, as an IdP pushing a large group does.
func ipsieMemberPatch(s *S) {
	const id = "ipsie-group-patch-50-members"
	ids := make([]string, 0, assertions.ProfileMemberOps)
	ops := make([]fakeidp.PatchOp, 0, assertions.ProfileMemberOps)
	for range assertions.ProfileMemberOps {
		u, _ := s.CreateUser(s.NewUser())
		ids = append(ids, u.ID)
		ops = append(ops, fakeidp.PatchOp{Op: "add", Path: "members", Value: []map[string]any{{"value": u.ID}}})
	}
	g, _ := s.CreateGroup(s.NewGroup())
	ex := s.Patch("Group", g.ID, ops...)
	s.Judge(id, assertions.Succeeded(ex), ex)
	if ex.Status >= 200 && ex.Status < 300 {
		gg := s.Get("Group", g.ID, nil)
		s.Judge(id, assertions.MembersEqual(gg, ids), ex, gg)
	}
}
