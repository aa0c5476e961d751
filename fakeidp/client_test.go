package fakeidp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestClient(t *testing.T, h http.HandlerFunc, opts ...Option) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+"/scim/v2", opts...)
	require.NoError(t, err)
	return c, srv
}

func TestClientRecordsAndRedacts(t *testing.T) {
	var gotAuth string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/scim+json")
		w.Header().Set("Set-Cookie", "session=abc123secret")
		_, _ = w.Write(body) // echo, so the response carries the password too
	}, WithBearer("tok-very-secret"))

	ex, err := c.Do(context.Background(), Request{Method: "POST", Path: "/Users",
		Body: []byte(`{"userName":"a","password":"hunter2-pass"}`)})
	require.NoError(t, err)
	assert.Equal(t, "Bearer tok-very-secret", gotAuth, "the server must receive the real credential")
	assert.Equal(t, 1, ex.Seq)
	assert.Equal(t, 200, ex.Status)
	assert.Equal(t, []string{"REDACTED"}, ex.ReqHeader.Values("Authorization"))
	assert.Equal(t, []string{"REDACTED"}, ex.RespHeader.Values("Set-Cookie"))
	for _, s := range []string{string(ex.ReqBody), string(ex.RespBody), ex.URL} {
		assert.NotContains(t, s, "hunter2-pass")
		assert.NotContains(t, s, "tok-very-secret")
	}
	assert.Contains(t, Excerpt(ex, 0), "POST ")
	assert.NotContains(t, Excerpt(ex, 0), "tok-very-secret")
}

func TestClientRefusesPlainHTTPToRemoteHosts(t *testing.T) {
	_, err := NewClient("http://scim.example.com/scim/v2", WithBearer("x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "loopback")
	_, err = NewClient("http://127.0.0.1:1/scim/v2")
	assert.NoError(t, err)
	_, err = NewClient("http://[::1]:1/scim/v2")
	assert.NoError(t, err)
	_, err = NewClient("http://scim.example.com/scim/v2", WithInsecureHTTP())
	assert.NoError(t, err)
	_, err = NewClient("ftp://x")
	assert.Error(t, err)
	_, err = NewClient("not a url at all")
	assert.Error(t, err)
}

func TestClientNeverFollowsRedirects(t *testing.T) {
	var followed atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		followed.Store(true)
	}))
	defer other.Close()
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}, WithBearer("secret-token"))
	ex, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, ex.Status)
	assert.False(t, followed.Load(), "a redirect must never be followed")
}

func TestClientBoundsBodySize(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := strings.Repeat("x", 1<<20)
		for range 50 { // 50 MB
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}, WithMaxBody(1<<20))
	ex, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrBodyTooLarge))
	assert.True(t, ex.Truncated)
	assert.LessOrEqual(t, len(ex.RespBody), 1<<20)
}

func TestClientTimesOutOnHangingServer(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, WithTimeout(200*time.Millisecond))
	start := time.Now()
	ex, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Contains(t, err.Error(), "timeout")
	assert.Equal(t, 0, ex.Status)
}

func TestClientTimesOutOnSlowDripBody(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		for range 100 {
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(50 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	}, WithTimeout(300*time.Millisecond))
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.Error(t, err)
}

func TestClientRetriesHonouringRetryAfter(t *testing.T) {
	var n atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(200)
	})
	ex, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users", Retry: true})
	require.NoError(t, err)
	assert.Equal(t, 200, ex.Status)
	assert.Equal(t, 3, ex.Attempt)
	assert.Equal(t, 2, c.Recorder().Retries())
	assert.Equal(t, 3, c.Recorder().Len(), "every attempt is recorded")

	// Without Retry, a 503 comes straight back.
	n.Store(0)
	ex, err = c.Do(context.Background(), Request{Method: "POST", Path: "/Users"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, ex.Status)
}

func TestClientPostRetryLooksUpFirst(t *testing.T) {
	var posts atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	found := &Exchange{Status: 200}
	ex, err := c.Do(context.Background(), Request{Method: "POST", Path: "/Users", Retry: true,
		BeforeRetry: func(context.Context) (*Exchange, error) { return found, nil }})
	require.NoError(t, err)
	assert.Same(t, found, ex, "when the lookup finds the resource, the POST is not sent again")
	assert.Equal(t, int32(1), posts.Load())
}

func TestBackoff(t *testing.T) {
	assert.Equal(t, 2*time.Second, backoff(1, "2"))
	assert.Equal(t, maxRetryAfter, backoff(1, "3600"))
	assert.LessOrEqual(t, backoff(1, "garbage"), maxRetryAfter)
	assert.Greater(t, backoff(3, ""), time.Duration(0))
}

func TestGetIsCaseInsensitive(t *testing.T) {
	body := []byte(`{"Meta":{"Version":"W/\"1\""},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7"},"emails":[{"value":"a@b"}]}`)
	assert.Equal(t, `W/"1"`, Get(body, "meta", "version").String())
	assert.Equal(t, "7", Attr(body, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:EmployeeNumber").String())
	assert.Equal(t, "a@b", Get(body, "emails", "0", "value").String())
	assert.False(t, Get(body, "emails", "9").Exists())
	assert.False(t, Get([]byte(`not json`), "a").Exists())
}

// The client sends through the transport itself (see send): what
// http.Client would add must still happen.
func TestClientSendsWhatHTTPClientWould(t *testing.T) {
	t.Run("basic auth from the URL's user info", func(t *testing.T) {
		var gotUser, gotPass string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gotUser, gotPass, _ = r.BasicAuth()
		}))
		t.Cleanup(srv.Close)
		c, err := NewClient(strings.Replace(srv.URL, "://", "://idp:url-pass-0123@", 1) + "/scim/v2")
		require.NoError(t, err)
		ex, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
		require.NoError(t, err)
		assert.Equal(t, []string{"idp", "url-pass-0123"}, []string{gotUser, gotPass})
		assert.NotContains(t, ex.URL+Excerpt(ex, 0), "url-pass-0123")
	})
	t.Run("plain HTTP on an https URL", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		t.Cleanup(srv.Close)
		c, err := NewClient(strings.Replace(srv.URL, "http://", "https://", 1)+"/scim/v2", WithTimeout(5*time.Second))
		require.NoError(t, err)
		_, err = c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "answered plain HTTP on an https URL")
	})
	t.Run("errors name the request as http.Client's do", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		base := srv.URL + "/scim/v2"
		srv.Close() // nothing listens there now
		c, err := NewClient(base, WithMaxRetries(0))
		require.NoError(t, err)
		_, err = c.Do(context.Background(), Request{Method: "PATCH", Path: "/Users/1", Body: []byte(`{}`)})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `Patch "`+base+`/Users/1"`)
	})
	t.Run("a supplied client's cookie jar and timeout", func(t *testing.T) {
		var cookies atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := r.Cookie("affinity"); err == nil {
				cookies.Add(1)
			}
			http.SetCookie(w, &http.Cookie{Name: "affinity", Value: "node-1", Path: "/"})
			if r.URL.Query().Has("slow") {
				time.Sleep(300 * time.Millisecond)
			}
		}))
		t.Cleanup(srv.Close)
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		hc := srv.Client()
		hc.Jar, hc.Timeout = jar, 100*time.Millisecond
		c, err := NewClient(srv.URL+"/scim/v2", WithHTTPClient(hc), WithMaxRetries(0))
		require.NoError(t, err)
		for range 2 {
			_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
			require.NoError(t, err)
		}
		assert.Equal(t, int32(1), cookies.Load(), "the jar's cookie goes with the second request")
		_, err = c.Do(context.Background(), Request{Method: "GET", Path: "/Users", Query: map[string][]string{"slow": {"1"}}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Client.Timeout exceeded")
	})
}

// A server that consumes only application/json refuses SCIM's own media
// type once: the client sends that body again as application/json, and
// every later one so, and keeps the refusal for its check.
func TestClientFallsBackToJSONBodiesAfter415(t *testing.T) {
	var got []string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		ct := r.Header.Get("Content-Type")
		got = append(got, r.Method+" "+ct)
		if r.Method == http.MethodGet {
			return
		}
		if ct != "application/json" && !strings.HasPrefix(ct, "application/json;") {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	ctx := context.Background()
	assert.Nil(t, c.SCIMBodyRefusal())

	ex, err := c.Do(ctx, Request{Method: "POST", Path: "/Users", Body: []byte(`{"userName":"a"}`)})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, ex.Status)
	assert.Equal(t, "application/json", ex.ReqHeader.Get("Content-Type"))
	refusal := c.SCIMBodyRefusal()
	require.NotNil(t, refusal)
	assert.Equal(t, http.StatusUnsupportedMediaType, refusal.Status)
	assert.Equal(t, "application/scim+json", refusal.ReqHeader.Get("Content-Type"))
	assert.Equal(t, 2, c.Recorder().Len(), "the refusal is recorded, then the resend")

	other := c.ForScenario("other")
	ex, err = other.Do(ctx, Request{Method: "PATCH", Path: "/Users/1", Body: []byte(`{}`)})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, ex.Status)
	assert.Equal(t, "application/json", ex.ReqHeader.Get("Content-Type"), "copies share the media type")
	_, err = other.Do(ctx, Request{Method: "GET", Path: "/Users/1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"POST application/scim+json", "POST application/json", "PATCH application/json", "GET "}, got)
	assert.Same(t, refusal, other.SCIMBodyRefusal(), "the first refusal is kept")

	ex, err = c.Do(ctx, Request{Method: "POST", Path: "/Users", Body: []byte(`{}`), Header: http.Header{"Content-Type": {"text/plain"}}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnsupportedMediaType, ex.Status, "a type the caller chose is not changed")
}

func TestClientDoesNotLoopWhenJSONIsRefusedToo(t *testing.T) {
	var n atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusUnsupportedMediaType)
	})
	ex, err := c.Do(context.Background(), Request{Method: "POST", Path: "/Users", Body: []byte(`{}`)})
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnsupportedMediaType, ex.Status)
	assert.Equal(t, "application/json", ex.ReqHeader.Get("Content-Type"))
	assert.Equal(t, int32(2), n.Load(), "sent as application/scim+json, then once as application/json")
}
