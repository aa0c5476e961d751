package scenarios

import (
	"errors"
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
// checks skip, saying which profile judges them. It runs last, so the
// opportunistic checks (ipsie-429-retry-after) see the answers of every
// scenario before it.
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

// interopRules judges draft-zollner-scim-interop-profile's own rules, then
// the server's claim to keep them.
func interopRules(s *S) {
	sp := s.Env.SP
	if rts := sp.ResourceTypes; rts != nil {
		s.Judge("interop-rt-id-is-name", assertions.ResourceTypeIDIsName(rts), rts)
	} else {
		s.Skip("interop-rt-id-is-name", "discovery could not read /ResourceTypes")
	}
	s.Judge("interop-patch-supported", assertions.FeatureOffered(sp.Config, "patch"), sp.Config)
	s.Judge("interop-filter-supported", assertions.FeatureOffered(sp.Config, "filter"), sp.Config)
	ex := s.RawPost("User", s.userBody(func(b map[string]any) { b["scimloopNoSuchAttribute"] = 1 }), nil)
	s.Judge("interop-unknown-attribute-400", assertions.Rejected(ex, []int{http.StatusBadRequest}, "invalidSyntax"), ex)
	list := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/Users",
		Query: url.Values{"count": {strconv.Itoa(assertions.ProfileCount)}}, Retry: true}) // no startIndex: a cursor-only server refuses it
	s.Judge("interop-count-100", assertions.CountHonoured(sp.Config, list), sp.Config, list)
	if sp.Has(fakeidp.CapFilter) {
		ex := s.Query("User", url.Values{"filter": {`scimloopNoSuchAttribute eq "x"`}})
		s.Judge("interop-filter-unknown-attribute-400", assertions.Rejected(ex, []int{http.StatusBadRequest}, "invalidFilter"), ex)
	}
	if sp.Has(fakeidp.CapPatch) {
		interopPathless(s)
	}
	interopClaim(s)
}

// interopPathless sends a replace without path, the form the interop
// profile forbids, and reads the user back: a refusal must change nothing.
func interopPathless(s *S) {
	const id = "interop-patch-pathless-400"
	u, _ := s.CreateUser(s.NewUser())
	ex := s.Patch("User", u.ID, fakeidp.PatchOp{Op: "replace", Value: map[string]any{"displayName": "pathless " + u.UserName}})
	if err := assertions.Rejected(ex, []int{http.StatusBadRequest}, "invalidSyntax"); err != nil {
		s.Judge(id, err, ex)
		return
	}
	back := s.Get("User", u.ID, nil)
	if fakeidp.Get(back.RespBody, "displayName").String() == "pathless "+u.UserName {
		s.Judge(id, errors.New("the refused PATCH was applied: displayName changed"), ex, back)
		return
	}
	// A remove without path: RFC 7644 §3.5.2.2 answers it 400 noTarget, the
	// profile 400 invalidSyntax; either sentence is kept.
	rm := s.Patch("User", u.ID, fakeidp.PatchOp{Op: "remove"})
	s.Judge(id, assertions.Rejected(rm, []int{http.StatusBadRequest}, "invalidSyntax", "noTarget"), ex, back, rm)
}

// interopOwn are the checks of the profile's own rules that the claim is
// held to: the rest of the profile is judged by RFC checks in other
// scenarios, whose failures are already reported on their own.
var interopOwn = []string{"interop-rt-id-is-name", "interop-patch-supported", "interop-filter-supported",
	"interop-unknown-attribute-400", "interop-count-100", "interop-filter-unknown-attribute-400", "interop-patch-pathless-400"}

// interopClaim judges interopProfileConformant: a server that claims the
// profile while failing one of its rules states something false. The
// failure is recorded as a consequence of the rule that failed, so one bug
// still counts once.
func interopClaim(s *S) {
	const id = "interop-conformant-claim"
	spc := s.Env.SP.Config
	if !fakeidp.Get(spc.RespBody, "interopProfileConformant").Bool() {
		s.Skip(id, "ServiceProviderConfig does not claim interopProfileConformant, so there is no claim to hold the server to")
		return
	}
	if cause := s.firstFailed(interopOwn); cause != "" {
		s.JudgeCausedBy(id, cause, errors.New("ServiceProviderConfig says interopProfileConformant true, but the profile's rule judged by "+cause+" is broken"), spc)
		return
	}
	s.Judge(id, nil, spc)
}

// ipsieRules judges the IPSIE AL1 SCIM profile's own rules.
func ipsieRules(s *S) {
	sp := s.Env.SP
	if rts := sp.ResourceTypes; rts != nil {
		s.Judge("ipsie-resourcetypes-user-group", assertions.ResourceTypesInclude(rts, "User", "Group"), rts)
	} else {
		s.Skip("ipsie-resourcetypes-user-group", "discovery could not read /ResourceTypes")
	}
	s.Judge("ipsie-patch-supported", assertions.FeatureOffered(sp.Config, "patch"), sp.Config)
	ipsieRetryAfter(s)
}

// ipsieRetryAfter judges every 429 the run has received so far: scimloop
// never provokes a rate limit, it only holds the answers it meets.
func ipsieRetryAfter(s *S) {
	const id = "ipsie-429-retry-after"
	exs := s.Env.Client.Recorder().Exchanges()
	seen := 0
	for _, ex := range exs {
		if ex.Status == http.StatusTooManyRequests {
			seen++
		}
	}
	if seen == 0 {
		s.Skip(id, "no request of this run was answered 429, so there was no rate-limit answer to judge")
		return
	}
	bad, err := assertions.RetryAfterOn429(exs)
	s.Judge(id, err, bad)
}
