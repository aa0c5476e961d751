package scenarios

import (
	"net/http"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// filterFixture is the population the filter cases run over: four users
// named "<tag>-alice" and so on, so that `userName sw "<tag>-"` scopes every
// query to them. The tag holds the random run id, so an expectation may
// match only the parts after it: a run id can spell any word.
type filterFixture struct {
	tag        string // "scimloop-<run id>-flt-<n>"
	local      string // the tag without the run prefix: "flt-<n>"
	homeDomain string
	a, b, c, d fakeidp.User
	group      fakeidp.Group
	dActive    *bool // the active value the server returned for d, which was created without one
	before     time.Time
}

func (fx *filterFixture) scope(expr string) string {
	return "(" + expr + `) and userName sw "` + fx.tag + `-"`
}

// filterCase is one filter and the resources the model says it matches.
type filterCase struct {
	check  string
	typ    string // "" = User
	filter func(fx *filterFixture) string
	want   func(fx *filterFixture) []string
}

func ids(us ...fakeidp.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

var filterCases = []filterCase{
	{"filter-eq-exact", "", func(fx *filterFixture) string { return "userName eq " + quote(fx.a.UserName) }, func(fx *filterFixture) []string { return ids(fx.a) }},
	{"filter-username-case-insensitive", "", func(fx *filterFixture) string { return "userName eq " + quote(strings.ToUpper(fx.a.UserName)) }, func(fx *filterFixture) []string { return ids(fx.a) }},
	{"filter-attr-names-case-insensitive", "", func(fx *filterFixture) string { return "USERNAME EQ " + quote(fx.b.UserName) }, func(fx *filterFixture) []string { return ids(fx.b) }},
	{"filter-caseexact", "", func(fx *filterFixture) string { return "externalId eq " + quote(strings.ToLower(fx.a.ExternalID)) }, func(fx *filterFixture) []string { return ids() }},
	{"filter-caseexact", "", func(fx *filterFixture) string { return "externalId eq " + quote(fx.a.ExternalID) }, func(fx *filterFixture) []string { return ids(fx.a) }},
	{"filter-ne", "", func(fx *filterFixture) string { return fx.scope("userName ne " + quote(fx.a.UserName)) }, func(fx *filterFixture) []string { return ids(fx.b, fx.c, fx.d) }},
	{"filter-co", "", func(fx *filterFixture) string { return "emails.value co " + quote("@"+fx.homeDomain) }, func(fx *filterFixture) []string { return ids(fx.a, fx.c) }},
	{"filter-co", "", func(fx *filterFixture) string { return fx.scope("userName co " + quote(fx.local+"-bo")) }, func(fx *filterFixture) []string { return ids(fx.b) }},
	{"filter-sw", "", func(fx *filterFixture) string { return "userName sw " + quote(fx.tag+"-b") }, func(fx *filterFixture) []string { return ids(fx.b) }},
	{"filter-sw", "", func(fx *filterFixture) string { return "userName sw " + quote(fx.c.UserName) }, func(fx *filterFixture) []string { return ids(fx.c) }},
	{"filter-ew", "", func(fx *filterFixture) string { return "emails.value ew " + quote("@"+fx.homeDomain) }, func(fx *filterFixture) []string { return ids(fx.a, fx.c) }},
	{"filter-pr", "", func(fx *filterFixture) string { return fx.scope("title pr") }, func(fx *filterFixture) []string { return ids(fx.a, fx.c) }},
	{"filter-ordering", "", func(fx *filterFixture) string { return fx.scope("userName gt " + quote(fx.tag+"-b")) }, func(fx *filterFixture) []string { return ids(fx.b, fx.c, fx.d) }},
	{"filter-ordering", "", func(fx *filterFixture) string { return fx.scope("userName le " + quote(fx.b.UserName)) }, func(fx *filterFixture) []string { return ids(fx.a, fx.b) }},
	{"filter-ordering", "", func(fx *filterFixture) string {
		return fx.scope("meta.created gt " + quote(fx.before.UTC().Format(time.RFC3339)))
	}, func(fx *filterFixture) []string { return ids(fx.a, fx.b, fx.c, fx.d) }},
	{"filter-ordering", "", func(fx *filterFixture) string {
		return fx.scope("meta.created lt " + quote(fx.before.UTC().Format(time.RFC3339)))
	}, func(fx *filterFixture) []string { return ids() }},
	{"filter-logical", "", func(fx *filterFixture) string {
		return "userName eq " + quote(fx.a.UserName) + " or userName eq " + quote(fx.b.UserName)
	}, func(fx *filterFixture) []string { return ids(fx.a, fx.b) }},
	{"filter-logical", "", func(fx *filterFixture) string { return fx.scope("active eq false") }, func(fx *filterFixture) []string {
		out := ids(fx.b)
		if fx.dActive != nil && !*fx.dActive {
			out = append(out, fx.d.ID)
		}
		return out
	}},
	{"filter-logical", "", func(fx *filterFixture) string { return fx.scope("not (userName eq " + quote(fx.a.UserName) + ")") }, func(fx *filterFixture) []string { return ids(fx.b, fx.c, fx.d) }},
	{"filter-precedence", "", func(fx *filterFixture) string {
		return "userName eq " + quote(fx.a.UserName) + " or userName eq " + quote(fx.b.UserName) + " and userName eq " + quote(fx.c.UserName)
	}, func(fx *filterFixture) []string { return ids(fx.a) }},
	{"filter-precedence", "", func(fx *filterFixture) string {
		return "(userName eq " + quote(fx.a.UserName) + " or userName eq " + quote(fx.b.UserName) + ") and active eq true"
	}, func(fx *filterFixture) []string { return ids(fx.a) }},
	{"filter-value-path", "", func(fx *filterFixture) string {
		return fx.scope(`emails[type eq "work" and value ew ` + quote("@"+fx.homeDomain) + "]")
	}, func(fx *filterFixture) []string { return ids() }},
	{"filter-value-path", "", func(fx *filterFixture) string {
		return fx.scope(`emails[type eq "home" and value ew ` + quote("@"+fx.homeDomain) + "]")
	}, func(fx *filterFixture) []string { return ids(fx.a, fx.c) }},
	{"filter-multi-valued", "", func(fx *filterFixture) string { return "emails.value eq " + quote(fx.c.Emails[1].Value) }, func(fx *filterFixture) []string { return ids(fx.c) }},
	{"filter-sub-attribute", "", func(fx *filterFixture) string { return fx.scope("name.familyName eq " + quote(fx.a.Name.FamilyName)) }, func(fx *filterFixture) []string { return ids(fx.a) }},
	{"filter-urn-path", "", func(fx *filterFixture) string {
		return fakeidp.SchemaUser + ":userName eq " + quote(fx.b.UserName)
	}, func(fx *filterFixture) []string { return ids(fx.b) }},
	{"filter-json-values", "", func(fx *filterFixture) string { return "displayName eq " + quote(fx.a.DisplayName) }, func(fx *filterFixture) []string { return ids(fx.a) }},
	{"filter-json-values", "", func(fx *filterFixture) string { return fx.scope("active eq true and title pr") }, func(fx *filterFixture) []string { return ids(fx.a, fx.c) }},
	{"filter-idp-minimum", "", func(fx *filterFixture) string { return "id eq " + quote(fx.c.ID) }, func(fx *filterFixture) []string { return ids(fx.c) }},
	{"filter-idp-minimum", "", func(fx *filterFixture) string { return "externalId eq " + quote(fx.b.ExternalID) }, func(fx *filterFixture) []string { return ids(fx.b) }},
	{"filter-idp-minimum", "", func(fx *filterFixture) string {
		return `emails[type eq "work"].value eq ` + quote(fx.c.Emails[0].Value)
	}, func(fx *filterFixture) []string { return ids(fx.c) }},
	{"filter-idp-minimum", "Group", func(fx *filterFixture) string { return "displayName eq " + quote(fx.group.DisplayName) }, func(fx *filterFixture) []string { return []string{fx.group.ID} }},
	{"filter-membership", "Group", func(fx *filterFixture) string {
		return "id eq " + quote(fx.group.ID) + ` and members[value eq ` + quote(fx.a.ID) + "]"
	}, func(fx *filterFixture) []string { return []string{fx.group.ID} }},
	{"filter-membership", "Group", func(fx *filterFixture) string {
		return "id eq " + quote(fx.group.ID) + ` and members[value eq ` + quote(fx.b.ID) + "]"
	}, func(fx *filterFixture) []string { return []string{} }},
}

var filters = Scenario{
	Name:  "filters",
	Needs: fakeidp.CapFilter,
	Checks: withCommon("filter-empty-result", "filter-eq-exact", "filter-username-case-insensitive", "filter-caseexact",
		"filter-attr-names-case-insensitive", "filter-ne", "filter-co", "filter-sw", "filter-ew", "filter-pr", "filter-ordering",
		"filter-logical", "filter-precedence", "filter-value-path", "filter-multi-valued", "filter-sub-attribute",
		"filter-urn-path", "filter-json-values", "filter-defaulted", "filter-root-query", "filter-idp-minimum",
		"filter-membership", "list-schema", "list-total-integer", "list-resources-present", "list-resources-have-id"),
	Run: func(s *S) {
		empty := s.Filter("User", "userName eq "+quote(s.Env.Names.Next("nobody")))
		s.Judge("filter-empty-result", assertions.EmptyList(empty), empty)
		s.JudgeList(empty)

		fx := s.filterFixture()
		for _, c := range filterCases {
			typ := c.typ
			if typ == "" {
				typ = "User"
			}
			ex := s.Filter(typ, c.filter(fx))
			s.Judge(c.check, assertions.IDsEqual(ex, c.want(fx)), ex)
			s.JudgeList(ex)
			s.JudgeError(ex)
		}
		if s.Env.SP.Enterprise {
			ex := s.Filter("User", fakeidp.SchemaEnterprise+":employeeNumber eq "+quote(fx.a.Enterprise.EmployeeNumber))
			s.Judge("filter-urn-path", assertions.IDsEqual(ex, ids(fx.a)), ex)
		}
		s.judgeDefaulted(fx)
		s.judgeRootQuery(fx)
	},
}

func (s *S) filterFixture() *filterFixture {
	tag := s.Env.Names.Next("flt")
	fx := &filterFixture{tag: tag, local: strings.TrimPrefix(tag, s.Env.Names.Prefix), homeDomain: "home." + s.Env.Names.Domain, before: time.Now().Add(-2 * time.Second)}
	mk := func(suffix, title string, active bool, home bool) fakeidp.User {
		u := s.NewUser()
		u.UserName = fx.tag + "-" + suffix
		u.ExternalID = "Ext-" + strings.ToUpper(suffix[:1]) + suffix[1:] + "-" + fx.tag
		u.DisplayName = `Test "` + suffix + `" ` + fx.tag
		u.Name.FamilyName = "Family-" + suffix
		u.Title = title
		u.Active = active
		u.Emails = []fakeidp.Email{{Value: suffix + "@" + s.Env.Names.Domain, Type: "work", Primary: true}}
		if home {
			u.Emails = append(u.Emails, fakeidp.Email{Value: suffix + "@" + fx.homeDomain, Type: "home"})
		}
		if u.Enterprise != nil {
			u.Enterprise.EmployeeNumber = "E-" + suffix + "-" + fx.tag
		}
		created, post := s.CreateUser(u)
		if mt, ok := s.Times(post); ok && mt.Created.Before(fx.before.Add(2*time.Second)) {
			fx.before = mt.Created.Add(-2 * time.Second)
		}
		return created
	}
	fx.a = mk("alice", "Engineer", true, true)
	fx.b = mk("bob", "", false, false)
	fx.c = mk("carol", "Manager", true, true)
	// d is created without "active", so the server's default decides it.
	d := s.NewUser()
	d.UserName, d.ExternalID, d.Title = fx.tag+"-dave", "Ext-Dave-"+fx.tag, ""
	body := fakeidp.UserResource(d, s.Env.SP.Enterprise)
	delete(body, "active")
	post := s.Post("User", body, d.UserName)
	d.ID = s.requireCreated(post, "user "+quote(d.UserName))
	if v := fakeidp.Get(post.RespBody, "active"); v.IsBool() {
		b := v.Bool()
		fx.dActive = &b
	}
	fx.d = d
	fx.group, _ = s.CreateGroup(s.NewGroup(fx.a.ID))
	return fx
}

// judgeDefaulted checks that the user created without active is found by
// the value the server returned for it.
func (s *S) judgeDefaulted(fx *filterFixture) {
	if fx.dActive == nil {
		s.Skip("filter-defaulted", "the server returned no active value for a user created without one, so there is no default to filter on")
		return
	}
	val := "false"
	if *fx.dActive {
		val = "true"
	}
	ex := s.Filter("User", fx.scope("active eq "+val+" and userName eq "+quote(fx.d.UserName)))
	s.Judge("filter-defaulted", assertions.IDsEqual(ex, ids(fx.d)), ex)
}

// judgeRootQuery filters at the service root, where Groups have no userName.
func (s *S) judgeRootQuery(fx *filterFixture) {
	ex := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/", Query: q("filter", "userName eq "+quote(fx.a.UserName)), Retry: true})
	if ex.Status == 404 || ex.Status == 501 || ex.Status == 405 || ex.Status == 403 {
		s.Skip("filter-root-query", "the server does not offer queries at the service root (it answered "+itoa(ex.Status)+")")
		return
	}
	s.Judge("filter-root-query", assertions.IDsEqual(ex, ids(fx.a)), ex)
	pr := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/", Query: q("filter", "userName pr and displayName eq "+quote(fx.group.DisplayName)), Retry: true})
	s.Judge("filter-root-query", assertions.IDsEqual(pr, []string{}), pr)
}
