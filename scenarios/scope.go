package scenarios

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// This file holds how a scenario finds its own resources in list queries.
// Filtering is OPTIONAL (RFC 7644 §3.4.2.2), and a server that filters may
// decline any operator or attribute with 400 invalidFilter (Table 9). So a
// scenario that is not about filtering scopes its queries with an eq filter
// the server has been seen to honour, else with a bounded walk of the
// unfiltered collection that picks out the run's own ids, else it skips
// with the reason. Nothing but the filter checks depends on any other
// operator.

// Bounds of an unfiltered walk: a large collection is not read to its end.
const (
	scopePageSize = 100
	maxScopePages = 20
)

// listScope selects a fixture of the run's own resources in list queries.
type listScope struct {
	typ    string
	filter string   // the eq filter the server honoured; "" for an unfiltered walk
	ids    []string // the fixture's ids
	// probe is the answer that showed the scope works: the filtered query
	// without paging parameters, or the unfiltered GET.
	probe *fakeidp.Exchange
}

// filtered reports whether the scope is a filter rather than an unfiltered walk.
func (sc *listScope) filtered() bool { return sc.filter != "" }

// query returns the scope's filter, when it has one, and the pairs kv.
func (sc *listScope) query(kv ...string) url.Values {
	v := q(kv...)
	if sc.filtered() {
		v.Set("filter", sc.filter)
	}
	return v
}

// describe names the scope for a message.
func (sc *listScope) describe() string {
	if sc.filtered() {
		return fmt.Sprintf("the filter %q", sc.filter)
	}
	return "an unfiltered walk"
}

// findScope returns a scope for the resources ids of typ: the first of
// filters the server honours (200 with totalResults len(ids) and none of
// anyone else's resources), else an unfiltered listing that a bounded walk
// shows to hold every id. With neither it returns nil and why. An answer
// that declines a filter is judged as an error answer only.
func (s *S) findScope(typ string, ids []string, filters ...string) (*listScope, string) {
	tried := []string{"the server does not advertise filter.supported"}
	if s.Env.SP.Filter {
		tried = []string{"the server declares no attribute the fixture could be filtered by"}
		if len(filters) > 0 {
			tried = nil
		}
		for _, f := range filters {
			ex := s.Query(typ, q("filter", f))
			s.JudgeError(ex)
			if scopeHonoured(ex, ids) {
				return &listScope{typ: typ, filter: f, ids: ids, probe: ex}, ""
			}
			tried = append(tried, fmt.Sprintf("%q answered %d with totalResults %d", f, ex.Status, assertions.IntField(ex, "totalResults")))
		}
	}
	full := s.Query(typ, q())
	s.JudgeError(full)
	if full.Status != http.StatusOK {
		return nil, fmt.Sprintf("no query selects the fixture (%s), and the unfiltered %s answered %d", joinOr(tried), full.URL, full.Status)
	}
	sc := &listScope{typ: typ, ids: ids, probe: full}
	found, last, complete := s.walkOwn(sc, scopePageSize)
	if len(found) != len(ids) {
		why := "the walk found " + itoa(len(found)) + " of them"
		switch {
		case last.Status != http.StatusOK:
			why = fmt.Sprintf("%s answered %d", last.URL, last.Status)
		case !complete:
			why = fmt.Sprintf("the collection is larger than the %d resources a walk reads", scopePageSize*maxScopePages)
		}
		return nil, fmt.Sprintf("no query selects the fixture (%s), and an unfiltered walk cannot: %s", joinOr(tried), why)
	}
	return sc, ""
}

// scopeHonoured reports whether a filtered answer holds exactly the
// fixture: 200, totalResults len(ids), no resource of anyone else (a
// listed resource without id is left to list-resources-have-id).
func scopeHonoured(ex *fakeidp.Exchange, ids []string) bool {
	if ex.Status != http.StatusOK || assertions.IntField(ex, "totalResults") != int64(len(ids)) {
		return false
	}
	for _, id := range assertions.ListedIDs(ex) {
		if id != "" && !slices.Contains(ids, id) {
			return false
		}
	}
	return true
}

// walkOwn pages through the scope's query with count n (and the pairs kv)
// the way the server prefers (safety.WalkList: by cursor when it offers no
// index paging) and returns the fixture's resources in the order listed.
// complete is false when a page was refused (last is that answer) or the
// walk reached its bound before the end.
func (s *S) walkOwn(sc *listScope, n int, kv ...string) (own []gjson.Result, last *fakeidp.Exchange, complete bool) {
	opt := safety.WalkOptions{ByCursor: safety.PagesByCursor(s.Env.SP), PageSize: n, MaxPages: maxScopePages}
	fetch := func(q url.Values) (*fakeidp.Exchange, error) { return s.Query(sc.typ, q), nil }
	end, _ := safety.WalkList(sc.query(kv...), opt, fetch, func(ex *fakeidp.Exchange) bool {
		for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
			if slices.Contains(sc.ids, fakeidp.Lookup(r, "id").String()) {
				own = append(own, r)
			}
		}
		return true
	})
	if end.Last.Status != http.StatusOK {
		s.JudgeError(end.Last)
	}
	return own, end.Last, end.Complete
}

// ordered returns the userNames of the fixture's users in the order a query
// with the pairs kv lists them: one query when the scope is a filter, a
// walk otherwise. why is set when a walk could not see every fixture user.
// An answer other than 200 comes back as ex, for the caller to judge.
func (s *S) ordered(sc *listScope, kv ...string) (ex *fakeidp.Exchange, names []string, why string) {
	if sc.filtered() {
		ex = s.Query(sc.typ, sc.query(kv...))
		return ex, assertions.Names(ex, "userName"), ""
	}
	own, last, complete := s.walkOwn(sc, scopePageSize, kv...)
	for _, r := range own {
		names = append(names, fakeidp.Lookup(r, "userName").String())
	}
	if last.Status != http.StatusOK {
		return last, names, "" // the refusal is the caller's to judge
	}
	if !complete || len(own) != len(sc.ids) {
		return last, names, fmt.Sprintf("an unfiltered walk with %v saw %d of the %d fixture users", kv, len(own), len(sc.ids))
	}
	return last, names, ""
}

func joinOr(ss []string) string {
	out := ss[0]
	for _, x := range ss[1:] {
		out += "; " + x
	}
	return out
}

// declaresSub reports whether the server's User schema declares the
// sub-attribute sub of attr (everything counts as declared without a
// /Schemas document, and a complex attribute declared without its
// sub-attributes is taken to have them).
func (s *S) declaresSub(attr, sub string) bool {
	if len(s.Env.SP.UserAttrs) == 0 {
		return true
	}
	a, ok := s.Env.SP.UserAttrs[strings.ToLower(attr)]
	if !ok {
		return false
	}
	if len(a.Sub) == 0 {
		return true
	}
	_, ok = a.Sub[strings.ToLower(sub)]
	return ok
}

// skipOwn skips every check of the scenario other than the common ones,
// with the reason.
func (s *S) skipOwn(reason string) {
	for _, id := range s.checks {
		if !slices.Contains(resourceChecks, id) && !slices.Contains(errorChecks, id) {
			s.Skip(id, reason)
		}
	}
}
