package scenarios

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// cursorPagination walks the run's own users with RFC 9865 cursors: the
// advertisement, the page rules, a complete walk while nothing changes, the
// page rules again while the run creates and deletes its own users, the
// error answers, and the advertised limits (maxPageSize, cursorTimeout:
// cursor_limits.go). Cursor pagination is optional: a server that does not
// advertise pagination.cursor has these checks skipped, and is only asked
// whether it pages by cursor all the same (cursor-advertised).
var cursorPagination = Scenario{
	Name:   "cursor-pagination",
	Areas:  []string{"cursor"},
	Checks: withCommon(),
	Run: func(s *S) {
		spc := s.Env.SP.Config
		if fakeidp.Get(spc.RespBody, "pagination").Exists() {
			s.Judge("cursor-spc-shape", assertions.SPCPagination(spc), spc)
		} else {
			s.Skip("cursor-spc-shape", "the server's ServiceProviderConfig has no pagination attribute")
		}
		tag := s.Env.Names.Next("cur")
		users := make([]fakeidp.User, 0, cursorFixtureSize)
		for i := range cursorFixtureSize {
			u := s.NewUser()
			u.UserName, u.Name.GivenName = fmt.Sprintf("%s-%d", tag, i), tag
			u, _ = s.CreateUser(u)
			users = append(users, u)
		}
		var filters []string
		if s.declaresSub("name", "givenName") {
			filters = append(filters, `name.givenName eq "`+tag+`"`)
		}
		sc, why := s.findScope("User", ids(users...), filters...)
		if sc == nil {
			s.skipOwn("cursor pagination cannot be confined to the run's own users: " + why)
			return
		}
		cw := newCursorWalker(sc)
		if !s.Env.SP.Has(fakeidp.CapCursor) {
			s.judgeUnadvertisedCursors(cw)
			return
		}
		s.Skip("cursor-advertised", "the server advertises pagination.cursor")
		if !s.judgeCursorHonoured(cw) {
			s.skipOwn("not judgeable: the server advertises pagination.cursor but does not page by cursor (cursor-advertised-honoured)")
			return
		}
		s.judgeCursorWalk(cw)
		s.judgeCursorErrors(cw)
		s.judgeCursorCounts(cw)
		s.judgeCursorSearch(cw)
		s.judgeCursorMaxPageSize(cw)
		s.judgeCursorTimeouts(cw)
		s.cursorWalkUnderChange(cw, tag, users[len(users)-1])
	},
}

const (
	// cursorFixtureSize is how many users a walk pages through.
	cursorFixtureSize = 5
	// maxCursorWait is the longest cursorTimeout the run waits out to see
	// an expired cursor.
	maxCursorWait = 5 * time.Second
	// forgedCursor is no cursor any server issued: '!' is outside the
	// unreserved characters every cursor is made of.
	forgedCursor = "!scimloop-forged-cursor!"
)

// cursorWalker pages one scope of the run's own users by cursor.
type cursorWalker struct {
	sc       *listScope
	count    int // page size: small over a filtered fixture, large over the whole collection
	maxPages int
}

func newCursorWalker(sc *listScope) *cursorWalker {
	if sc.filtered() {
		return &cursorWalker{sc: sc, count: 2, maxPages: cursorFixtureSize + 4}
	}
	return &cursorWalker{sc: sc, count: scopePageSize, maxPages: maxScopePages + 2}
}

// page asks for the page cursor points at ("" for the first) with count n.
func (s *S) cursorPage(cw *cursorWalker, cursor string, n int) *fakeidp.Exchange {
	return s.Query("User", cw.sc.query("cursor", cursor, "count", itoa(n)))
}

// cursorWalk is what one walk saw.
type cursorWalk struct {
	pages   []*fakeidp.Exchange
	own     []string          // the fixture's ids in the order listed, repeats kept
	ended   bool              // a page without nextCursor ended the walk
	endless string            // why the walk is judged never to end, or ""
	refused *fakeidp.Exchange // a page answered other than 200
	late    string            // why refused is no finding: the harness asked later than cursorTimeout allows
}

// lateFor says why a refusal of a cursor request is no finding, or "": the
// request went out longer than the advertised cursorTimeout after the page
// that issued the cursor (a loaded machine, a retry), so the server may
// have let the cursor expire.
func (s *S) lateFor(prev, ex *fakeidp.Exchange) string {
	if ex.Status == http.StatusOK || s.Env.SP.Pagination == nil || s.Env.SP.Pagination.CursorTimeout <= 0 {
		return ""
	}
	timeout := time.Duration(s.Env.SP.Pagination.CursorTimeout) * time.Second
	if gap := ex.Started.Sub(prev.Started.Add(prev.Latency)); gap > timeout {
		return fmt.Sprintf("the harness asked %s after the cursor was issued, longer than the advertised cursorTimeout %s", gap.Round(time.Millisecond), timeout)
	}
	return ""
}

// walk follows nextCursor from the first page, calling between before each
// later page, until a page omits it, a page is refused, the walk shows it
// never ends, or maxPages.
func (s *S) walk9865(cw *cursorWalker, between func(page int)) cursorWalk {
	var w cursorWalk
	cursor, followed := "", map[string]bool{}
	delivered, emptyAtEnd := int64(0), 0
	for i := range cw.maxPages {
		if between != nil && i > 0 {
			between(i)
		}
		ex := s.cursorPage(cw, cursor, cw.count)
		w.pages = append(w.pages, ex)
		if ex.Status != http.StatusOK {
			s.JudgeError(ex)
			w.refused = ex
			if i > 0 {
				w.late = s.lateFor(w.pages[i-1], ex)
			}
			return w
		}
		got := assertions.ListedIDs(ex)
		delivered += int64(len(got))
		for _, id := range got {
			if slices.Contains(cw.sc.ids, id) {
				w.own = append(w.own, id)
			}
		}
		next, ok := assertions.Cursor(ex, "nextCursor")
		if !ok {
			w.ended = true
			return w
		}
		if total := assertions.IntField(ex, "totalResults"); len(got) == 0 && total >= 0 && delivered >= total {
			emptyAtEnd++
			if emptyAtEnd > 1 {
				w.endless = fmt.Sprintf("%d pages without resources, after all %d results were delivered, still carry a nextCursor", emptyAtEnd, total)
				return w
			}
		}
		if followed[next] {
			w.endless = fmt.Sprintf("nextCursor %q was already followed: the walk goes round in a loop", next)
			return w
		}
		followed[next] = true
		cursor = next
	}
	return w
}

// judgeUnadvertisedCursors asks a server that does not advertise cursors
// whether it pages by cursor all the same.
func (s *S) judgeUnadvertisedCursors(cw *cursorWalker) {
	ex := s.cursorPage(cw, "", 1)
	s.JudgeError(ex)
	_, next := assertions.Cursor(ex, "nextCursor")
	s.Judge("cursor-advertised", assertions.Expect(ex, ex.Status != http.StatusOK || !next,
		"a nextCursor, while /ServiceProviderConfig does not advertise pagination.cursor", "pagination with cursor: true in /ServiceProviderConfig"), ex, s.Env.SP.Config)
}

// judgeCursorHonoured asks for a first page over the whole fixture: an
// advertised cursor server answers it with a nextCursor (unless it ignored
// count and listed everything, which is cursor-count-bound's finding). It
// reports whether the server pages by cursor: nothing else can be judged
// when it does not.
func (s *S) judgeCursorHonoured(cw *cursorWalker) bool {
	ex := s.cursorPage(cw, "", cw.count)
	s.JudgeError(ex)
	_, next := assertions.Cursor(ex, "nextCursor")
	all := 0
	for _, id := range assertions.ListedIDs(ex) {
		if slices.Contains(cw.sc.ids, id) {
			all++
		}
	}
	err := assertions.Expect(ex, ex.Status == http.StatusOK && (next || all == len(cw.sc.ids)),
		fmt.Sprintf("%d %s", ex.Status, map[bool]string{true: "with a nextCursor", false: "without a nextCursor"}[next]),
		fmt.Sprintf("200 with a nextCursor (pagination.cursor is advertised and %d results match)", len(cw.sc.ids)))
	s.Judge("cursor-advertised-honoured", err, ex, s.Env.SP.Config)
	if err == nil {
		s.judgeCursorPages(cw, cursorWalk{pages: []*fakeidp.Exchange{ex}})
	}
	return err == nil
}

// judgeCursorFirstPage judges what holds of any first page.
func (s *S) judgeCursorFirstPage(ex *fakeidp.Exchange) {
	if ex.Status != http.StatusOK {
		return
	}
	_, prev := assertions.Cursor(ex, "previousCursor")
	s.Judge("cursor-no-previous-on-first", assertions.Expect(ex, !prev, "a previousCursor on the first page", "none"), ex)
}

// judgeCursorPages judges the rules of every page of a walk.
func (s *S) judgeCursorPages(cw *cursorWalker, w cursorWalk) {
	if len(w.pages) > 0 {
		s.judgeCursorFirstPage(w.pages[0])
	}
	for _, ex := range w.pages {
		if ex.Status != http.StatusOK {
			continue
		}
		s.Judge("cursor-url-safe", assertions.CursorURLSafe(ex), ex)
		n := assertions.PageLen(ex)
		s.Judge("cursor-count-bound", assertions.Expect(ex, n <= cw.count, fmt.Sprintf("%d resources for count=%d", n, cw.count), fmt.Sprintf("at most %d", cw.count)), ex)
	}
}

// judgeCursorWalk walks the fixture while nothing changes: every page rule,
// the end of the walk, and each of the run's users exactly once.
func (s *S) judgeCursorWalk(cw *cursorWalker) {
	w := s.walk9865(cw, nil)
	s.judgeCursorPages(cw, w)
	last := w.pages[len(w.pages)-1]
	switch {
	case w.endless != "":
		s.Judge("cursor-walk-ends", assertions.Expect(last, false, w.endless, "no nextCursor once the results are exhausted"), w.pages...)
	case w.ended:
		s.Judge("cursor-walk-ends", nil, last)
	case w.refused == nil:
		s.Skip("cursor-walk-ends", fmt.Sprintf("the walk did not end within %d pages of count=%d, and the server gave no totalResults to tell whether results remain", cw.maxPages, cw.count))
	}
	if w.late != "" {
		s.Skip("cursor-walk-complete", "not judgeable: "+w.late)
		return
	}
	if w.refused != nil {
		s.Judge("cursor-walk-complete", assertions.Expect(w.refused, false, fmt.Sprintf("page %d of the walk answered %d", len(w.pages), w.refused.Status), "200: the cursor came from the previous page"), w.pages...)
		return
	}
	if changed := totalsChanged(w.pages); changed != "" {
		s.Skip("cursor-walk-complete", "the results changed while the walk ran ("+changed+"), and RFC 9865 promises nothing of a walk over changing results")
		return
	}
	got := slices.Sorted(slices.Values(w.own))
	want := slices.Sorted(slices.Values(cw.sc.ids))
	s.JudgeCausedBy("cursor-walk-complete", "cursor-walk-ends", assertions.Expect(last, slices.Equal(got, want),
		fmt.Sprintf("pages of count=%d listing %s", cw.count, describeOwn(w.own, cw.sc.ids)), fmt.Sprintf("each of the %d users exactly once", len(want))), w.pages...)
}

// totalsChanged describes how totalResults moved across a walk's pages
// (someone else's resources came or went), or is "" when it did not.
func totalsChanged(pages []*fakeidp.Exchange) string {
	first := assertions.IntField(pages[0], "totalResults")
	for _, ex := range pages[1:] {
		if t := assertions.IntField(ex, "totalResults"); t != first && t >= 0 && first >= 0 {
			return fmt.Sprintf("totalResults %d, then %d", first, t)
		}
	}
	return ""
}

// describeOwn says which of ids a walk missed or repeated.
func describeOwn(own, ids []string) string {
	var missing, repeated []string
	for _, id := range ids {
		switch n := occurrences(own, id); {
		case n == 0:
			missing = append(missing, id)
		case n > 1:
			repeated = append(repeated, id)
		}
	}
	parts := []string{fmt.Sprintf("%d of the run's users", len(own))}
	if len(missing) > 0 {
		parts = append(parts, "missing "+strings.Join(missing, ", "))
	}
	if len(repeated) > 0 {
		parts = append(parts, "repeating "+strings.Join(repeated, ", "))
	}
	return strings.Join(parts, "; ")
}

func occurrences(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// firstNext is a fresh first page and its nextCursor; ok is false (and
// the checks are skipped with the reason) when there is none to use.
func (s *S) firstNext(cw *cursorWalker, checks ...string) (first *fakeidp.Exchange, next string, ok bool) {
	first = s.cursorPage(cw, "", cw.count)
	next, ok = assertions.Cursor(first, "nextCursor")
	if first.Status != http.StatusOK || !ok {
		for _, id := range checks {
			s.Skip(id, fmt.Sprintf("a fresh first page (%s) answered %d without a nextCursor to probe with", first.URL, first.Status))
		}
		return first, "", false
	}
	return first, next, true
}

// judgeCursorErrors sends a cursor the server never issued, and a count
// that differs from the walk's first request. Each cursor is used once, so
// a server whose cursors are single-use is judged fairly.
func (s *S) judgeCursorErrors(cw *cursorWalker) {
	bad := s.cursorPage(cw, forgedCursor, cw.count)
	s.JudgeError(bad)
	s.Judge("cursor-invalid-rejected", assertions.Expect(bad, bad.Status >= 400 && bad.Status < 500,
		fmt.Sprintf("%d for the cursor %q, which the server never issued", bad.Status, forgedCursor), "a 4xx error"), bad)
	s.JudgeCausedBy("cursor-invalid-scimtype", "cursor-invalid-rejected", assertions.BadRequest(bad, "invalidCursor"), bad)

	first, next, ok := s.firstNext(cw, "cursor-invalid-count")
	if !ok {
		return
	}
	changed := s.cursorPage(cw, next, cw.count+1)
	s.JudgeError(changed)
	if late := s.lateFor(first, changed); late != "" {
		s.Skip("cursor-invalid-count", "not judgeable: "+late)
		return
	}
	if changed.Status == http.StatusOK {
		s.Judge("cursor-invalid-count", nil, first, changed) // serving a changed count is allowed
		return
	}
	s.Judge("cursor-invalid-count", assertions.BadRequest(changed, "invalidCount"), first, changed)
}

// judgeCursorCounts asks first pages of count=0 and count=-1.
func (s *S) judgeCursorCounts(cw *cursorWalker) {
	zero := s.cursorPage(cw, "", 0)
	s.JudgeError(zero)
	s.JudgeCausedBy("cursor-count-zero", "cursor-count-bound", assertions.Expect(zero, zero.Status == http.StatusOK && assertions.PageLen(zero) == 0,
		fmt.Sprintf("%d with %d resources", zero.Status, assertions.PageLen(zero)), "200 with no resources (count=0 asks only for totalResults)"), zero)
	neg := s.cursorPage(cw, "", -1)
	s.JudgeError(neg)
	ok := neg.Status == http.StatusOK && assertions.PageLen(neg) == 0 || assertions.BadRequest(neg, "invalidCount") == nil
	s.JudgeCausedBy("cursor-negative-count", "cursor-count-zero", assertions.Expect(neg, ok,
		fmt.Sprintf("%d with %d resources", neg.Status, assertions.PageLen(neg)), "200 with no resources (a negative count means 0), or 400 invalidCount"), neg)
}

// judgeCursorSearch pages the fixture by POST /Users/.search: an empty
// cursor, then the nextCursor it answered. A server without .search (404,
// 405, 501) has the check skipped.
func (s *S) judgeCursorSearch(cw *cursorWalker) {
	post := func(cursor string) *fakeidp.Exchange {
		body := map[string]any{"schemas": []any{fakeidp.MsgSearchRequest}, "cursor": cursor, "count": cw.count}
		if cw.sc.filtered() {
			body["filter"] = cw.sc.filter
		}
		ex := s.Do(fakeidp.Request{Method: http.MethodPost, Path: "/Users/.search", Body: fakeidp.MustJSON(body)})
		s.sess.TrackCreated("User", ex)
		s.JudgeError(ex)
		return ex
	}
	first := post("")
	switch first.Status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		s.Skip("cursor-search", "the server does not offer POST /Users/.search (it answered "+itoa(first.Status)+")")
		return
	}
	next, ok := assertions.Cursor(first, "nextCursor")
	own := ownIn(first, cw.sc.ids)
	if first.Status != http.StatusOK || !ok {
		s.Judge("cursor-search", assertions.Expect(first, first.Status == http.StatusOK && len(own) == len(cw.sc.ids),
			fmt.Sprintf("%d without a nextCursor, listing %d of the run's %d users", first.Status, len(own), len(cw.sc.ids)),
			"200 with a nextCursor, as GET answers the same query"), first)
		return
	}
	second := post(next)
	if late := s.lateFor(first, second); late != "" {
		s.Skip("cursor-search", "not judgeable: "+late)
		return
	}
	more := ownIn(second, cw.sc.ids)
	fresh := len(more) > 0 && !slices.ContainsFunc(more, func(id string) bool { return slices.Contains(own, id) })
	s.Judge("cursor-search", assertions.Expect(second, second.Status == http.StatusOK && fresh,
		fmt.Sprintf("%d listing %v after a first page of %v", second.Status, more, own), "200 with the next page: users the first page did not list"), first, second)
}

// ownIn is the ids of a page that are among ids.
func ownIn(ex *fakeidp.Exchange, ids []string) []string {
	var out []string
	for _, id := range assertions.ListedIDs(ex) {
		if slices.Contains(ids, id) {
			out = append(out, id)
		}
	}
	return out
}

// cursorWalkUnderChange walks again while the run creates a user of the
// fixture and deletes one, after the first page. RFC 9865 promises nothing
// about which results such a walk returns, so only the page rules are
// judged on it; a refused page is not a finding either.
func (s *S) cursorWalkUnderChange(cw *cursorWalker, tag string, victim fakeidp.User) {
	w := s.walk9865(cw, func(page int) {
		if page != 1 {
			return
		}
		u := s.NewUser()
		u.UserName, u.Name.GivenName = tag+"-late", tag
		s.CreateUser(u)
		s.Write(http.MethodDelete, "User", victim.ID, nil, nil)
	})
	s.judgeCursorPages(cw, w)
}
