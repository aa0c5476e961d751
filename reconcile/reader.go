package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
)

// sampleBodyLimit caps each body kept in the HAR sample.
const sampleBodyLimit = 64 << 10

// reader is reconcile's only way to the server. It sends GET, and POST
// /.search when asked, nothing else: every request passes its own method
// gate and then the safety session's write gate, under a tracker that owns
// nothing. Each request records into a recorder of its own, so no response
// body outlives its page; a bounded sample is kept for the HAR.
type reader struct {
	ctx     context.Context
	c       *fakeidp.Client
	sp      *fakeidp.ServiceProvider
	tracker *safety.Tracker
	limit   *rate.Limiter
	search  bool

	requests atomic.Int64
	mu       sync.Mutex
	keep     int
	sample   []reports.Exchange
}

func newReader(ctx context.Context, c *fakeidp.Client, rps float64, search bool, keep int) *reader {
	r := &reader{ctx: ctx, c: c, tracker: safety.NewTracker(1), search: search, keep: keep}
	if rps > 0 {
		r.limit = rate.NewLimiter(rate.Limit(rps), 1)
	}
	return r
}

// allowed is the read-only gate: GET anywhere, POST only to a .search
// endpoint and only when the user asked for it.
func (r *reader) allowed(req fakeidp.Request) error {
	switch {
	case req.Method == http.MethodGet:
		return nil
	case req.Method == http.MethodPost && strings.HasSuffix(req.Path, "/.search") && r.search:
		return nil
	}
	return fmt.Errorf("reconcile is read-only: refusing %s %s", req.Method, req.Path)
}

// send sends req and returns the exchange of a 2xx answer; any other
// answer, or none, is an error that names the request.
func (r *reader) send(req fakeidp.Request) (*fakeidp.Exchange, error) {
	if err := r.allowed(req); err != nil {
		return nil, err
	}
	if r.limit != nil {
		if err := r.limit.Wait(r.ctx); err != nil {
			return nil, err
		}
	}
	req.Retry = true
	s := safety.NewSession(r.ctx, r.c.Recording(fakeidp.NewRecorder()), r.tracker, r.sp)
	ex, err := s.Do(req)
	r.requests.Add(1)
	r.keepSample(ex)
	if err != nil {
		return ex, err
	}
	if ex.Status < 200 || ex.Status > 299 {
		return ex, &statusError{op: req.Method + " " + ex.URL, status: ex.Status, detail: fakeidp.Get(ex.RespBody, "detail").String()}
	}
	return ex, nil
}

// statusError is a non-2xx answer.
type statusError struct {
	op     string
	status int
	detail string
}

func (e *statusError) Error() string {
	if e.detail != "" {
		return fmt.Sprintf("%s = %d: %s", e.op, e.status, e.detail)
	}
	return fmt.Sprintf("%s = %d", e.op, e.status)
}

func isNotFound(err error) bool {
	se, ok := err.(*statusError)
	return ok && se.status == http.StatusNotFound
}

func (r *reader) keepSample(ex *fakeidp.Exchange) {
	if ex == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sample) >= r.keep {
		return
	}
	cut := func(b []byte) string { return string(b[:min(len(b), sampleBodyLimit)]) }
	x := reports.Exchange{Seq: len(r.sample) + 1, Started: ex.Started.UTC(), Method: ex.Method, URL: ex.URL,
		RequestHeaders: ex.ReqHeader.HTTP(), RequestBody: cut(ex.ReqBody), Status: ex.Status, ResponseHeaders: ex.RespHeader.HTTP(),
		ResponseBody: cut(ex.RespBody), Truncated: ex.Truncated || len(ex.RespBody) > sampleBodyLimit,
		LatencyMs: float64(ex.Latency.Microseconds()) / 1000, Attempt: ex.Attempt}
	if ex.Err != nil {
		x.Error = ex.Err.Error()
	}
	r.sample = append(r.sample, x)
}

// list reads one page of typ by index: GET with query parameters, or POST
// /.search with the same as a SearchRequest.
func (r *reader) list(typ, filter, attrs string, start, count int) (*fakeidp.Exchange, error) {
	return r.listPage(typ, filter, attrs, count, "startIndex", start)
}

// listCursor reads one page of typ by RFC 9865 cursor ("" the first page).
func (r *reader) listCursor(typ, filter, attrs, cursor string, count int) (*fakeidp.Exchange, error) {
	return r.listPage(typ, filter, attrs, count, "cursor", cursor)
}

// first reads the first page of typ, by cursor when byCursor.
func (r *reader) first(typ, filter, attrs string, count int, byCursor bool) (*fakeidp.Exchange, error) {
	if byCursor {
		return r.listCursor(typ, filter, attrs, "", count)
	}
	return r.list(typ, filter, attrs, 1, count)
}

// listPage reads one page, placed by the paging parameter key (startIndex
// or cursor) with value at.
func (r *reader) listPage(typ, filter, attrs string, count int, key string, at any) (*fakeidp.Exchange, error) {
	if r.search {
		body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			key: at, "count": count}
		if filter != "" {
			body["filter"] = filter
		}
		if attrs != "" {
			body["attributes"] = strings.Split(attrs, ",")
		}
		b, _ := json.Marshal(body)
		return r.send(fakeidp.Request{Method: http.MethodPost, Path: safety.Endpoint(typ) + "/.search", Body: b})
	}
	q := url.Values{key: {fmt.Sprint(at)}, "count": {fmt.Sprint(count)}}
	if filter != "" {
		q.Set("filter", filter)
	}
	if attrs != "" {
		q.Set("attributes", attrs)
	}
	return r.send(fakeidp.Request{Method: http.MethodGet, Path: safety.Endpoint(typ), Query: q})
}

// cursorWalk reads typ's pages one after another by cursor, from the
// first, handing each body to page. The pages cannot be read in parallel:
// each cursor names the page after the one that issued it. But the next
// page is asked for as soon as its cursor is known, so the server builds
// it while page compares this one. The walk ends as [safety.NextCursor]
// says, so a page that brings nothing new ends it too; no request is left
// in flight when it returns.
func (r *reader) cursorWalk(typ, filter, attrs string, count int, page func(body []byte) error) error {
	type answer struct {
		ex  *fakeidp.Exchange
		err error
	}
	ask := func(cursor string) chan answer {
		ch := make(chan answer, 1)
		go func() {
			ex, err := r.listCursor(typ, filter, attrs, cursor, count)
			ch <- answer{ex, err}
		}()
		return ch
	}
	cursor, last := "", ""
	pending := ask("")
	for {
		a := <-pending
		if a.err != nil {
			return a.err
		}
		id := lastID(a.ex.RespBody)
		next, more := safety.NextCursor(a.ex.RespBody, cursor, id == "" || id == last)
		more = more && r.ctx.Err() == nil
		if more {
			pending = ask(next)
		}
		if err := page(a.ex.RespBody); err != nil {
			if more {
				<-pending
			}
			return err
		}
		if !more {
			return r.ctx.Err()
		}
		cursor, last = next, id
	}
}

// lastID is the id of the last resource of a list page, "" when none.
func lastID(body []byte) string {
	res := fakeidp.Get(body, "Resources").Array()
	if len(res) == 0 {
		return ""
	}
	return fakeidp.Lookup(res[len(res)-1], "id").String()
}

// get reads typ/id.
func (r *reader) get(typ, id, attrs string) (*fakeidp.Exchange, error) {
	var q url.Values
	if attrs != "" {
		q = url.Values{"attributes": {attrs}}
	}
	return r.send(fakeidp.Request{Method: http.MethodGet, Path: safety.Endpoint(typ) + "/" + url.PathEscape(id), Query: q})
}

// filterEq is the filter `attr eq "value"`, the value quoted as a JSON string.
func filterEq(attr, value string) string {
	b, _ := json.Marshal(value)
	return attr + " eq " + string(b)
}

// parallel runs fn for each item with at most n at a time.
func parallel[T any](n int, items []T, fn func(T)) {
	sem := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(it)
		}()
	}
	wg.Wait()
}
