package refserver

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// The faults of queries (paging, sorting, the filter parameter): each name,
// and its line in the table faults.go gathers, beside the code that checks
// it with s.fault.
const (
	fFilterIgnored         = "filter-ignored"
	fItemsPerPageWrong     = "items-per-page-wrong"
	fSortIgnored           = "sort-ignored"
	fStartIndexZeroBased   = "start-index-zero-based"
	fCountIgnored          = "count-ignored"
	fEmptyFilterReturns404 = "empty-filter-returns-404"
)

var listFaults = []Fault{
	conformance(fFilterIgnored, "the filter parameter is ignored and the unfiltered collection is returned"),
	conformance(fSortIgnored, "sort is advertised, but sortBy and sortOrder are ignored: results come in storage order"),
	conformance(fItemsPerPageWrong, "itemsPerPage echoes the requested count (or totalResults) instead of the page length"),
	conformance(fStartIndexZeroBased, "startIndex is treated as 0-based, so pages skip one resource"),
	conformance(fCountIgnored, "the count parameter is ignored and a full default page is returned"),
	conformance(fEmptyFilterReturns404, "a query that matches nothing answers 404 instead of an empty ListResponse"),
}

// query is a list request, from GET query parameters or a SearchRequest.
type query struct {
	filter     string
	hasFilter  bool
	sortBy     string
	sortOrder  string
	startIndex int
	hasStart   bool // startIndex was sent
	count      int
	hasCount   bool
	cursor     string // RFC 9865: "" asks for the first page when hasCursor
	hasCursor  bool
	attrs      []string
	excluded   []string
}

func queryFromURL(r *http.Request) query {
	v := r.URL.Query()
	q := query{startIndex: 1, sortBy: v.Get("sortBy"), sortOrder: v.Get("sortOrder"),
		attrs: splitList(v.Get("attributes")), excluded: splitList(v.Get("excludedAttributes"))}
	if v.Has("filter") {
		q.filter, q.hasFilter = v.Get("filter"), true
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v.Get("startIndex"))); err == nil {
		q.startIndex, q.hasStart = n, true
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v.Get("count"))); err == nil {
		q.count, q.hasCount = n, true
	}
	if v.Has("cursor") {
		q.cursor, q.hasCursor = v.Get("cursor"), true
	}
	return q
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, rt *resourceType) {
	s.answerQuery(w, r, rt, queryFromURL(r))
}

// handleSearch serves POST .search (RFC 7644 §3.4.3).
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, rt *resourceType) {
	body, err := s.readJSON(r, maxBodyBytes)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if err := checkSchemas(body, urnSearchRequest); err != nil {
		s.writeError(w, err)
		return
	}
	q := query{startIndex: 1}
	strList := func(v any) ([]string, bool) {
		switch t := v.(type) {
		case string:
			return splitList(t), true
		case []any:
			var out []string
			for _, e := range t {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				out = append(out, strings.TrimSpace(s))
			}
			return out, true
		case nil:
			return nil, true
		}
		return nil, false
	}
	intVal := func(v any) (int, bool) {
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return 0, false
		}
		return int(f), true
	}
	for k, v := range body {
		var ok = true
		switch strings.ToLower(k) {
		case "filter":
			q.filter, ok = v.(string)
			q.hasFilter = true
		case "sortby":
			q.sortBy, ok = v.(string)
		case "sortorder":
			q.sortOrder, ok = v.(string)
		case "startindex":
			q.startIndex, ok = intVal(v)
			q.hasStart = true
		case "count":
			q.count, ok = intVal(v)
			q.hasCount = true
		case "cursor":
			q.cursor, ok = v.(string)
			q.hasCursor = !s.fault(fSearchCursorIgnored)
		case "attributes":
			q.attrs, ok = strList(v)
		case "excludedattributes":
			q.excluded, ok = strList(v)
		}
		if !ok {
			s.writeError(w, badRequest(stInvalidValue, "SearchRequest member %q has the wrong type", k))
			return
		}
	}
	s.answerQuery(w, r, rt, q)
}

// answerQuery runs q against one resource type, or all when rt is nil.
func (s *Server) answerQuery(w http.ResponseWriter, r *http.Request, rt *resourceType, q query) {
	if q.hasFilter && !s.supports("filter") {
		s.writeError(w, notImplemented("filter"))
		return
	}
	if !s.supports("sort") || s.fault(fSortIgnored) {
		q.sortBy, q.sortOrder = "", "" // a server without sorting ignores them
	}
	out, err := s.runQuery(rt, q, s.baseURL(r))
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) runQuery(only *resourceType, q query, base string) (map[string]any, *scimError) {
	rts := defs.resourceTypes()
	if only != nil {
		rts = []*resourceType{only}
	}
	expr, filters, err := s.queryFilters(rts, q, only == nil)
	if err != nil {
		return nil, err
	}
	sortOrder := strings.ToLower(strings.TrimSpace(q.sortOrder))
	if sortOrder != "" && sortOrder != "ascending" && sortOrder != "descending" {
		return nil, badRequest(stInvalidValue, "sortOrder must be \"ascending\" or \"descending\"")
	}

	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	matches, bySeq := s.matching(rts, expr, filters)
	if q.sortBy != "" {
		matches = slices.Clone(matches)
		s.sortResources(matches, q.sortBy, sortOrder == "descending")
	}
	total := len(matches)
	if q.hasFilter && total == 0 && s.fault(fEmptyFilterReturns404) {
		return nil, notFound("no resource matches the filter")
	}
	if err := s.cursorOnly(&q); err != nil {
		return nil, err
	}
	start, page := s.page(matches, q)
	var cp cursorPage
	if q.hasCursor && s.cursorOn() {
		if q.sortBy == "" && !bySeq {
			matches = slices.Clone(matches) // it may be shared (see matching)
			slices.SortStableFunc(matches, func(a, b *resource) int { return cmp.Compare(a.seq, b.seq) })
		}
		cp, err = s.pageByCursor(rtNames(rts), matches, q, q.sortBy != "")
		if err != nil {
			return nil, err
		}
		page = cp.page
	}
	projs := map[*resourceType]projection{}
	for _, rt := range rts {
		projs[rt] = s.parseProjection(rt, q.attrs, q.excluded)
	}
	resources := make([]any, len(page))
	for i, res := range page {
		resources[i] = projs[res.rt].apply(s.renderFor(res, base, projs[res.rt]))
	}
	out := listResponse(resources, total, start)
	if q.hasCursor && s.cursorOn() {
		cp.answer(out)
	}
	if s.fault(fItemsPerPageWrong) {
		if q.hasCount {
			out["itemsPerPage"] = q.count
		} else {
			out["itemsPerPage"] = total
		}
	}
	return out, nil
}

// queryFilters parses q's filter and compiles it for each resource type;
// nil when there is no filter to apply. At the service root (lenient) a
// filter must name an attribute of at least one type.
func (s *Server) queryFilters(rts []*resourceType, q query, lenient bool) (filter.Expression, map[*resourceType]*compiledFilter, *scimError) {
	filters := map[*resourceType]*compiledFilter{}
	if !q.hasFilter || s.fault(fFilterIgnored) {
		return nil, filters, nil
	}
	expr, err := parseFilter(q.filter)
	if err != nil {
		return nil, nil, err
	}
	if s.is(pFiltersEqAndOnly) && hasParens(q.filter) {
		return nil, nil, badRequest(stInvalidFilter, "this service provider supports only eq comparisons joined by and; parentheses are not supported")
	}
	known := false
	for _, rt := range rts {
		f, err := s.compile(rt, expr, lenient || s.fault(fUnknownFilterAttr))
		if err != nil {
			return nil, nil, err
		}
		if _, isConst := f.root.(constNode); !isConst {
			known = true
		}
		filters[rt] = f
	}
	if !known && lenient {
		return nil, nil, badRequest(stInvalidFilter, "the filter names no attribute of any resource type")
	}
	return expr, filters, nil
}

// matching returns the resources of rts that pass their filter (read
// lock held), and whether they are in creation (seq) order: they are,
// unless an index lookup chose the candidates. A cursor page relies on
// that order to find its start by binary search, so a walk costs its
// pages, not pages × list.
func (s *Server) matching(rts []*resourceType, expr filter.Expression, filters map[*resourceType]*compiledFilter) ([]*resource, bool) {
	ghosts := s.fault(fSoftDeletedStillListed)
	var matches []*resource
	bySeq := true
	for _, rt := range rts {
		f := filters[rt]
		var pool []*resource
		if ids := s.candidatesFor(rt, expr, f, ghosts); ids != nil {
			bySeq = false
			for _, id := range ids {
				if res, ok := s.st.get(rt, id); ok {
					pool = append(pool, res)
				}
			}
		} else if ghosts {
			pool = s.st.all(rt, ghosts)
		} else {
			pool = s.st.live(rt)
		}
		if f == nil && len(rts) == 1 {
			return pool, bySeq // shared: runQuery copies it before sorting
		}
		for _, res := range pool {
			if f == nil || f.root.eval(&scope{s: s, res: res}) {
				matches = append(matches, res)
			}
		}
	}
	if len(rts) > 1 {
		sort.SliceStable(matches, func(i, j int) bool { return matches[i].seq < matches[j].seq })
		bySeq = true
	}
	return matches, bySeq
}

// page cuts the page q asks for (RFC 7644 §3.4.2.4) and returns it with
// the startIndex to report.
func (s *Server) page(matches []*resource, q query) (int, []*resource) {
	start := max(q.startIndex, 1)
	skip := start - 1
	if s.fault(fStartIndexZeroBased) {
		skip = start
	}
	count := defaultPageSize
	if q.hasCount && !s.fault(fCountIgnored) {
		count = q.count
	}
	count = min(max(count, 0), maxResults)
	skip = min(skip, len(matches))
	end := min(skip+count, len(matches))
	return start, matches[skip:end]
}

func (s *Server) candidatesFor(rt *resourceType, expr filter.Expression, f *compiledFilter, ghosts bool) []string {
	if expr == nil || f == nil || ghosts {
		return nil
	}
	return s.candidates(rt, expr)
}

// sortKey is one resource's value for sortBy.
type sortKey struct {
	ok  bool
	str string
	num float64
	t   time.Time
	b   bool
}

func (k sortKey) less(o sortKey) bool {
	switch {
	case k.str != o.str:
		return k.str < o.str
	case k.num != o.num:
		return k.num < o.num
	case !k.t.Equal(o.t):
		return k.t.Before(o.t)
	case k.b != o.b:
		return !k.b
	}
	return false
}

// sortResources orders by the sortBy attribute (RFC 7644 §3.4.2.3):
// caseExact=false strings compare case-insensitively, multi-valued
// attributes use the primary (or first) value, and resources without a
// value come last ascending and first descending. Ties keep creation order.
func (s *Server) sortResources(rs []*resource, sortBy string, desc bool) {
	keys := make(map[*resource]sortKey, len(rs))
	for _, res := range rs {
		keys[res] = s.sortKeyOf(res, sortBy)
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := keys[rs[i]], keys[rs[j]]
		if a.ok != b.ok {
			return a.ok != desc // ascending: valued first; descending: missing first
		}
		if !a.ok {
			return false
		}
		if desc {
			return b.less(a)
		}
		return a.less(b)
	})
}

func (s *Server) sortKeyOf(res *resource, sortBy string) sortKey {
	ref, ok := s.resolve(res.rt, sortBy, false)
	if !ok {
		return sortKey{}
	}
	whole := attrRef{schema: ref.schema, attr: ref.attr, common: ref.common}
	vals := s.values(res, whole)
	if len(vals) == 0 {
		return sortKey{}
	}
	v := vals[0]
	if ref.attr.MultiValued {
		for _, e := range vals {
			if m, ok := e.(map[string]any); ok && m["primary"] == true {
				v = e
				break
			}
		}
	}
	leaf := ref.leaf()
	if ref.attr.Type == tComplex {
		sub := ref.sub
		if sub == nil {
			sub = ref.attr.sub("value")
		}
		if sub == nil {
			return sortKey{}
		}
		m, _ := v.(map[string]any)
		v, leaf = m[sub.Name], sub
	}
	switch t := v.(type) {
	case string:
		if t == "" {
			return sortKey{}
		}
		if leaf.Type == tDateTime {
			if p, err := time.Parse(time.RFC3339Nano, t); err == nil {
				return sortKey{ok: true, t: p}
			}
		}
		if !leaf.CaseExact {
			t = s.fold()(t)
		}
		return sortKey{ok: true, str: t}
	case float64:
		return sortKey{ok: true, num: t}
	case bool:
		return sortKey{ok: true, b: t}
	case time.Time:
		return sortKey{ok: true, t: t}
	}
	return sortKey{}
}
