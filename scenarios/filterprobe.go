package scenarios

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
)

// A filter probe is one filter the model can judge, about one operator on
// one attribute (a cell of the filter support matrix). RFC 7644 §3.4.2.2
// lets a server decline a filter operation it does not support with 400
// invalidFilter, and Table 9 extends that to an attribute and operator
// combination: such a decline is a capability, never a failure of the
// probe's check. What fails: wrong results from an accepted filter, a 5xx
// or no answer (the probe's check), a decline not labelled invalidFilter
// (filter-declined-invalidfilter), and a decline of a filter an IdP sends
// (filter-idp-minimum, at IDP level).

// probe is one filter, the matrix cell it tells about, and what it matches.
type probe struct {
	check string
	attr  string // the attribute it is about; "" for a logical operator
	op    string // the operator: eq … le, and, or, not, precedence, grouping, valuePath
	idp   string // when set, the IdP filter form it is (see idpFilters)
	typ   string // "" = User
	root  bool   // sent to the service root: judged, but not a matrix cell
	// scoped filters match the fixture's users only: the prober adds the
	// scope (see prober.scope) and judges want within the fixture.
	scoped bool
	// base, when set, is the cell this probe spells differently (another
	// case, a URN prefix): once the server has shown base supported, a
	// decline of this spelling is no capability but a failure.
	base   *cellKey
	filter func(fx *filterFixture) string
	want   func(fx *filterFixture) []string
}

// idpUse is who sends an IdP filter form, and in which dialects.
type idpUse struct {
	dialects []string
	who      string
}

// idpFilters are the filter forms identity providers send. Declining one
// breaks those IdPs: in their dialects, and in rfc (which judges them all).
var idpFilters = map[string]idpUse{
	"userName eq":                     {[]string{fakeidp.DialectEntra, fakeidp.DialectOkta}, "Entra ID and Okta send to match a user before creating it"},
	"externalId eq":                   {[]string{fakeidp.DialectEntra, fakeidp.DialectEntraLegacy}, "Entra ID sends to match a user on externalId"},
	`emails[type eq "work"].value eq`: {[]string{fakeidp.DialectEntra, fakeidp.DialectEntraLegacy}, "Entra ID sends to match a user on e-mail"},
	"id eq":                           {[]string{fakeidp.DialectEntra}, "Entra ID sends in its group membership check"},
	"and":                             {[]string{fakeidp.DialectEntra}, "Entra ID sends in its group membership check"},
	"members[value eq]":               {[]string{fakeidp.DialectEntra}, "Entra ID sends to check group membership"},
	"Group displayName eq":            {[]string{fakeidp.DialectEntra, fakeidp.DialectEntraLegacy, fakeidp.DialectOkta}, "Entra ID and Okta send to match a group before creating it"},
}

// filterQuery is one request of a probe and the ids it must list.
type filterQuery struct {
	filter string
	want   []string
}

type cellKey struct{ attr, op string }

// prober runs the probes of one filters scenario and keeps what they learned.
type prober struct {
	s        *S
	fx       *filterFixture
	cells    map[cellKey]reports.FilterStatus
	declines map[string][]string // check -> "sw on userName (400 invalidFilter)"
	unjudged map[string]string   // check -> why a probe of it could not run
	declined bool                // some probe was declined
}

func newProber(s *S, fx *filterFixture) *prober {
	return &prober{s: s, fx: fx, cells: map[cellKey]reports.FilterStatus{}, declines: map[string][]string{}, unjudged: map[string]string{}}
}

// run sends p (one request, or one per fixture user when scoped by eq) and
// judges the answers, stopping at the first decline or server error.
func (pr *prober) run(p probe) {
	queries, why := pr.queries(p)
	if queries == nil {
		pr.unjudged[p.check] = why
		return
	}
	status, answer := reports.FilterStatus(""), ""
	for _, fq := range queries {
		ex := pr.s.Try(fakeidp.Request{Method: http.MethodGet, Path: pr.path(p), Query: q("filter", fq.filter), Retry: true})
		st, ans := pr.judge(p, fq, ex)
		if rank(st) > rank(status) {
			status, answer = st, ans
		}
		if st == reports.FilterDeclined || st == reports.FilterError {
			break
		}
	}
	pr.note(p, status, answer)
}

func (pr *prober) path(p probe) string {
	if p.root {
		return "/"
	}
	return safety.Endpoint(cmp.Or(p.typ, "User"))
}

// judge judges one answer to one of p's queries and returns what it says
// about p's cell.
func (pr *prober) judge(p probe, q filterQuery, ex *fakeidp.Exchange) (reports.FilterStatus, string) {
	s := pr.s
	if ex.Status != 0 {
		s.JudgeList(ex)
		s.JudgeError(ex)
	}
	switch assertions.ClassifyFilter(ex) {
	case assertions.FilterNoAnswer:
		s.Judge(p.check, assertions.FilterFailed(ex), ex)
		return reports.FilterError, "no answer"
	case assertions.FilterServerError:
		s.Judge(p.check, assertions.FilterFailed(ex), ex)
		return reports.FilterError, itoa(ex.Status)
	case assertions.FilterDeclined:
		if p.base != nil && pr.cells[*p.base] == reports.FilterSupported {
			s.Judge(p.check, assertions.FilterSpellingDeclined(ex, p.base.op, p.base.attr), ex)
			return reports.FilterWrong, ""
		}
		pr.decline(p, ex)
		return reports.FilterDeclined, assertions.DeclineAnswer(ex)
	}
	if ex.Status == http.StatusNotFound && len(q.want) == 0 {
		return "", "" // a 404 for no match is filter-empty-result's finding, not this probe's
	}
	err := assertions.IDsEqual(ex, q.want)
	s.Judge(p.check, err, ex)
	if err != nil {
		return reports.FilterWrong, ""
	}
	return reports.FilterSupported, ""
}

// decline records that the server declined p: a capability for p's check,
// a failure when it is not labelled invalidFilter, and an IdP
// incompatibility when an IdP of this run's dialect sends the filter.
func (pr *prober) decline(p probe, ex *fakeidp.Exchange) {
	pr.declined = true
	what := p.op
	if p.attr != "" {
		what += " on " + p.attr
	}
	if p.root {
		what += " at the service root"
	}
	what += " (" + assertions.DeclineAnswer(ex) + ")"
	if !slices.Contains(pr.declines[p.check], what) {
		pr.declines[p.check] = append(pr.declines[p.check], what)
	}
	if err := assertions.FilterDeclineLabelled(ex); err != nil {
		pr.s.Judge("filter-declined-invalidfilter", err, ex)
	}
	if use, ok := idpFilters[p.idp]; ok && pr.idpDialect(use) {
		pr.s.Judge("filter-idp-minimum", assertions.FilterDeclinedForIdP(ex, p.idp, use.who), ex)
	}
}

// idpDialect reports whether this run's dialect is one of use's IdPs; rfc
// and all stand for every IdP.
func (pr *prober) idpDialect(use idpUse) bool {
	d := pr.s.Env.Dialect
	return d == "" || d == fakeidp.DialectRFC || d == fakeidp.DialectAll || slices.Contains(use.dialects, d)
}

func (pr *prober) note(p probe, status reports.FilterStatus, answer string) {
	if p.root || p.op == "" || status == "" {
		return
	}
	k := cellKey{p.attr, p.op}
	if old, ok := pr.cells[k]; !ok || rank(status) > rank(old) {
		pr.cells[k] = status
	}
	pr.s.NoteFilter(reports.FilterSupport{Attribute: p.attr, Operator: p.op, Status: status, Check: p.check, Answer: answer})
}

func rank(st reports.FilterStatus) int {
	return slices.Index([]reports.FilterStatus{reports.FilterSupported, reports.FilterDeclined, reports.FilterWrong, reports.FilterError}, st)
}

// queries is what to send for p; nil, with the reason, when p is scoped and
// the server offers no way to scope it.
func (pr *prober) queries(p probe) ([]filterQuery, string) {
	expr, want := p.filter(pr.fx), p.want(pr.fx)
	if !p.scoped {
		return []filterQuery{{expr, want}}, ""
	}
	return pr.scope(expr, want)
}

// scope confines expr to the fixture's users, with the cheapest operator
// the server has shown it handles correctly: one query with
// `userName sw "<tag>-"`, else one per fixture user with `userName eq`
// (which needs only eq and and, the filters every IdP sends). Either way the
// probe depends on its own operator only, never on parentheses.
func (pr *prober) scope(expr string, want []string) ([]filterQuery, string) {
	fx := pr.fx
	switch {
	case pr.cells[cellKey{"userName", "sw"}] == reports.FilterSupported:
		return []filterQuery{{expr + ` and userName sw ` + quote(fx.tag+"-"), want}}, ""
	case pr.cells[cellKey{"", "and"}] == reports.FilterSupported:
		var out []filterQuery
		for _, u := range fx.users() {
			w := []string{}
			if slices.Contains(want, u.ID) {
				w = append(w, u.ID)
			}
			out = append(out, filterQuery{expr + " and userName eq " + quote(u.UserName), w})
		}
		return out, ""
	}
	return nil, "not judged: confining this probe to the run's users needs userName sw or and, and the server handled neither"
}

// finish gives the checks whose every probe was declined (or could not be
// scoped) their reason, and judges filter-declined-invalidfilter when no
// decline was seen.
func (pr *prober) finish() {
	for check, list := range pr.declines {
		pr.s.Skip(check, "the server declines "+strings.Join(list, ", "))
	}
	for check, why := range pr.unjudged {
		pr.s.Skip(check, why)
	}
	if pr.declined {
		pr.s.Judge("filter-declined-invalidfilter", nil)
		return
	}
	pr.s.Skip("filter-declined-invalidfilter", "the server declined no filter probe, so there was no decline to judge")
}
