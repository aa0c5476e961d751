package reconcile

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// srvRes is what the walk keeps of one server resource: enough to match it
// and name it, never its body.
type srvRes struct {
	id, ext, name string // name: userName or displayName
	etag          string
	active        bool  // users: not explicitly false
	src           int32 // the source resource it matched; -1 none
	inScope       bool  // listed by the scoped walk (extras are judged only among these)
}

// side is one resource type as the walk found it. The engine's mutex
// guards it.
type side struct {
	typ    string
	byID   map[string]*srvRes
	byExt  map[string]*srvRes
	byName map[string]*srvRes // folded
	first  []*srvRes          // per source index: the server resource it matched
	dups   map[int32][]string // per source index: further server ids with its key
}

// newSide sizes the indexes for the n source resources the server should
// hold: growing a map of a million entries step by step rehashes it again
// and again.
func newSide(typ string, n int) *side {
	return &side{typ: typ, byID: make(map[string]*srvRes, n), byExt: make(map[string]*srvRes, n), byName: make(map[string]*srvRes, n),
		first: make([]*srvRes, n), dups: map[int32][]string{}}
}

func (sd *side) index(r *srvRes) {
	sd.byID[r.id] = r
	if r.ext != "" && sd.byExt[r.ext] == nil {
		sd.byExt[r.ext] = r
	}
	if k := strings.ToLower(r.name); r.name != "" && sd.byName[k] == nil {
		sd.byName[k] = r
	}
}

// walk streams every page of sd's type (filter: the scope), handing each
// resource to handle. A server that advertises cursors (RFC 9865) is
// walked by cursor; when that walk is refused or comes short of the first
// page's totalResults and the server also pages by index, the index walk
// follows (claim drops what was already seen). By index, after the first
// page tells the page size and total, the other pages are read with
// bounded concurrency; when the total grew meanwhile, the walk goes on to
// the new end.
func (e *engine) walk(sd *side, filter, attrs string, handle func(gjson.Result, bool)) {
	if e.byCursor && e.walkCursor(sd, filter, attrs, handle) || e.ctx.Err() != nil {
		return
	}
	var hi atomic.Int64
	size, ok := e.page(sd, filter, attrs, 1, &hi, handle)
	if !ok || size == 0 {
		return
	}
	for next := 1 + size; next <= int(hi.Load()) && e.ctx.Err() == nil; {
		var starts []int
		for top := int(hi.Load()); next <= top; next += size {
			starts = append(starts, next)
		}
		parallel(e.cfg.Concurrency, starts, func(start int) { e.page(sd, filter, attrs, start, &hi, handle) })
	}
	if err := e.ctx.Err(); err != nil {
		e.fail("the walk of %ss was cancelled: %v", sd.typ, err)
	}
}

// walkCursor walks sd's type by cursor, one page after another. Keyset
// cursors do not shift when resources come and go, and the re-read still
// backs any resource a page missed. It reports false when an index walk
// should follow: the cursor walk was refused, or read fewer resources
// than the first page announced, and the server pages by index too.
func (e *engine) walkCursor(sd *side, filter, attrs string, handle func(gjson.Result, bool)) bool {
	first, read, total := true, int64(0), int64(0)
	err := e.rd.cursorWalk(sd.typ, filter, attrs, e.cfg.PageSize, func(body []byte) error {
		n, t, err := e.take(sd, body, first, handle)
		if first {
			total = t
		}
		if err == nil && first && n == 0 && t > 0 && e.cfg.PageSize > 0 {
			err = fmt.Errorf("no resources on the first page, though totalResults is %d", t)
		}
		first, read = false, read+int64(n)
		return err
	})
	index := e.sp.Pagination != nil && e.sp.Pagination.Index
	var se *statusError
	switch {
	case err != nil && index && errors.As(err, &se) && se.status >= 400 && se.status < 500 && read == 0:
		return false
	case err != nil:
		e.fail("listing %ss by cursor: %v", sd.typ, err)
	case read < total && index:
		e.total.Add(-total) // the index walk's first page counts it again
		return false
	}
	return true
}

// page reads one page by index and hands over its resources; it returns
// how many came, and raises hi to the announced total.
func (e *engine) page(sd *side, filter, attrs string, start int, hi *atomic.Int64, handle func(gjson.Result, bool)) (int, bool) {
	ex, err := e.rd.list(sd.typ, filter, attrs, start, e.cfg.PageSize)
	if err != nil {
		e.fail("listing %ss at startIndex %d: %v", sd.typ, start, err)
		return 0, false
	}
	n, total, err := e.take(sd, ex.RespBody, start == 1, handle)
	if err != nil {
		e.fail("listing %ss at startIndex %d: %v", sd.typ, start, err)
		return 0, false
	}
	for cur := hi.Load(); total > cur && !hi.CompareAndSwap(cur, total); cur = hi.Load() {
	}
	if n == 0 && int64(start) <= total {
		e.fail("listing %ss at startIndex %d: no resources, though totalResults is %d", sd.typ, start, total)
	}
	return n, true
}

// take hands over the resources of one list page body and counts them; it
// returns how many came and the announced total, which the first page
// adds to the walk's.
func (e *engine) take(sd *side, raw []byte, first bool, handle func(gjson.Result, bool)) (int, int64, error) {
	body := gjson.ParseBytes(raw)
	if !body.IsObject() {
		return 0, 0, errors.New("the answer is not a JSON object")
	}
	total := fakeidp.Lookup(body, "totalResults").Int()
	if first {
		e.total.Add(total)
	}
	n := 0
	inScope := e.cfg.Scope != ScopeSource
	fakeidp.Lookup(body, "Resources").ForEach(func(_, r gjson.Result) bool {
		handle(r, inScope)
		n++
		return true
	})
	e.pages.Add(1)
	e.read.Add(int64(n))
	e.progress(sd.typ + "s")
	return n, total, nil
}

// rereadMissing reads again, by filter on its match key (or by id), every
// source resource the walk did not find, so a resource skipped by a page
// that shifted is not called missing. Without filter support the type is
// walked once more instead.
func (e *engine) rereadMissing(sd *side, attrs string, handle func(gjson.Result, bool)) {
	var missing []int
	for i, f := range sd.first {
		if f == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 || e.ctx.Err() != nil {
		return
	}
	if !e.sp.Filter {
		f, _ := e.scopeFilters()
		if sd.typ == "Group" {
			_, f = e.scopeFilters()
		}
		e.walk(sd, f, attrs, handle)
		return
	}
	inScope := e.cfg.Scope == ScopeAll
	parallel(e.cfg.Concurrency, missing, func(i int) {
		attr, key := e.sourceKey(sd, i)
		e.reread.Add(1)
		if attr == "id" {
			ex, err := e.rd.get(sd.typ, key, attrs)
			if err == nil {
				handle(gjson.ParseBytes(ex.RespBody), inScope)
			} else if !isNotFound(err) {
				e.fail("reading %s %s again: %v", sd.typ, key, err)
			}
			return
		}
		ex, err := e.rd.first(sd.typ, filterEq(attr, key), attrs, e.cfg.PageSize, e.byCursor)
		if err != nil {
			e.fail("looking %s %s %q up again: %v", sd.typ, attr, key, err)
			return
		}
		fakeidp.Get(ex.RespBody, "Resources").ForEach(func(_, r gjson.Result) bool {
			handle(r, inScope)
			return true
		})
	})
	e.progress("re-read")
}

func (e *engine) sourceKey(sd *side, i int) (string, string) {
	if sd.typ == "Group" {
		return e.src.Groups[i].KeyAttr, e.src.Groups[i].Key
	}
	return e.src.Users[i].KeyAttr, e.src.Users[i].Key
}

// claim files a server resource and matches it with a source resource by
// the source's keys: externalId, then userName or displayName, then id. It
// returns the source index to compare with, or -1 (none, a duplicate, or
// a resource already seen on another page).
func (e *engine) claim(sd *side, r *srvRes, keys map[matchKey]int, nameAttr string, inScope bool) int32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := sd.byID[r.id]; old != nil {
		old.inScope = old.inScope || inScope
		return -1
	}
	r.src, r.inScope = -1, inScope
	sd.index(r)
	for _, c := range [][2]string{{"externalId", r.ext}, {nameAttr, r.name}, {"id", r.id}} {
		if c[1] == "" {
			continue
		}
		i, ok := keys[keyIndex(c[0], c[1])]
		if !ok {
			continue
		}
		r.src = int32(i)
		if sd.first[i] != nil {
			sd.dups[int32(i)] = append(sd.dups[int32(i)], r.id)
			return -1
		}
		sd.first[i] = r
		return int32(i)
	}
	return -1
}
