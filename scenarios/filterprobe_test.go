package scenarios

import (
	"slices"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

func scopeFixture() *filterFixture {
	fx := &filterFixture{tag: "scimloop-r1-flt-1"}
	for i, u := range []*fakeidp.User{&fx.a, &fx.b, &fx.c, &fx.d} {
		u.ID = string(rune('1' + i))
		u.UserName = fx.tag + "-" + string(rune('a'+i))
	}
	return fx
}

// A scoped probe never needs parentheses: with a correct sw it is one query
// scoped by sw, with only eq and and it is one query per fixture user, and
// with neither it is not judged.
func TestProberScope(t *testing.T) {
	fx := scopeFixture()
	pr := newProber(nil, fx)
	if qs, why := pr.scope(`title pr`, []string{"1", "3"}); qs != nil || !strings.Contains(why, "not judged") {
		t.Errorf("no scope operator: %v %q, want none and a reason", qs, why)
	}

	pr.cells[cellKey{"", "and"}] = reports.FilterSupported
	pr.cells[cellKey{"userName", "sw"}] = reports.FilterWrong // a wrong sw is no scope
	qs, _ := pr.scope(`title pr`, []string{"1", "3"})
	if len(qs) != 4 {
		t.Fatalf("eq scope: %d queries, want one per fixture user", len(qs))
	}
	for i, q := range qs {
		u := fx.users()[i]
		if q.filter != `title pr and userName eq "`+u.UserName+`"` || strings.Contains(q.filter, "(") {
			t.Errorf("eq scope query %d = %q", i, q.filter)
		}
		want := slices.Contains([]string{"1", "3"}, u.ID)
		if got := slices.Equal(q.want, []string{u.ID}); got != want || (!want && len(q.want) != 0) {
			t.Errorf("eq scope query %d wants %v", i, q.want)
		}
	}

	pr.cells[cellKey{"userName", "sw"}] = reports.FilterSupported
	qs, _ = pr.scope(`title pr`, []string{"1", "3"})
	if len(qs) != 1 || qs[0].filter != `title pr and userName sw "scimloop-r1-flt-1-"` || !slices.Equal(qs[0].want, []string{"1", "3"}) {
		t.Errorf("sw scope: %+v", qs)
	}
}

// Every probe that is about eq (or and, or a value path with eq) must be
// judgeable on a server that supports only eq and and: its filter holds no
// other operator, no or, not or parentheses.
func TestEqProbesNeedOnlyEqAndAnd(t *testing.T) {
	fx := scopeFixture()
	fx.a.Emails = []fakeidp.Email{{Value: "a@x"}, {Value: "a@home"}}
	fx.c.Emails = []fakeidp.Email{{Value: "c@x"}, {Value: "c@home"}}
	others := []string{" ne ", " co ", " sw ", " ew ", " pr", " gt ", " ge ", " lt ", " le ", " or ", "not ", "("}
	for _, p := range filterProbes {
		if p.op != "eq" && p.op != "and" && p.op != "valuePath" {
			continue
		}
		f := strings.ToLower(p.filter(fx))
		for _, o := range others {
			if strings.Contains(f, o) {
				t.Errorf("%s probe %q uses %q", p.check, f, strings.TrimSpace(o))
			}
		}
		if p.scoped {
			t.Errorf("%s probe %q is scoped; eq probes need no scope", p.check, f)
		}
	}
}

// A declined IdP filter counts against the IdPs of the run's dialect only;
// rfc and all stand for every IdP.
func TestIdPFiltersPerDialect(t *testing.T) {
	cases := []struct {
		dialect, form string
		want          bool
	}{
		{"", "members[value eq]", true},
		{fakeidp.DialectRFC, "externalId eq", true},
		{fakeidp.DialectAll, "id eq", true},
		{fakeidp.DialectEntra, "members[value eq]", true},
		{fakeidp.DialectOkta, "members[value eq]", false},
		{fakeidp.DialectOkta, "userName eq", true},
		{fakeidp.DialectEntraLegacy, "externalId eq", true},
		{fakeidp.DialectEntraLegacy, "and", false},
	}
	for _, c := range cases {
		use, ok := idpFilters[c.form]
		if !ok {
			t.Fatalf("no IdP filter %q", c.form)
		}
		pr := newProber(&S{Env: &Env{Dialect: c.dialect}}, scopeFixture())
		if got := pr.idpDialect(use); got != c.want {
			t.Errorf("dialect %q, %s: %v, want %v", c.dialect, c.form, got, c.want)
		}
	}
}
