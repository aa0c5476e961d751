package scenarios

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// pageFixture is five users under one tag, with names chosen so that
// case-sensitive and case-insensitive orders differ and two have no title.
// They share name.givenName (the tag), so that one eq filter selects them
// all; displayName, title, userName and familyName differ for the sorts.
type pageFixture struct {
	tag   string
	users []fakeidp.User // in creation order
}

var paging = Scenario{
	Name:   "paging-and-sorting",
	Areas:  []string{"page"},
	Checks: withCommon(),
	Run: func(s *S) {
		fx := &pageFixture{tag: s.Env.Names.Next("pg")}
		// name, displayName, title, familyName
		for _, p := range [][4]string{
			{"bob", "sort-c", "t1", "F-e"}, {"Alice", "sort-e", "t3", "F-d"}, {"carol", "sort-a", "", "F-c"},
			{"Dave", "sort-d", "t2", "F-b"}, {"erin", "sort-b", "", "F-a"},
		} {
			u := s.NewUser()
			u.UserName, u.DisplayName, u.Title, u.Name.GivenName, u.Name.FamilyName = fx.tag+"-"+p[0], p[1], p[2], fx.tag, p[3]
			u, _ = s.CreateUser(u)
			fx.users = append(fx.users, u)
		}
		var filters []string
		if s.declaresSub("name", "givenName") {
			filters = append(filters, `name.givenName eq "`+fx.tag+`"`)
		}
		sc, why := s.findScope("User", ids(fx.users...), filters...)
		if sc == nil {
			s.skipOwn("paging and sorting cannot be confined to the run's own users: " + why)
			return
		}
		s.judgePaging(sc)
		if s.Env.SP.Has(fakeidp.CapIndex) { // else page-walk-complete is skipped: cursor-walk-complete walks by cursor
			s.walk(sc, 2)
			if n := s.Dialect().PageCount(); n > 0 {
				s.walk(sc, n)
			}
		}
		s.judgeSorting(fx, sc)
	},
}

// judgePaging judges the paging parameters on the scope's query. An answer
// other than 200 is judged only by the check that owns its query, never
// read as a page. A server without index paging (RFC 9865 §4:
// pagination.index false) is sent no startIndex: the checks about it are
// skipped, and the others judge its default, cursor, pages.
func (s *S) judgePaging(sc *listScope) {
	page := func(kv ...string) *fakeidp.Exchange {
		ex := s.Query("User", sc.query(kv...))
		s.judgePage(ex)
		return ex
	}
	owns := func(id string, ex *fakeidp.Exchange) bool {
		if ex.Status == http.StatusOK {
			return true
		}
		s.Judge(id, assertions.Status(ex, 200), ex)
		return false
	}
	full := sc.probe
	s.judgePage(full)
	total := assertions.IntField(full, "totalResults")
	if max := s.Env.SP.FilterMaxResults; max > 0 {
		s.Judge("page-max-results", assertions.Expect(full, int64(assertions.PageLen(full)) <= max, fmt.Sprintf("%d resources", assertions.PageLen(full)), fmt.Sprintf("at most filter.maxResults %d", max)), full)
	} else {
		s.Skip("page-max-results", "the server advertises no filter.maxResults")
	}
	index := s.Env.SP.Has(fakeidp.CapIndex)
	if index {
		if last := page("startIndex", itoa(int(total)), "count", "2"); last.Status == http.StatusOK {
			s.judgeItemsPerPage(last)
			// Only the run's own users, and as many as the scope holds:
			// nobody else adds or removes one, and a wrong totalResults is
			// the list checks' to judge.
			if sc.filtered() && total > 0 && total == int64(len(sc.ids)) {
				s.Judge("page-start-index-default", assertions.Expect(last, assertions.PageLen(last) > 0,
					fmt.Sprintf("no resources for startIndex=%d, the totalResults", total), "the last result (startIndex is 1-based)"), full, last)
			}
		}
	}
	first := page("count", "2")
	if owns("page-count-respected", first) {
		s.Judge("page-count-respected", assertions.Expect(first, assertions.PageLen(first) <= 2, fmt.Sprintf("%d resources for count=2", assertions.PageLen(first)), "at most 2"), first)
		s.judgeItemsPerPage(first)
		if index {
			s.judgeStartIndex(first, page, owns)
		}
	}
	one := page("count", "1")
	if owns("page-count-respected", one) {
		s.Judge("page-count-respected", assertions.Expect(one, assertions.PageLen(one) <= 1, fmt.Sprintf("%d resources for count=1", assertions.PageLen(one)), "at most 1"), one)
	}
	stable := []*fakeidp.Exchange{first, one}
	if index {
		third := page("startIndex", "3", "count", "2")
		if owns("page-start-index-echo", third) {
			s.Judge("page-start-index-echo", assertions.Expect(third, assertions.IntField(third, "startIndex") == 3, fmt.Sprintf("startIndex %d", assertions.IntField(third, "startIndex")), "3, the index requested"), third)
		}
		stable = append(stable, third)
	}
	for _, ex := range stable {
		if ex.Status == http.StatusOK {
			s.Judge("page-total-stable", assertions.Same(full, ex, "totalResults"), full, ex)
		}
	}
	s.judgePagingEdges(sc, total, page, owns)
}

// judgeStartIndex judges startIndex's default and a startIndex below 1,
// against first, the answer to count=2 without startIndex.
func (s *S) judgeStartIndex(first *fakeidp.Exchange, page func(...string) *fakeidp.Exchange, owns func(string, *fakeidp.Exchange) bool) {
	if si := assertions.IntField(first, "startIndex"); si != -1 {
		s.Judge("page-start-index-default", assertions.Expect(first, si == 1, fmt.Sprintf("startIndex %d without a startIndex parameter", si), "1"), first)
	} else {
		s.Judge("page-start-index-default", assertions.Expect(first, assertions.PageLen(first) > 0, "no startIndex and no resources", "the first page"), first)
	}
	for _, si := range []string{"0", "-5"} {
		low := page("startIndex", si, "count", "2")
		if owns("page-start-index-below-1", low) {
			s.Judge("page-start-index-below-1", assertions.Expect(low, slices.Equal(assertions.ListedIDs(low), assertions.ListedIDs(first)),
				fmt.Sprintf("ids %v for startIndex=%s", assertions.ListedIDs(low), si), fmt.Sprintf("the first page %v (startIndex below 1 means 1)", assertions.ListedIDs(first))), first, low)
		}
	}
}

// judgePagingEdges judges count=0, a negative count, a start past the end
// and a huge count. total is the scope's totalResults.
func (s *S) judgePagingEdges(sc *listScope, total int64, page func(...string) *fakeidp.Exchange, owns func(string, *fakeidp.Exchange) bool) {
	zero := page("count", "0")
	if owns("page-count-zero", zero) {
		s.Judge("page-count-zero", assertions.Expect(zero, assertions.PageLen(zero) == 0 && assertions.IntField(zero, "totalResults") == total,
			fmt.Sprintf("%d resources, totalResults %d", assertions.PageLen(zero), assertions.IntField(zero, "totalResults")), fmt.Sprintf("no resources and totalResults %d", total)), zero)
	}
	neg := page("count", "-1")
	s.Judge("page-negative-count", assertions.Expect(neg, neg.Status == 200 && assertions.PageLen(neg) == 0,
		fmt.Sprintf("%d with %d resources", neg.Status, assertions.PageLen(neg)), "200 with no resources (a negative count means 0)"), neg)
	past := "100"
	if total >= 100 {
		past = itoa(int(total) + 100)
	}
	if s.Env.SP.Has(fakeidp.CapIndex) {
		beyond := page("startIndex", past, "count", "2")
		s.Judge("page-beyond-end", assertions.Expect(beyond, beyond.Status == 200 && assertions.PageLen(beyond) == 0,
			fmt.Sprintf("%d with %d resources", beyond.Status, assertions.PageLen(beyond)), "200 with no resources"), beyond)
	}
	huge := page("count", "100000")
	if sc.filtered() {
		s.Judge("page-count-capped", assertions.Expect(huge, huge.Status == 200 && assertions.PageLen(huge) == len(sc.ids),
			fmt.Sprintf("%d with %d resources", huge.Status, assertions.PageLen(huge)), fmt.Sprintf("200 with all %d matches (a count above the limit is capped, not refused)", len(sc.ids))), huge)
	} else {
		n := int64(assertions.PageLen(huge))
		s.Judge("page-count-capped", assertions.Expect(huge, huge.Status == 200 && n > 0 && n <= total,
			fmt.Sprintf("%d with %d resources", huge.Status, n), fmt.Sprintf("200 with between 1 and %d resources (a count above the limit is capped, not refused)", total)), huge)
	}
}

// judgePage judges the list checks of any answer to a paging query.
func (s *S) judgePage(ex *fakeidp.Exchange) {
	s.JudgeList(ex)
	if ex.Status == http.StatusOK {
		s.Judge("list-paging-fields", assertions.ListPagingFields(ex, s.Env.SP.Has(fakeidp.CapIndex)), ex)
	}
	s.JudgeError(ex)
}

// judgeItemsPerPage judges itemsPerPage against the page's length. A page
// without itemsPerPage, once list-paging-fields failed for a partial page
// that lacked it, is that finding seen again.
func (s *S) judgeItemsPerPage(ex *fakeidp.Exchange) {
	cause := ""
	if !fakeidp.Get(ex.RespBody, "itemsPerPage").Exists() {
		cause = "list-paging-fields"
	}
	s.JudgeCausedBy("page-items-per-page", cause, assertions.Expect(ex, assertions.IntField(ex, "itemsPerPage") == int64(assertions.PageLen(ex)),
		fmt.Sprintf("itemsPerPage %d with %d resources", assertions.IntField(ex, "itemsPerPage"), assertions.PageLen(ex)), "itemsPerPage equal to the page's length"), ex)
}

// maxWalkPages bounds the walks of page-walk-complete.
const maxWalkPages = 50

// walk pages through the scope's query with count n and judges that every
// fixture resource comes exactly once, and that a second walk sees the
// same order. On an unfiltered walk only the fixture's own resources are
// judged: others may come and go while the walk runs.
func (s *S) walk(sc *listScope, n int) {
	total := int(assertions.IntField(sc.probe, "totalResults"))
	if total/n >= maxWalkPages {
		s.Skip("page-walk-complete", fmt.Sprintf("walking %s with count=%d would take more than %d pages", sc.describe(), n, maxWalkPages))
		return
	}
	var orders [2][]string
	var last *fakeidp.Exchange
	for pass := range 2 {
		for start := 1; start <= total+n; start += n {
			ex := s.Query("User", sc.query("startIndex", itoa(start), "count", itoa(n)))
			last = ex
			if ex.Status != 200 {
				s.Judge("page-walk-complete", assertions.Status(ex, 200), ex)
				return
			}
			got := assertions.ListedIDs(ex)
			for _, id := range got {
				if sc.filtered() || slices.Contains(sc.ids, id) {
					orders[pass] = append(orders[pass], id)
				}
			}
			if len(got) == 0 {
				break
			}
		}
	}
	got := slices.Sorted(slices.Values(orders[0]))
	want := slices.Sorted(slices.Values(sc.ids))
	s.Judge("page-walk-complete", assertions.Expect(last, slices.Equal(got, want),
		fmt.Sprintf("pages of count=%d yielding %v", n, orders[0]), fmt.Sprintf("each of %v exactly once", want)), last)
	s.Judge("page-walk-complete", assertions.Expect(last, slices.Equal(orders[0], orders[1]),
		fmt.Sprintf("order %v on a second walk, %v on the first", orders[1], orders[0]), "the same order on every walk"), last)
}

func (s *S) judgeSorting(fx *pageFixture, sc *listScope) {
	if !s.Env.SP.Sort {
		return // the checks carry the sort capability and are skipped already
	}
	local := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = strings.TrimPrefix(n, fx.tag+"-")
		}
		return out
	}
	// sorted lists the fixture in the order of the query kv; a walk that
	// could not see the whole fixture skips check.
	sorted := func(check string, kv ...string) (*fakeidp.Exchange, []string, bool) {
		ex, names, why := s.ordered(sc, kv...)
		if sc.filtered() {
			s.JudgeList(ex)
		}
		if ex.Status != http.StatusOK {
			s.JudgeError(ex)
			s.Judge(check, assertions.Status(ex, 200), ex) // the scope is known to work: the refusal is about sorting
			return ex, nil, false
		}
		if why != "" {
			s.Skip(check, why)
			return ex, nil, false
		}
		return ex, local(names), true
	}
	expect := func(id string, ex *fakeidp.Exchange, got []string, want []string, what string) {
		s.Judge(id, assertions.Expect(ex, slices.Equal(got, want), fmt.Sprintf("order %v", got), fmt.Sprintf("%v (%s)", want, what)), ex)
	}
	if ex, names, ok := sorted("sort-by", "sortBy", "displayName"); ok {
		expect("sort-by", ex, names, []string{"carol", "erin", "bob", "Dave", "Alice"}, "sortBy=displayName")
		if asc, ascNames, ok := sorted("sort-order", "sortBy", "displayName", "sortOrder", "ascending"); ok {
			expect("sort-order", asc, ascNames, names, "sortOrder=ascending equals the default")
		}
	}
	if desc, descNames, ok := sorted("sort-order", "sortBy", "displayName", "sortOrder", "descending"); ok {
		expect("sort-order", desc, descNames, []string{"Alice", "Dave", "bob", "erin", "carol"}, "sortOrder=descending")
	}
	if ci, ciNames, ok := sorted("sort-case-insensitive", "sortBy", "userName"); ok {
		expect("sort-case-insensitive", ci, ciNames, []string{"Alice", "bob", "carol", "Dave", "erin"}, "userName is caseExact=false")
	}
	if ti, got, ok := sorted("sort-missing-last", "sortBy", "title"); ok {
		if len(got) == 5 {
			tail := slices.Sorted(slices.Values(got[3:]))
			expect("sort-missing-last", ti, append(slices.Clone(got[:3]), tail...), []string{"bob", "Dave", "Alice", "carol", "erin"}, "titles t1, t2, t3, then the users without a title")
		} else {
			expect("sort-missing-last", ti, got, []string{"bob", "Dave", "Alice", "carol", "erin"}, "all five users")
		}
	}
	if td, got, ok := sorted("sort-missing-last", "sortBy", "title", "sortOrder", "descending"); ok && len(got) == 5 {
		head := slices.Sorted(slices.Values(got[:2]))
		expect("sort-missing-last", td, append(head, got[2:]...), []string{"carol", "erin", "Alice", "Dave", "bob"}, "descending: users without a title first")
	}
	if fn, fnNames, ok := sorted("sort-sub-attribute", "sortBy", "name.familyName"); ok {
		expect("sort-sub-attribute", fn, fnNames, []string{"erin", "Dave", "carol", "Alice", "bob"}, "sortBy=name.familyName")
	}
}
