package scenarios

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// The limits a cursor server advertises in its pagination attribute
// (RFC 9865 §4): maxPageSize and cursorTimeout, each judged against what
// the server does when the run can see it.

// maxPageSizeProbe bounds the page the maxPageSize probe asks for: a larger
// maxPageSize is not probed.
const maxPageSizeProbe = 1000

// judgeCursorMaxPageSize asks for one more resource than the advertised
// maxPageSize, over results that outnumber it: the fixture when it does,
// else the whole collection. With no more results than maxPageSize no page
// can exceed it, and the check is skipped.
func (s *S) judgeCursorMaxPageSize(cw *cursorWalker) {
	const id = "cursor-max-page-size"
	max := s.Env.SP.Pagination.MaxPageSize
	switch {
	case max <= 0:
		s.Skip(id, "the server advertises no pagination.maxPageSize")
		return
	case max >= maxPageSizeProbe:
		s.Skip(id, fmt.Sprintf("pagination.maxPageSize is %d, more than the %d resources this probe reads", max, maxPageSizeProbe))
		return
	}
	query, total := cw.sc.query, int64(len(cw.sc.ids))
	if total <= max {
		query = func(kv ...string) url.Values { return q(kv...) }
		total = assertions.IntField(cw.sc.probe, "totalResults")
		if cw.sc.filtered() {
			zero := s.Query("User", q("cursor", "", "count", "0"))
			s.JudgeError(zero)
			total = assertions.IntField(zero, "totalResults")
		}
	}
	if total <= max {
		s.Skip(id, fmt.Sprintf("the collection holds %d users, no more than pagination.maxPageSize %d, so no page can exceed it", total, max))
		return
	}
	ex := s.Query("User", query("cursor", "", "count", itoa(int(max)+1)))
	s.JudgeError(ex)
	if assertions.BadRequest(ex, "invalidCount") == nil {
		s.Judge(id, nil, s.Env.SP.Config, ex) // §2.1: a count above maxPageSize may be refused
		return
	}
	n := int64(assertions.PageLen(ex))
	s.Judge(id, assertions.Expect(ex, ex.Status == http.StatusOK && n <= max,
		fmt.Sprintf("%d with %d resources for count=%d", ex.Status, n, max+1),
		fmt.Sprintf("200 with at most pagination.maxPageSize %d resources, or 400 invalidCount", max)), s.Env.SP.Config, ex)
}

// judgeCursorTimeouts judges an advertised cursorTimeout short enough to
// wait for: a cursor followed at half of it is still served
// (cursor-timeout-honoured), and one followed after it has passed is
// served or refused as expired (cursor-expired).
func (s *S) judgeCursorTimeouts(cw *cursorWalker) {
	timeout := time.Duration(s.Env.SP.Pagination.CursorTimeout) * time.Second
	checks := []string{"cursor-timeout-honoured", "cursor-expired"}
	switch {
	case timeout <= 0:
		for _, id := range checks {
			s.Skip(id, "the server advertises no pagination.cursorTimeout (cursors may never expire), so no wait is known to matter")
		}
		return
	case timeout > maxCursorWait:
		for _, id := range checks {
			s.Skip(id, fmt.Sprintf("pagination.cursorTimeout is %s, longer than the %s a run waits", timeout, maxCursorWait))
		}
		return
	}
	first, next, ok := s.firstNext(cw, checks...)
	if !ok {
		return
	}
	s.Sleep(timeout / 2)
	half := s.cursorPage(cw, next, cw.count)
	s.JudgeError(half)
	s.judgeCursorHalfway(first, half, timeout)

	prev, stale, ok := half, "", false
	if half.Status == http.StatusOK {
		stale, ok = assertions.Cursor(half, "nextCursor")
	}
	if !ok {
		if prev, stale, ok = s.firstNext(cw, "cursor-expired"); !ok {
			return
		}
	}
	s.Sleep(timeout + 500*time.Millisecond)
	late := s.cursorPage(cw, stale, cw.count)
	s.JudgeError(late)
	if late.Status == http.StatusOK {
		s.Judge("cursor-expired", nil, prev, late) // cursorTimeout is a minimum
		return
	}
	s.Judge("cursor-expired", assertions.BadRequest(late, "expiredCursor", "invalidCursor"), prev, late)
}

// judgeCursorHalfway judges half, the page a cursor from first led to,
// requested half of timeout later. A refusal fails only when the request
// surely reached the server within timeout of the page that issued the
// cursor: the wait, plus both requests' whole latency, stayed below it.
func (s *S) judgeCursorHalfway(first, half *fakeidp.Exchange, timeout time.Duration) {
	const id = "cursor-timeout-honoured"
	gap := half.Started.Sub(first.Started.Add(first.Latency))
	switch {
	case half.Status == http.StatusOK:
		s.Judge(id, nil, first, half)
	case half.Status < 400 || half.Status >= 500:
		s.Skip(id, fmt.Sprintf("the cursor followed after %s was answered %d, which says nothing of its lifetime", gap.Round(time.Millisecond), half.Status))
	case gap+first.Latency+half.Latency >= timeout:
		s.Skip(id, fmt.Sprintf("not judgeable: the cursor was followed %s after its page, which with the requests' latency may be later than the advertised cursorTimeout %s", gap.Round(time.Millisecond), timeout))
	default:
		s.Judge(id, assertions.Expect(half, false,
			fmt.Sprintf("%d (scimType %q) for a cursor followed %s after its page", half.Status, fakeidp.Get(half.RespBody, "scimType").String(), gap.Round(time.Millisecond)),
			fmt.Sprintf("200: pagination.cursorTimeout promises the cursor for %s", timeout)), first, half)
	}
}
