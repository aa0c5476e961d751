package scenarios

import (
	"net/http"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// filterFixture is the population the filter probes run over: four users
// named "<tag>-alice" and so on. The tag holds the random run id, so a
// filter on a value that carries the whole tag (userName, externalId,
// name.familyName, displayName, the e-mails of homeDomain) matches this run's
// users only, and needs no scope; an expectation may not rest on a part of
// the tag alone, as a run id can spell any word.
type filterFixture struct {
	tag        string // "scimloop-<run id>-flt-<n>"
	homeDomain string
	a, b, c, d fakeidp.User
	group      fakeidp.Group
	dActive    *bool     // the active value the server returned for d, which was created without one
	before     time.Time // before any fixture user was created (server clock)
	// lastCreated is the latest meta.created of the fixture users as the
	// server returned it, and createdAt when the harness saw the last create
	// answer; noCreated is set when some create answer had no readable
	// meta.created.
	lastCreated, createdAt time.Time
	noCreated              bool
}

func (fx *filterFixture) users() []fakeidp.User { return []fakeidp.User{fx.a, fx.b, fx.c, fx.d} }

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

// userProbe is a probe of a User filter that matches want.
func userProbe(check, attr, op string, filter func(fx *filterFixture) string, want func(fx *filterFixture) []fakeidp.User) probe {
	return probe{check: check, attr: attr, op: op, filter: filter, want: func(fx *filterFixture) []string { return ids(want(fx)...) }}
}

func only(f func(fx *filterFixture) fakeidp.User) func(fx *filterFixture) []fakeidp.User {
	return func(fx *filterFixture) []fakeidp.User { return []fakeidp.User{f(fx)} }
}

func none(*filterFixture) []fakeidp.User { return nil }

func userA(fx *filterFixture) fakeidp.User { return fx.a }
func userB(fx *filterFixture) fakeidp.User { return fx.b }
func userC(fx *filterFixture) fakeidp.User { return fx.c }
func userD(fx *filterFixture) fakeidp.User { return fx.d }

func withIdP(p probe, form string) probe { p.idp = form; return p }

// spelling marks p as another spelling of its own cell (see probe.base);
// spellingOf, of the cell of attr with p's operator.
func spelling(p probe) probe { return spellingOf(p, p.attr) }
func spellingOf(p probe, attr string) probe {
	p.base = &cellKey{attr, p.op}
	return p
}
func scoped(p probe) probe { p.scoped = true; return p }

// eqOf is `<attr> eq "<value of u>"`.
func eqOf(attr string, u func(fx *filterFixture) fakeidp.User, value func(u fakeidp.User) string) func(fx *filterFixture) string {
	return func(fx *filterFixture) string { return attr + " eq " + quote(value(u(fx))) }
}

func userName(u fakeidp.User) string { return u.UserName }

// filterProbes run in this order: first the forms that need only eq and
// and (what every IdP sends), then sw, whose success lets the scoped probes
// that follow run as one query each (see prober.scope).
var filterProbes = []probe{
	withIdP(userProbe("filter-eq-exact", "userName", "eq", eqOf("userName", userA, userName), only(userA)), "userName eq"),
	spelling(userProbe("filter-username-case-insensitive", "userName", "eq", func(fx *filterFixture) string { return "userName eq " + quote(strings.ToUpper(fx.a.UserName)) }, only(userA))),
	spelling(userProbe("filter-attr-names-case-insensitive", "userName", "eq", func(fx *filterFixture) string { return "USERNAME EQ " + quote(fx.b.UserName) }, only(userB))),
	withIdP(userProbe("filter-caseexact", "externalId", "eq", func(fx *filterFixture) string { return "externalId eq " + quote(strings.ToLower(fx.a.ExternalID)) }, none), "externalId eq"),
	withIdP(userProbe("filter-caseexact", "externalId", "eq", eqOf("externalId", userA, func(u fakeidp.User) string { return u.ExternalID }), only(userA)), "externalId eq"),
	withIdP(userProbe("filter-idp-minimum", "id", "eq", eqOf("id", userC, func(u fakeidp.User) string { return u.ID }), only(userC)), "id eq"),
	withIdP(userProbe("filter-idp-minimum", "externalId", "eq", eqOf("externalId", userB, func(u fakeidp.User) string { return u.ExternalID }), only(userB)), "externalId eq"),
	withIdP(userProbe("filter-idp-minimum", `emails[type eq "work"].value`, "eq", func(fx *filterFixture) string {
		return `emails[type eq "work"].value eq ` + quote(fx.c.Emails[0].Value)
	}, only(userC)), `emails[type eq "work"].value eq`),
	{check: "filter-idp-minimum", typ: "Group", attr: "displayName (Group)", op: "eq", idp: "Group displayName eq",
		filter: func(fx *filterFixture) string { return "displayName eq " + quote(fx.group.DisplayName) },
		want:   func(fx *filterFixture) []string { return []string{fx.group.ID} }},
	withIdP(userProbe("filter-logical", "", "and", func(fx *filterFixture) string {
		return "userName eq " + quote(fx.a.UserName) + " and externalId eq " + quote(fx.a.ExternalID)
	}, only(userA)), "and"),
	withIdP(userProbe("filter-logical", "", "and", func(fx *filterFixture) string {
		return "userName eq " + quote(fx.a.UserName) + " and userName eq " + quote(fx.b.UserName)
	}, none), "and"),
	userProbe("filter-logical", "active", "eq", func(fx *filterFixture) string { return "active eq false and userName eq " + quote(fx.b.UserName) }, only(userB)),
	{check: "filter-membership", typ: "Group", attr: "members", op: "valuePath", idp: "members[value eq]",
		filter: func(fx *filterFixture) string {
			return "id eq " + quote(fx.group.ID) + " and members[value eq " + quote(fx.a.ID) + "]"
		},
		want: func(fx *filterFixture) []string { return []string{fx.group.ID} }},
	{check: "filter-membership", typ: "Group", attr: "members", op: "valuePath", idp: "members[value eq]",
		filter: func(fx *filterFixture) string {
			return "id eq " + quote(fx.group.ID) + " and members[value eq " + quote(fx.b.ID) + "]"
		},
		want: func(fx *filterFixture) []string { return []string{} }},
	userProbe("filter-multi-valued", "emails.value", "eq", func(fx *filterFixture) string { return "emails.value eq " + quote(fx.c.Emails[1].Value) }, only(userC)),
	userProbe("filter-sub-attribute", "name.familyName", "eq", func(fx *filterFixture) string { return "name.familyName eq " + quote(fx.a.Name.FamilyName) }, only(userA)),
	spellingOf(userProbe("filter-urn-path", "userName (URN)", "eq", func(fx *filterFixture) string { return fakeidp.SchemaUser + ":userName eq " + quote(fx.b.UserName) }, only(userB)), "userName"),
	userProbe("filter-json-values", "displayName", "eq", func(fx *filterFixture) string { return "displayName eq " + quote(fx.a.DisplayName) }, only(userA)),
	userProbe("filter-json-values", "active", "eq", func(fx *filterFixture) string { return "active eq true and userName eq " + quote(fx.a.UserName) }, only(userA)),
	userProbe("filter-json-values", "active", "eq", func(fx *filterFixture) string { return "active eq false and userName eq " + quote(fx.a.UserName) }, none),
	userProbe("filter-value-path", "emails", "valuePath", func(fx *filterFixture) string {
		return `emails[type eq "work" and value eq ` + quote(fx.a.Emails[1].Value) + "]"
	}, none),
	userProbe("filter-value-path", "emails", "valuePath", func(fx *filterFixture) string {
		return `emails[type eq "home" and value eq ` + quote(fx.a.Emails[1].Value) + "]"
	}, only(userA)),

	userProbe("filter-sw", "userName", "sw", func(fx *filterFixture) string { return "userName sw " + quote(fx.tag+"-b") }, only(userB)),
	userProbe("filter-sw", "userName", "sw", eqOfOp("userName", "sw", userC), only(userC)),
	// userName is caseExact=false, so sw ignores case like eq does.
	spelling(userProbe("filter-sw", "userName", "sw", func(fx *filterFixture) string { return "userName sw " + quote(strings.ToUpper(fx.tag+"-c")) }, only(userC))),
	userProbe("filter-co", "emails.value", "co", func(fx *filterFixture) string { return "emails.value co " + quote("@"+fx.homeDomain) }, both(userA, userC)),
	// The tag without its first letter: a substring, not a prefix, that
	// still holds the run id, so only this run's bob matches.
	userProbe("filter-co", "userName", "co", func(fx *filterFixture) string { return "userName co " + quote(fx.tag[1:]+"-bo") }, only(userB)),
	userProbe("filter-ew", "emails.value", "ew", func(fx *filterFixture) string { return "emails.value ew " + quote("@"+fx.homeDomain) }, both(userA, userC)),
	userProbe("filter-ew", "userName", "ew", func(fx *filterFixture) string { return "userName ew " + quote(fx.tag+"-dave") }, only(userD)),
	userProbe("filter-logical", "", "or", func(fx *filterFixture) string {
		return "userName eq " + quote(fx.a.UserName) + " or userName eq " + quote(fx.b.UserName)
	}, both(userA, userB)),
	userProbe("filter-logical", "", "not", func(fx *filterFixture) string {
		return "not (userName eq " + quote(fx.a.UserName) + ") and userName eq " + quote(fx.b.UserName)
	}, only(userB)),
	userProbe("filter-logical", "", "not", func(fx *filterFixture) string {
		return "not (userName eq " + quote(fx.a.UserName) + ") and userName eq " + quote(fx.a.UserName)
	}, none),
	// Left to right, a or b and c would be (a or b) and c: nothing.
	userProbe("filter-precedence", "", "precedence", func(fx *filterFixture) string {
		return "userName eq " + quote(fx.a.UserName) + " or userName eq " + quote(fx.b.UserName) + " and userName eq " + quote(fx.c.UserName)
	}, only(userA)),
	userProbe("filter-grouping", "", "grouping", func(fx *filterFixture) string {
		return "(userName eq " + quote(fx.a.UserName) + " or userName eq " + quote(fx.b.UserName) + ") and active eq true"
	}, only(userA)),

	scoped(userProbe("filter-ne", "userName", "ne", func(fx *filterFixture) string { return "userName ne " + quote(fx.a.UserName) }, all3(userB, userC, userD))),
	// userName is caseExact=false: ne ignores case too.
	scoped(spelling(userProbe("filter-ne", "userName", "ne", func(fx *filterFixture) string { return "userName ne " + quote(strings.ToUpper(fx.a.UserName)) }, all3(userB, userC, userD)))),
	scoped(userProbe("filter-pr", "title", "pr", func(*filterFixture) string { return "title pr" }, both(userA, userC))),
	scoped(userProbe("filter-ordering", "userName", "gt", func(fx *filterFixture) string { return "userName gt " + quote(fx.tag+"-b") }, all3(userB, userC, userD))),
	scoped(userProbe("filter-ordering", "userName", "ge", eqOfOp("userName", "ge", userB), all3(userB, userC, userD))),
	scoped(userProbe("filter-ordering", "userName", "lt", func(fx *filterFixture) string { return "userName lt " + quote(fx.tag+"-b") }, only(userA))),
	scoped(userProbe("filter-ordering", "userName", "le", eqOfOp("userName", "le", userB), both(userA, userB))),
	scoped(userProbe("filter-ordering", "meta.created", "gt", func(fx *filterFixture) string {
		return "meta.created gt " + quote(fx.before.UTC().Format(time.RFC3339))
	}, func(fx *filterFixture) []fakeidp.User { return fx.users() })),
	scoped(userProbe("filter-ordering", "meta.created", "lt", func(fx *filterFixture) string {
		return "meta.created lt " + quote(fx.before.UTC().Format(time.RFC3339))
	}, none)),
}

func both(x, y func(fx *filterFixture) fakeidp.User) func(fx *filterFixture) []fakeidp.User {
	return func(fx *filterFixture) []fakeidp.User { return []fakeidp.User{x(fx), y(fx)} }
}

func all3(x, y, z func(fx *filterFixture) fakeidp.User) func(fx *filterFixture) []fakeidp.User {
	return func(fx *filterFixture) []fakeidp.User { return []fakeidp.User{x(fx), y(fx), z(fx)} }
}

// eqOfOp is `<attr> <op> "<userName of u>"`.
func eqOfOp(attr, op string, u func(fx *filterFixture) fakeidp.User) func(fx *filterFixture) string {
	return func(fx *filterFixture) string { return attr + " " + op + " " + quote(u(fx).UserName) }
}

var filters = Scenario{
	Name:   "filters",
	Needs:  fakeidp.CapFilter,
	Areas:  []string{"filter"},
	Checks: withCommon(listChecks...),
	Run: func(s *S) {
		empty := s.Filter("User", "userName eq "+quote(s.Env.Names.Next("nobody")))
		s.Judge("filter-empty-result", assertions.EmptyList(empty), empty)
		s.JudgeList(empty)

		fx := s.filterFixture()
		pr := newProber(s, fx)
		for _, p := range filterProbes {
			pr.run(p)
		}
		if s.Env.SP.Enterprise {
			pr.run(userProbe("filter-urn-path", "employeeNumber (URN)", "eq", func(fx *filterFixture) string {
				return fakeidp.SchemaEnterprise + ":employeeNumber eq " + quote(fx.a.Enterprise.EmployeeNumber)
			}, only(userA)))
		}
		pr.defaulted()
		pr.rootQuery()
		pr.lastModified()
		pr.finish()
	},
}

func (s *S) filterFixture() *filterFixture {
	tag := s.Env.Names.Next("flt")
	fx := &filterFixture{tag: tag, homeDomain: "home." + s.Env.Names.Domain, before: time.Now().Add(-2 * time.Second)}
	mk := func(suffix, title string, active bool, home bool) fakeidp.User {
		u := s.NewUser()
		u.UserName = fx.tag + "-" + suffix
		u.ExternalID = "Ext-" + strings.ToUpper(suffix[:1]) + suffix[1:] + "-" + fx.tag
		u.DisplayName = `Test "` + suffix + `" ` + fx.tag
		u.Name.FamilyName = "Family-" + suffix + "-" + fx.tag
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
		fx.sawCreate(s, post)
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
	body["title"] = "" // an empty value is unassigned (RFC 7643 §2.5): pr must not match it
	post := s.Post("User", body, d.UserName)
	d.ID = s.requireCreated(post, "user "+quote(d.UserName))
	fx.sawCreate(s, post)
	if v := fakeidp.Get(post.RespBody, "active"); v.IsBool() {
		b := v.Bool()
		fx.dActive = &b
	}
	fx.d = d
	fx.group, _ = s.CreateGroup(s.NewGroup(fx.a.ID))
	return fx
}

// sawCreate notes a fixture user's meta.created.
func (fx *filterFixture) sawCreate(s *S, post *fakeidp.Exchange) {
	fx.createdAt = time.Now()
	mt, ok := s.Times(post)
	if !ok || mt.Created.IsZero() {
		fx.noCreated = true
		return
	}
	if mt.Created.Before(fx.before.Add(2 * time.Second)) {
		fx.before = mt.Created.Add(-2 * time.Second)
	}
	fx.lastCreated = maxTime(fx.lastCreated, mt.Created)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// defaulted checks that the user created without active is found by the
// value the server returned for it.
func (pr *prober) defaulted() {
	fx := pr.fx
	if fx.dActive == nil {
		pr.s.Skip("filter-defaulted", "the server returned no active value for a user created without one, so there is no default to filter on")
		return
	}
	val := "false"
	if *fx.dActive {
		val = "true"
	}
	pr.run(userProbe("filter-defaulted", "active", "eq", func(fx *filterFixture) string {
		return "active eq " + val + " and userName eq " + quote(fx.d.UserName)
	}, only(userD)))
}

// rootQuery filters at the service root, where Groups have no userName.
func (pr *prober) rootQuery() {
	s, fx := pr.s, pr.fx
	first := probe{check: "filter-root-query", attr: "userName", op: "eq", root: true,
		filter: eqOf("userName", userA, userName), want: func(fx *filterFixture) []string { return ids(fx.a) }}
	ex := s.Try(fakeidp.Request{Method: http.MethodGet, Path: "/", Query: q("filter", first.filter(fx)), Retry: true})
	if ex.Status == 404 || ex.Status == 501 || ex.Status == 405 || ex.Status == 403 {
		s.Skip("filter-root-query", "the server does not offer queries at the service root (it answered "+itoa(ex.Status)+")")
		return
	}
	if st, _ := pr.judge(first, filterQuery{first.filter(fx), first.want(fx)}, ex); st == reports.FilterDeclined {
		return
	}
	pr.run(probe{check: "filter-root-query", attr: "userName", op: "pr", root: true,
		filter: func(fx *filterFixture) string { return "userName pr and displayName eq " + quote(fx.group.DisplayName) },
		want:   func(*filterFixture) []string { return []string{} }})
}

// lastModified checks an ordering filter on meta.lastModified. The bound is
// a second after the last fixture user's meta.created (which may be cut to
// whole seconds), and b is modified at least two seconds after that create
// was seen, so that b's lastModified is later than the bound whether the
// server compares the stored or the returned (whole-second) time. Then b is
// the only fixture user modified after the bound, as a read of b confirms.
func (pr *prober) lastModified() {
	s, fx := pr.s, pr.fx
	if fx.noCreated || fx.lastCreated.IsZero() || !s.Env.SP.Has(fakeidp.CapPatch) {
		return
	}
	if wait := 2100*time.Millisecond - time.Since(fx.createdAt); wait > 0 {
		s.Sleep(wait)
	}
	bound := fx.lastCreated.Add(time.Second)
	ex := s.Patch("User", fx.b.ID, fakeidp.PatchOp{Op: "replace", Path: "displayName", Value: fx.b.DisplayName + " (modified)"})
	if ex.Status != http.StatusOK && ex.Status != http.StatusNoContent {
		s.JudgeError(ex)
		return
	}
	// The filter must agree with what a read shows; when the read shows no
	// later lastModified (the update was lost, or the clock did not move),
	// there is nothing to judge here: the meta checks judge that.
	if mt, ok := s.Times(s.Get("User", fx.b.ID, nil)); !ok || !mt.LastModified.After(bound) {
		return
	}
	pr.run(scoped(userProbe("filter-ordering", "meta.lastModified", "gt", func(*filterFixture) string {
		return "meta.lastModified gt " + quote(bound.UTC().Format(time.RFC3339Nano))
	}, only(userB))))
}
