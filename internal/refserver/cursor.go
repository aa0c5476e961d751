package refserver

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Cursor pagination faults (RFC 9865), one per rule the cursor checks
// judge; the misbehaviours are below.
const (
	fSPCClaimsCursorButNone    = "spc-claims-cursor-but-none"
	fCursorUnadvertised        = "cursor-unadvertised"
	fSPCPaginationMalformed    = "spc-pagination-malformed"
	fCursorNotURLSafe          = "cursor-not-url-safe"
	fCursorCountExceeded       = "cursor-count-exceeded"
	fCursorSkipsResource       = "cursor-skips-resource"
	fCursorNextOnLastPage      = "cursor-next-on-last-page"
	fCursorPreviousOnFirstPage = "cursor-previous-on-first-page"
	fInvalidCursorAccepted     = "invalid-cursor-accepted"
	fInvalidCursorWrongType    = "invalid-cursor-wrong-scimtype"
	fExpiredCursorWrongType    = "expired-cursor-wrong-scimtype"
	fInvalidCountWrongType     = "invalid-count-wrong-scimtype"
	fCursorCountZeroIgnored    = "cursor-count-zero-ignored"
	fSearchCursorIgnored       = "search-cursor-ignored"
	fMaxPageSizeNotEnforced    = "max-page-size-not-enforced"
	fCursorExpiresEarly        = "cursor-expires-early"
)

var cursorFaults = []Fault{
	conformance(fSPCClaimsCursorButNone, "ServiceProviderConfig advertises pagination.cursor, but the cursor parameter is ignored: pages come by index, without nextCursor"),
	should(fCursorUnadvertised, "cursor pagination works, but ServiceProviderConfig has no pagination attribute"),
	conformance(fSPCPaginationMalformed, "ServiceProviderConfig pagination.cursor is the string \"true\" instead of a boolean"),
	conformance(fCursorNotURLSafe, "cursors carry '/' and '=', which are not URL-safe unreserved characters"),
	conformance(fCursorCountExceeded, "cursor pages ignore count and hold up to the default page size"),
	conformance(fCursorSkipsResource, "each nextCursor points one resource too far, so a walk skips a resource between pages"),
	conformance(fCursorNextOnLastPage, "the last page still carries a nextCursor, which leads to empty pages that carry it again: the walk never ends"),
	conformance(fCursorPreviousOnFirstPage, "the first page of a cursor walk carries a previousCursor"),
	should(fInvalidCursorAccepted, "a cursor the server never issued is taken as a request for the first page instead of 400 invalidCursor"),
	should(fInvalidCursorWrongType, "a cursor the server never issued is refused with 400 invalidValue instead of invalidCursor"),
	should(fExpiredCursorWrongType, "an expired cursor is refused with 400 invalidValue instead of expiredCursor"),
	should(fInvalidCountWrongType, "a count that changes during a cursor walk is refused with 400 invalidValue instead of invalidCount"),
	conformance(fCursorCountZeroIgnored, "on a cursor request, count=0 or a negative count gives a page of the default size instead of no resources"),
	conformance(fSearchCursorIgnored, "POST /.search ignores cursor in the SearchRequest: it answers an index page without nextCursor"),
	conformance(fMaxPageSizeNotEnforced, "ServiceProviderConfig advertises pagination.maxPageSize 2, but cursor pages hold as many resources as count asks (up to 200)"),
	conformance(fCursorExpiresEarly, "ServiceProviderConfig advertises pagination.cursorTimeout 1, but a cursor expires 0.3 seconds after its page"),
}

// Cursor-based pagination (RFC 9865). A cursor is opaque to the client: a
// base64url JSON position, sealed with an HMAC under a key drawn when the
// server starts, so a forged or altered cursor is refused with
// invalidCursor. Unsorted queries page by keyset (the creation sequence of
// the last resource served), so resources created or deleted during a walk
// never shift the others; sorted queries page by offset.

// cursorTimeout is how long a cursor lives with the short-cursor-timeout
// personality (or the expired-cursor fault): short, so that the harness
// can wait it out and see an expired cursor refused. Otherwise cursors
// never expire and no cursorTimeout is advertised (RFC 9865 §4 allows
// both), so that no run waits.
const cursorTimeout = time.Second

// cursorsExpire reports whether cursors expire after cursorTimeout.
func (s *Server) cursorsExpire() bool {
	return s.is(pShortCursorTimeout) || s.fault(fExpiredCursorWrongType) || s.fault(fCursorExpiresEarly)
}

// cursorLife is how long a cursor really lives when cursors expire: the
// advertised cursorTimeout, or less with the cursor-expires-early fault.
func (s *Server) cursorLife() time.Duration {
	if s.fault(fCursorExpiresEarly) {
		return cursorTimeout * 3 / 10
	}
	return cursorTimeout
}

// scimType keywords of RFC 9865 §2.1.
const (
	stInvalidCursor = "invalidCursor"
	stExpiredCursor = "expiredCursor"
	stInvalidCount  = "invalidCount"
)

// cursorPos is what a cursor encodes.
type cursorPos struct {
	After  uint64 `json:"a,omitempty"` // keyset: serve resources created after this sequence number
	Before uint64 `json:"b,omitempty"` // keyset, backwards: the page just before this sequence number
	Offset int    `json:"o,omitempty"` // sorted queries: the index of the page's first result
	Count  int    `json:"c"`           // the page size of the walk
	Query  string `json:"q"`           // hash of the query the cursor belongs to
	Issued int64  `json:"t"`           // when it was issued, Unix milliseconds
}

func newCursorKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails (crypto/rand)
	return k
}

// cursorOn reports whether the server serves cursor requests.
func (s *Server) cursorOn() bool { return s.supports("cursor") && !s.fault(fSPCClaimsCursorButNone) }

// paginationDoc is the ServiceProviderConfig "pagination" attribute, or nil
// when it is not advertised.
func (s *Server) paginationDoc() map[string]any {
	if !s.supports("cursor") || s.fault(fCursorUnadvertised) {
		return nil
	}
	doc := map[string]any{"cursor": true, "index": true, "defaultPaginationMethod": "index",
		"defaultPageSize": defaultPageSize, "maxPageSize": maxResults}
	if s.indexOff() {
		doc["index"], doc["defaultPaginationMethod"] = false, "cursor"
	}
	if s.cfg.CursorDefault {
		doc["defaultPaginationMethod"] = "cursor"
	}
	if s.cursorsExpire() {
		doc["cursorTimeout"] = int(cursorTimeout / time.Second)
	}
	if s.fault(fSPCPaginationMalformed) {
		doc["cursor"] = "true"
	}
	if s.fault(fMaxPageSizeNotEnforced) {
		doc["maxPageSize"] = 2
	}
	return doc
}

// cursorOnly applies the cursor-only personality to q: a query without startIndex
// is paged by cursor, the advertised default method. RFC 9865 does not say
// how a server without index paging answers startIndex; this one refuses
// it with 400 invalidValue, so a client that ignores pagination.index
// false is seen, not silently served a first page.
func (s *Server) cursorOnly(q *query) *scimError {
	if !s.indexOff() || !s.cursorOn() || q.hasCursor {
		return nil
	}
	if q.hasStart {
		return badRequest(stInvalidValue, "this service provider pages only by cursor (pagination.index is false): send cursor instead of startIndex")
	}
	q.hasCursor = true
	return nil
}

func (s *Server) sealCursor(p cursorPos) string {
	p.Issued = s.now().UnixMilli()
	b, _ := json.Marshal(p)
	mac := hmac.New(sha256.New, s.cursorKey)
	mac.Write(b)
	c := base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12])
	if s.fault(fCursorNotURLSafe) {
		c = "v1/" + c + "=="
	}
	return c
}

// openCursor decodes a cursor the server issued for query hash qh.
func (s *Server) openCursor(c, qh string) (cursorPos, *scimError) {
	var p cursorPos
	c = strings.TrimSuffix(strings.TrimPrefix(c, "v1/"), "==")
	body, sig, ok := strings.Cut(c, ".")
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	mac := hmac.New(sha256.New, s.cursorKey)
	mac.Write(b)
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(got, mac.Sum(nil)[:12]) || json.Unmarshal(b, &p) != nil || p.Query != qh {
		scimType := stInvalidCursor
		if s.fault(fInvalidCursorWrongType) {
			scimType = stInvalidValue
		}
		return p, badRequest(scimType, "the cursor is not one this service provider issued for this query")
	}
	if s.cursorsExpire() && s.now().Sub(time.UnixMilli(p.Issued)) > s.cursorLife() {
		scimType := stExpiredCursor
		if s.fault(fExpiredCursorWrongType) {
			scimType = stInvalidValue
		}
		return p, badRequest(scimType, "the cursor has expired: pages must be requested within %s of each other", cursorTimeout)
	}
	return p, nil
}

// queryHash ties a cursor to the query it pages: a cursor walk keeps every
// parameter but cursor and count (RFC 9865 §2).
func queryHash(rtName string, q query) string {
	h := sha256.Sum256([]byte(strings.Join([]string{rtName, q.filter, q.sortBy, strings.ToLower(q.sortOrder)}, "\x00")))
	return base64.RawURLEncoding.EncodeToString(h[:9])
}

// cursorPage is one page of a cursor walk over matches, with the cursors
// to put in the answer ("" for none).
type cursorPage struct {
	page       []*resource
	next, prev string
}

// pageByCursor cuts the page q's cursor asks for (RFC 9865 §2). sorted
// says matches are in sortBy order (paged by offset) rather than creation
// order (paged by keyset); either way they come in that order, so a page
// costs the page, not the list.
func (s *Server) pageByCursor(rtName string, matches []*resource, q query, sorted bool) (cursorPage, *scimError) {
	qh := queryHash(rtName, q)
	pos := cursorPos{Count: defaultPageSize, Query: qh}
	if q.hasCount && (q.count > 0 || !s.fault(fCursorCountZeroIgnored)) {
		pos.Count = min(max(q.count, 0), maxResults)
	}
	first := q.cursor == ""
	if !first {
		p, err := s.openCursor(q.cursor, qh)
		switch {
		case err != nil && s.fault(fInvalidCursorAccepted) && err.scimType != stExpiredCursor:
			first = true
		case err != nil:
			return cursorPage{}, err
		case q.hasCount && pos.Count != p.Count:
			scimType := stInvalidCount
			if s.fault(fInvalidCountWrongType) {
				scimType = stInvalidValue
			}
			return cursorPage{}, badRequest(scimType, "count must stay %d, the count of the walk's first request", p.Count)
		default:
			pos = p
		}
	}
	count := pos.Count
	if s.fault(fCursorCountExceeded) {
		count = defaultPageSize
	}
	from := s.cursorStart(matches, pos, sorted, first, count)
	to := min(from+count, len(matches))
	out := cursorPage{page: matches[from:to]}
	// The position of the next page: after the last resource served.
	next := cursorPos{Count: pos.Count, Query: qh, Offset: to}
	if !sorted && to > 0 {
		next = cursorPos{Count: pos.Count, Query: qh, After: matches[to-1].seq}
		if s.fault(fCursorSkipsResource) && to < len(matches) {
			next.After = matches[to].seq
		}
	}
	if (to < len(matches) && count > 0) || s.fault(fCursorNextOnLastPage) {
		out.next = s.sealCursor(next)
	}
	if from > 0 || (s.fault(fCursorPreviousOnFirstPage) && first) {
		prev := cursorPos{Count: pos.Count, Query: qh, Offset: max(from-count, 0)}
		if !sorted {
			prev = cursorPos{Count: pos.Count, Query: qh, Before: 1}
			if from < len(matches) {
				prev.Before = matches[from].seq
			} else if len(matches) > 0 {
				prev.Before = matches[len(matches)-1].seq + 1
			}
		}
		out.prev = s.sealCursor(prev)
	}
	return out, nil
}

// cursorStart is the index in matches of the first result of the page pos
// points at.
func (s *Server) cursorStart(matches []*resource, pos cursorPos, sorted, first bool, count int) int {
	switch {
	case first:
		return 0
	case sorted:
		return min(pos.Offset, len(matches))
	case pos.Before > 0:
		return max(firstSeq(matches, pos.Before)-count, 0)
	}
	return firstSeq(matches, pos.After+1)
}

// firstSeq is the index of the first resource whose seq is at least seq, or
// len(matches). An unsorted list is in creation (seq) order, so a binary
// search keeps a cursor page's cost that of the page, not of the list.
func firstSeq(matches []*resource, seq uint64) int {
	i, _ := slices.BinarySearchFunc(matches, seq, func(r *resource, seq uint64) int { return cmp.Compare(r.seq, seq) })
	return i
}

// answer puts the page's cursors into a ListResponse; a cursor page has no
// startIndex (RFC 9865 §2's examples carry none).
func (cp cursorPage) answer(out map[string]any) {
	delete(out, "startIndex")
	if cp.next != "" {
		out["nextCursor"] = cp.next
	}
	if cp.prev != "" {
		out["previousCursor"] = cp.prev
	}
}

// rtNames names the resource types a query runs over, for its cursor hash.
func rtNames(rts []*resourceType) string {
	names := make([]string, len(rts))
	for i, rt := range rts {
		names[i] = rt.Name
	}
	return strings.Join(names, ",")
}
