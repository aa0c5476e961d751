package fakeidp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecorderRedactsEveryPart: the recorder applies the one rule set of
// internal/redact to every part of an exchange, literal secrets included.
func TestRecorderRedactsEveryPart(t *testing.T) {
	const secret = "lit-secret-42"
	rec := NewRecorder()
	rec.addSecrets(secret)
	cause := errors.New("dial failed for " + secret)
	ex := rec.add(&Exchange{Method: "GET",
		URL:        "https://admin:pw-in-url@h.test/v2/Users?access_token=qs-token&q=" + secret,
		ReqHeader:  NewHeaders(http.Header{"Authorization": {"Bearer x"}, "X-Note": {"has " + secret}}),
		ReqBody:    []byte(`{"password":"body-pw"}`),
		RespHeader: NewHeaders(http.Header{"Set-Cookie": {"s=1"}, "Location": {"/Users/1"}}),
		RespBody:   []byte(`{"note":"` + secret + `"}`),
		Err:        cause,
	}, nil, false)
	assert.Equal(t, "https://admin:REDACTED@h.test/v2/Users?access_token=REDACTED&q=REDACTED", ex.URL)
	assert.Equal(t, http.Header{"Authorization": {"REDACTED"}, "X-Note": {"has REDACTED"}}, ex.ReqHeader.HTTP())
	assert.Equal(t, http.Header{"Set-Cookie": {"REDACTED"}, "Location": {"/Users/1"}}, ex.RespHeader.HTTP())
	assert.Equal(t, `{"password":"REDACTED"}`, string(ex.ReqBody))
	assert.Equal(t, `{"note":"REDACTED"}`, string(ex.RespBody))
	assert.Equal(t, "dial failed for REDACTED", ex.Err.Error())
	assert.ErrorIs(t, ex.Err, cause, "a scrubbed error still unwraps")
	assert.Equal(t, "x REDACTED y", rec.Scrub("x "+secret+" y"))
}

// TestClientScrubsURLPassword: a password in the base URL's user
// information is sent (net/http makes it basic auth) but never recorded.
func TestClientScrubsURLPassword(t *testing.T) {
	var gotUser, gotPass string
	c, srv := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPass, _ = r.BasicAuth()
		_, _ = io.WriteString(w, `{"echo":"`+gotPass+`"}`)
	})
	u := strings.Replace(srv.URL, "http://", "http://bob:url-pass-9@", 1)
	c2, err := NewClient(u+"/scim/v2", WithRecorder(c.Recorder()))
	require.NoError(t, err)
	ex, err := c2.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.NoError(t, err)
	assert.Equal(t, "bob", gotUser)
	assert.Equal(t, "url-pass-9", gotPass)
	assert.NotContains(t, ex.URL, "url-pass-9")
	assert.Contains(t, ex.URL, "bob:REDACTED@")
	assert.NotContains(t, string(ex.RespBody), "url-pass-9")
}

// TestReadBody: a body of announced length is read whole; a shorter or
// longer one than announced reads as before (what came, up to the limit).
func TestReadBody(t *testing.T) {
	tests := []struct {
		name   string
		length int64
		body   string
		limit  int64
		want   string
	}{
		{name: "announced", length: 5, body: "hello", limit: 10, want: "hello"},
		{name: "unknown length", length: -1, body: "hello", limit: 10, want: "hello"},
		{name: "empty", length: 0, body: "", limit: 10, want: ""},
		{name: "HEAD: length but no body", length: 5, body: "", limit: 10, want: ""},
		{name: "longer than announced", length: 2, body: "hello", limit: 10, want: "hello"},
		{name: "longer than announced, over limit", length: 2, body: "hello world", limit: 4, want: "hello"},
		{name: "announced over limit", length: 11, body: "hello world", limit: 4, want: "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{ContentLength: tt.length, Body: io.NopCloser(strings.NewReader(tt.body))}
			got, err := readBody(resp, tt.limit)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

// TestRecorderKeepsEveryExchangeApart: exchanges kept in the recorder's
// blocks stay whole and apart however many there are, whether their bodies
// were copied into the arena or kept on their own, and appending to one
// body never reaches another. The exchange add returns is the one
// Exchanges makes again from what is kept.
func TestRecorderKeepsEveryExchangeApart(t *testing.T) {
	rec := NewRecorder()
	var returned []*Exchange
	started := time.Now()
	for i := range 1000 {
		var body []byte
		switch i % 3 {
		case 0, 1: // copied into the arena
			body = make([]byte, 10+i%50)
		case 2: // too large for the arena: a block of its own
			body = make([]byte, maxArenaBody+1+i%50)
		}
		for j := range body {
			body[j] = byte('a' + i%26)
		}
		var reqBody []byte
		if i%2 == 0 {
			reqBody = []byte(fmt.Sprint(`{"n":`, i, `}`))
		}
		ex := &Exchange{Scenario: fmt.Sprint("s", i%4), Method: "GET", URL: fmt.Sprint("/Users/", i), RespBody: body, ReqBody: reqBody,
			Status: 200 + i%7, Started: started.Add(time.Duration(i)), Latency: time.Duration(i), Attempt: 1 + i%2,
			RespHeader: NewHeaders(http.Header{"Etag": {fmt.Sprint(i)}})}
		if i%10 == 0 {
			ex.Err = fmt.Errorf("failure %d", i)
		}
		returned = append(returned, rec.add(ex, nil, false))
	}
	_ = append(returned[1].RespBody, "overwrite?"...)
	kept := rec.Exchanges()
	require.Len(t, kept, len(returned))
	for i, ex := range kept {
		require.Equal(t, returned[i], ex, "exchange %d", i)
		assert.Equal(t, i+1, ex.Seq)
		assert.Equal(t, fmt.Sprint("/Users/", i), ex.URL)
		assert.Equal(t, fmt.Sprint("s", i%4), ex.Scenario)
		assert.Equal(t, fmt.Sprint(i), ex.Header("Etag"))
		assert.True(t, started.Add(time.Duration(i)).Equal(ex.Started), "exchange %d started %v", i, ex.Started)
		assert.Equal(t, i%2 == 0, ex.ReqBody != nil, "a request without a body stays one without")
		assert.Equal(t, i%10 == 0, ex.Err != nil)
		n := 10 + i%50
		if i%3 == 2 {
			n = maxArenaBody + 1 + i%50
		}
		assert.Equal(t, strings.Repeat(string(rune('a'+i%26)), n), string(ex.RespBody), "exchange %d", i)
	}
	assert.Len(t, rec.ExchangesFrom(990), 10)
	assert.Equal(t, 991, rec.ExchangesFrom(990)[0].Seq)
	assert.Empty(t, rec.ExchangesFrom(5000))
}

// TestRecorderKeepsNoPointers: what the recorder keeps per exchange holds
// no pointer for the garbage collector to scan, which is why it is kept
// that way.
func TestRecorderKeepsNoPointers(t *testing.T) {
	assert.False(t, hasPointers(reflect.TypeFor[record]()))
}

func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return hasPointers(t.Elem())
	case reflect.Struct:
		for f := range t.Fields() {
			if hasPointers(f.Type) {
				return true
			}
		}
	}
	return false
}

// TestRecorderArenaTakesAnySize: bodies of any size, up to the arena's
// block and past it, come back whole, first thing in a new recorder or
// after others.
func TestRecorderArenaTakesAnySize(t *testing.T) {
	for _, n := range []int{0, 1, minArena - 1, minArena, minArena + 1, maxArenaBody - 1, maxArenaBody, maxArenaBody + 1, maxArena + 1} {
		rec := NewRecorder()
		for i := range 3 {
			rec.add(&Exchange{Method: "GET", RespBody: []byte(strings.Repeat(string(rune('a'+i)), n))}, nil, false)
		}
		for i, ex := range rec.Exchanges() {
			assert.Equal(t, strings.Repeat(string(rune('a'+i)), n), string(ex.RespBody), "size %d, copy %d", n, i)
		}
	}
}

// TestRecorderHandsOutCopies: the exchanges a recorder hands out
// are copies, whole after the recorder is collected and its blocks
// returned (which a pointer into them would not survive), and the blocks
// are returned.
func TestRecorderHandsOutCopies(t *testing.T) {
	rec := NewRecorder()
	body := []byte(strings.Repeat("b", 3000))
	var returned []*Exchange
	for i := range 2000 { // several blocks, up to the largest
		returned = append(returned, rec.add(&Exchange{Method: "GET", URL: fmt.Sprint("/Users/", i), RespBody: body,
			RespHeader: NewHeaders(http.Header{"Etag": {fmt.Sprint(i)}})}, nil, false))
	}
	kept := rec.Exchanges()
	mem := rec.mem
	mem.mu.Lock()
	mapped := len(mem.mapped)
	mem.mu.Unlock()
	if mapBlock(1) != nil {
		require.Positive(t, mapped, "this platform maps blocks: some must be")
	}
	rec = nil //nolint:ineffassign,wastedassign // dropped, so that it is collected
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		mem.mu.Lock()
		left := len(mem.mapped)
		mem.mu.Unlock()
		if left == 0 || time.Now().After(deadline) {
			require.Zero(t, left, "the blocks of a collected recorder are returned")
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i, ex := range kept {
		require.Equal(t, fmt.Sprint("/Users/", i), ex.URL)
		require.Equal(t, fmt.Sprint(i), ex.Header("Etag"))
		require.Equal(t, string(body), string(ex.RespBody))
		require.Equal(t, returned[i], ex)
	}
}

// TestRateLimitSpacesRequests: --rps spaces requests 1/rps apart, the first
// at once, and a cancelled wait is an error, recorded.
func TestRateLimitSpacesRequests(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {}, WithRateLimit(50))
	start := time.Now()
	for range 6 {
		_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond, "6 requests at 50/s take at least 100ms")

	slow, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {}, WithRateLimit(0.5))
	_, err := slow.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.NoError(t, err, "the first request goes at once")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ex, err := slow.Do(ctx, Request{Method: "GET", Path: "/Users"})
	require.Error(t, err, "the second must wait 2s, past the deadline")
	assert.Equal(t, 2, slow.Recorder().Len())
	assert.Equal(t, 0, ex.Status)
}

// TestURLFastPath: the plain-path shortcut builds the same URL as url.URL,
// and the same request as parsing that URL.
func TestURLFastPath(t *testing.T) {
	bases := []string{"https://h.test/scim/v2", "https://h.test/scim/v2/", "https://h.test", "https://h.test/", "http://u:p@127.0.0.1:80/a%2Fb/v2",
		"https://u:p@h.test:8443/v2", "http://[::1]:9/scim", "https://h.test:/v2", "https://h.test/v2?x=1", "https://h.test/v2#f", "https://h.test/sc im"}
	paths := []string{"", "/Users", "/Users/2819c223-7f76", "/Users/a b", "/Users/ü", "/Users?filter=x", "Users", "/Users/%2F"}
	for _, base := range bases {
		c, err := NewClient(base)
		require.NoError(t, err)
		slow := *c
		slow.plainBase = ""
		for _, p := range paths {
			target := c.url(Request{Path: p})
			assert.Equal(t, slow.url(Request{Path: p}), target, "base %q, path %q", base, p)
			// The request built from the shortcut's URL is the one parsing gives.
			want, err := http.NewRequestWithContext(context.Background(), "GET", target, nil)
			require.NoError(t, err)
			got, err := c.newRequest(context.Background(), target, Request{Method: "GET", Path: p})
			require.NoError(t, err)
			assert.Equal(t, want.URL, got.URL, "base %q, path %q", base, p)
			assert.Equal(t, want.Host, got.Host, "base %q, path %q", base, p)
		}
	}
}

// TestTransportErrorHidesURLSecrets: a failed request's error text shows
// its URL redacted, as the exchange does.
func TestTransportErrorHidesURLSecrets(t *testing.T) {
	c, srv := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {})
	srv.Close() // nothing listens: the request fails in the transport
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users?access_token=qs-secret-1"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "qs-secret-1")
	assert.Contains(t, err.Error(), "access_token=REDACTED")
}

// TestRecorderRedactsHeadersPackedWithOldSecrets: headers the client packed
// before the recorder learned a secret get the second pass.
func TestRecorderRedactsHeadersPackedWithOldSecrets(t *testing.T) {
	rec := NewRecorder()
	rec.addSecrets("old-secret-1")
	stale := rec.knownSecrets()
	rec.addSecrets("new-secret-2")
	h := NewHeaders(http.Header{"X-Note": {"has new-secret-2"}})
	ex := rec.add(&Exchange{Method: "GET", ReqHeader: h, RespHeader: h}, stale, false)
	assert.Equal(t, "has REDACTED", ex.ReqHeader.Get("X-Note"))
	assert.Equal(t, "has REDACTED", ex.RespHeader.Get("X-Note"))
}

// TestRecorderConcurrentBodiesStayWhole: concurrent requests read their
// bodies into the shared arena; each exchange keeps exactly its own.
func TestRecorderConcurrentBodiesStayWhole(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		_, _ = io.WriteString(w, strings.Repeat(r.URL.Query().Get("c"), n))
	})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				n, ch := 1+(g*977+i*131)%6000, string(rune('a'+(g+i)%26))
				ex, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x", Query: url.Values{"n": {strconv.Itoa(n)}, "c": {ch}}})
				if !assert.NoError(t, err) || !assert.Equal(t, strings.Repeat(ch, n), string(ex.RespBody)) {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, ex := range c.Recorder().Exchanges() {
		u, err := url.Parse(ex.URL)
		require.NoError(t, err)
		n, _ := strconv.Atoi(u.Query().Get("n"))
		assert.Equal(t, strings.Repeat(u.Query().Get("c"), n), string(ex.RespBody), "exchange %d", ex.Seq)
	}
}
