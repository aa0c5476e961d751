package safety

import (
	"net/url"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// Every walk of a whole list the harness makes (the final-state read of a
// property run, the cleanup sweep, a scenario's unfiltered scope) pages
// through WalkList, so a server that pages only by cursor (RFC 9865 §4:
// pagination.index false) is walked by cursor everywhere, and no faulty
// server can keep a walk going forever.

// WalkOptions tune [WalkList].
type WalkOptions struct {
	// ByCursor pages with RFC 9865 cursors (an empty cursor, then each
	// nextCursor) instead of startIndex; [PagesByCursor] says which the
	// server prefers.
	ByCursor bool
	PageSize int // count on every page; default 100
	MaxPages int // the most pages a walk reads; default 50
}

// WalkEnd is how a walk ended.
type WalkEnd struct {
	Last     *fakeidp.Exchange // the last answer; nil when the first request got none
	Pages    int               // pages answered 200
	Complete bool              // the end of the list was reached
}

// PagesByCursor reports whether a walk of a whole list should page by
// cursor: the server offers cursors and either has no index paging or
// names cursor its default method (fakeidp.Pagination.PrefersCursor).
func PagesByCursor(sp *fakeidp.ServiceProvider) bool {
	return sp != nil && sp.Pagination.PrefersCursor()
}

// WalkList pages through one list query. query holds the walk's own
// parameters (filter, attributes, sortBy…); WalkList adds count and the
// paging parameter and fetch sends it. By startIndex it starts at 1 and
// moves on by the number listed, until a page lists nothing, nothing new,
// or passes totalResults. By cursor it starts with an empty cursor and
// follows nextCursor until a page has none, repeats a cursor, lists only
// resources already seen ([NextCursor]) or is the second empty page in a
// row. each sees every page answered 200
// and returns false to stop the walk there. The walk also stops at the
// first answer other than 200 (WalkEnd.Last) or error from fetch.
func WalkList(query url.Values, opt WalkOptions, fetch func(url.Values) (*fakeidp.Exchange, error), each func(*fakeidp.Exchange) bool) (WalkEnd, error) {
	if opt.PageSize <= 0 {
		opt.PageSize = 100
	}
	if opt.MaxPages <= 0 {
		opt.MaxPages = 50
	}
	var end WalkEnd
	seen := map[string]bool{}
	start, cursor, empty := 1, "", 0
	for range opt.MaxPages {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("count", strconv.Itoa(opt.PageSize))
		if opt.ByCursor {
			q.Set("cursor", cursor)
		} else {
			q.Set("startIndex", strconv.Itoa(start))
		}
		ex, err := fetch(q)
		if ex != nil {
			end.Last = ex
		}
		if err != nil || ex == nil || ex.Status != 200 {
			return end, err
		}
		end.Pages++
		if !each(ex) {
			return end, nil
		}
		listed, fresh := freshIDs(ex.RespBody, seen)
		if opt.ByCursor {
			if listed > 0 {
				empty = 0
			} else {
				empty++
			}
			next, more := NextCursor(ex.RespBody, cursor, fresh == 0 && listed > 0 || empty > 1)
			if !more {
				end.Complete = true
				return end, nil
			}
			cursor = next
			continue
		}
		start += listed
		if total := totalOf(ex.RespBody); listed == 0 || fresh == 0 || total >= 0 && int64(start) > total {
			end.Complete = true
			return end, nil
		}
	}
	return end, nil
}

// freshIDs counts a page's resources and those not seen before (a resource
// without an id counts as new), and marks them seen.
func freshIDs(body []byte, seen map[string]bool) (listed, fresh int) {
	for _, r := range fakeidp.Get(body, "Resources").Array() {
		listed++
		id := fakeidp.Lookup(r, "id")
		if id.Type != gjson.String || id.Str == "" || !seen[id.Str] {
			fresh++
		}
		if id.Type == gjson.String {
			seen[id.Str] = true
		}
	}
	return listed, fresh
}

// totalOf reads totalResults as a non-negative integer, -1 when it is absent
// or not one.
func totalOf(body []byte) int64 {
	t := fakeidp.Get(body, "totalResults")
	if t.Type != gjson.Number || t.Num < 0 || t.Num != float64(int64(t.Num)) {
		return -1
	}
	return int64(t.Num)
}
