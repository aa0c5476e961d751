package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// pageFixture is five users under one tag, with names chosen so that
// case-sensitive and case-insensitive orders differ and two have no title.
type pageFixture struct {
	tag   string
	users []fakeidp.User // in creation order
}

var paging = Scenario{
	Name:  "paging-and-sorting",
	Needs: fakeidp.CapFilter,
	Checks: withCommon("list-schema", "list-total-integer", "list-resources-present", "list-paging-fields", "list-resources-have-id",
		"page-start-index-default", "page-start-index-below-1", "page-negative-count", "page-count-zero", "page-count-respected",
		"page-max-results", "page-start-index-echo", "page-items-per-page", "page-total-stable", "page-walk-complete",
		"page-beyond-end", "page-count-capped", "sort-by", "sort-order", "sort-case-insensitive", "sort-missing-last", "sort-sub-attribute"),
	Run: func(s *S) {
		fx := &pageFixture{tag: s.Env.Names.Next("pg")}
		// name, displayName, title, familyName
		for _, p := range [][4]string{
			{"bob", "sort-c", "t1", "F-e"}, {"Alice", "sort-e", "t3", "F-d"}, {"carol", "sort-a", "", "F-c"},
			{"Dave", "sort-d", "t2", "F-b"}, {"erin", "sort-b", "", "F-a"},
		} {
			u := s.NewUser()
			u.UserName, u.DisplayName, u.Title, u.Name.FamilyName = fx.tag+"-"+p[0], p[1], p[2], p[3]
			u, _ = s.CreateUser(u)
			fx.users = append(fx.users, u)
		}
		scope := `userName sw "` + fx.tag + `-"`
		all := ids(fx.users...)
		page := func(kv ...string) *fakeidp.Exchange {
			ex := s.Query("User", q(append([]string{"filter", scope}, kv...)...))
			s.JudgeList(ex)
			if ex.Status == 200 {
				s.Judge("list-paging-fields", assertions.ListPagingFields(ex), ex)
			}
			s.JudgeError(ex)
			return ex
		}
		full := page()
		last := page("startIndex", itoa(len(all)), "count", "2")
		s.Judge("page-items-per-page", assertions.Expect(last, assertions.IntField(last, "itemsPerPage") == int64(assertions.PageLen(last)),
			fmt.Sprintf("itemsPerPage %d with %d resources on the last page", assertions.IntField(last, "itemsPerPage"), assertions.PageLen(last)), "itemsPerPage equal to the page's length"), last)
		if full.Status != 200 || assertions.IntField(full, "totalResults") != int64(len(all)) {
			s.Stop("the scoped query %q answered %d with totalResults %d, want %d: paging cannot be judged", scope, full.Status, assertions.IntField(full, "totalResults"), len(all))
		}
		if max := s.Env.SP.FilterMaxResults; max > 0 {
			s.Judge("page-max-results", assertions.Expect(full, int64(assertions.PageLen(full)) <= max, fmt.Sprintf("%d resources", assertions.PageLen(full)), fmt.Sprintf("at most filter.maxResults %d", max)), full)
		} else {
			s.Skip("page-max-results", "the server advertises no filter.maxResults")
		}

		first := page("count", "2")
		s.Judge("page-count-respected", assertions.Expect(first, assertions.PageLen(first) <= 2, fmt.Sprintf("%d resources for count=2", assertions.PageLen(first)), "at most 2"), first)
		s.Judge("page-items-per-page", assertions.Expect(first, assertions.IntField(first, "itemsPerPage") == int64(assertions.PageLen(first)),
			fmt.Sprintf("itemsPerPage %d with %d resources", assertions.IntField(first, "itemsPerPage"), assertions.PageLen(first)), "itemsPerPage equal to the page's length"), first)
		if si := assertions.IntField(first, "startIndex"); si != -1 {
			s.Judge("page-start-index-default", assertions.Expect(first, si == 1, fmt.Sprintf("startIndex %d without a startIndex parameter", si), "1"), first)
		} else {
			s.Judge("page-start-index-default", assertions.Expect(first, assertions.PageLen(first) > 0, "no startIndex and no resources", "the first page"), first)
		}
		one := page("count", "1")
		s.Judge("page-count-respected", assertions.Expect(one, assertions.PageLen(one) <= 1, fmt.Sprintf("%d resources for count=1", assertions.PageLen(one)), "at most 1"), one)

		third := page("startIndex", "3", "count", "2")
		s.Judge("page-start-index-echo", assertions.Expect(third, assertions.IntField(third, "startIndex") == 3, fmt.Sprintf("startIndex %d", assertions.IntField(third, "startIndex")), "3, the index requested"), third)
		for _, ex := range []*fakeidp.Exchange{first, one, third} {
			s.Judge("page-total-stable", assertions.Same(full, ex, "totalResults"), full, ex)
		}
		for _, si := range []string{"0", "-5"} {
			low := page("startIndex", si, "count", "2")
			s.Judge("page-start-index-below-1", assertions.Expect(low, slices.Equal(assertions.ListedIDs(low), assertions.ListedIDs(first)),
				fmt.Sprintf("ids %v for startIndex=%s", assertions.ListedIDs(low), si), fmt.Sprintf("the first page %v (startIndex below 1 means 1)", assertions.ListedIDs(first))), first, low)
		}
		zero := page("count", "0")
		s.Judge("page-count-zero", assertions.Expect(zero, assertions.PageLen(zero) == 0 && assertions.IntField(zero, "totalResults") == int64(len(all)),
			fmt.Sprintf("%d resources, totalResults %d", assertions.PageLen(zero), assertions.IntField(zero, "totalResults")), fmt.Sprintf("no resources and totalResults %d", len(all))), zero)
		neg := page("count", "-1")
		s.Judge("page-negative-count", assertions.Expect(neg, neg.Status == 200 && assertions.PageLen(neg) == 0,
			fmt.Sprintf("%d with %d resources", neg.Status, assertions.PageLen(neg)), "200 with no resources (a negative count means 0)"), neg)
		beyond := page("startIndex", "100", "count", "2")
		s.Judge("page-beyond-end", assertions.Expect(beyond, beyond.Status == 200 && assertions.PageLen(beyond) == 0,
			fmt.Sprintf("%d with %d resources", beyond.Status, assertions.PageLen(beyond)), "200 with no resources"), beyond)
		huge := page("count", "100000")
		s.Judge("page-count-capped", assertions.Expect(huge, huge.Status == 200 && assertions.PageLen(huge) == len(all),
			fmt.Sprintf("%d with %d resources", huge.Status, assertions.PageLen(huge)), fmt.Sprintf("200 with all %d matches (a count above the limit is capped, not refused)", len(all))), huge)

		s.walk(scope, all, 2)
		if n := s.Dialect().PageCount(); n > 0 {
			s.walk(scope, all, n)
		}
		s.judgeSorting(fx, scope)
	},
}

// walk pages through the scoped query with count n and judges that every
// resource comes exactly once, and that a second walk sees the same order.
func (s *S) walk(scope string, want []string, n int) {
	var orders [2][]string
	var last *fakeidp.Exchange
	for pass := range 2 {
		for start := 1; start <= len(want)+n; start += n {
			ex := s.Query("User", q("filter", scope, "startIndex", itoa(start), "count", itoa(n)))
			last = ex
			if ex.Status != 200 {
				s.Judge("page-walk-complete", assertions.Status(ex, 200), ex)
				return
			}
			got := assertions.ListedIDs(ex)
			orders[pass] = append(orders[pass], got...)
			if len(got) == 0 {
				break
			}
		}
	}
	got := slices.Clone(orders[0])
	slices.Sort(got)
	wantSorted := slices.Sorted(slices.Values(want))
	s.Judge("page-walk-complete", assertions.Expect(last, slices.Equal(got, wantSorted),
		fmt.Sprintf("pages of count=%d yielding %v", n, orders[0]), fmt.Sprintf("each of %v exactly once", wantSorted)), last)
	s.Judge("page-walk-complete", assertions.Expect(last, slices.Equal(orders[0], orders[1]),
		fmt.Sprintf("order %v on a second walk, %v on the first", orders[1], orders[0]), "the same order on every walk"), last)
}

func (s *S) judgeSorting(fx *pageFixture, scope string) {
	if !s.Env.SP.Sort {
		return // the checks carry the sort capability and are skipped already
	}
	sorted := func(kv ...string) (*fakeidp.Exchange, []string) {
		ex := s.Query("User", q(append([]string{"filter", scope}, kv...)...))
		s.JudgeList(ex)
		return ex, assertions.Names(ex, "userName")
	}
	local := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = strings.TrimPrefix(n, fx.tag+"-")
		}
		return out
	}
	expect := func(id string, ex *fakeidp.Exchange, got []string, want []string, what string) {
		s.Judge(id, assertions.Expect(ex, slices.Equal(got, want), fmt.Sprintf("order %v", got), fmt.Sprintf("%v (%s)", want, what)), ex)
	}
	ex, names := sorted("sortBy", "displayName")
	expect("sort-by", ex, local(names), []string{"carol", "erin", "bob", "Dave", "Alice"}, "sortBy=displayName")
	asc, ascNames := sorted("sortBy", "displayName", "sortOrder", "ascending")
	expect("sort-order", asc, local(ascNames), local(names), "sortOrder=ascending equals the default")
	desc, descNames := sorted("sortBy", "displayName", "sortOrder", "descending")
	expect("sort-order", desc, local(descNames), []string{"Alice", "Dave", "bob", "erin", "carol"}, "sortOrder=descending")
	ci, ciNames := sorted("sortBy", "userName")
	expect("sort-case-insensitive", ci, local(ciNames), []string{"Alice", "bob", "carol", "Dave", "erin"}, "userName is caseExact=false")
	ti, tiNames := sorted("sortBy", "title")
	got := local(tiNames)
	if len(got) == 5 {
		tail := slices.Sorted(slices.Values(got[3:]))
		expect("sort-missing-last", ti, append(slices.Clone(got[:3]), tail...), []string{"bob", "Dave", "Alice", "carol", "erin"}, "titles t1, t2, t3, then the users without a title")
	} else {
		expect("sort-missing-last", ti, got, []string{"bob", "Dave", "Alice", "carol", "erin"}, "all five users")
	}
	td, tdNames := sorted("sortBy", "title", "sortOrder", "descending")
	got = local(tdNames)
	if len(got) == 5 {
		head := slices.Sorted(slices.Values(got[:2]))
		expect("sort-missing-last", td, append(head, got[2:]...), []string{"carol", "erin", "Alice", "Dave", "bob"}, "descending: users without a title first")
	}
	fn, fnNames := sorted("sortBy", "name.familyName")
	expect("sort-sub-attribute", fn, local(fnNames), []string{"erin", "Dave", "carol", "Alice", "bob"}, "sortBy=name.familyName")
}
