package fakeidp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenEndpoint is an OAuth2 token endpoint that issues short-lived tokens
// for the client credentials grant and remembers which are still valid.
type tokenEndpoint struct {
	*httptest.Server
	id, secret string
	lifetime   time.Duration
	issued     atomic.Int32
	mu         sync.Mutex
	valid      map[string]time.Time
	scopes     []string
}

func newTokenEndpoint(t *testing.T, id, secret string, lifetime time.Duration) *tokenEndpoint {
	te := &tokenEndpoint{id: id, secret: secret, lifetime: lifetime, valid: map[string]time.Time{}}
	te.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		user, pass, ok := r.BasicAuth()
		if !ok {
			user, pass = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("grant_type") != "client_credentials" || user != te.id || pass != te.secret {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad client ` + pass + `"}`))
			return
		}
		n := te.issued.Add(1)
		tok := fmt.Sprintf("access-%d-%d", n, time.Now().UnixNano())
		te.mu.Lock()
		te.valid[tok] = time.Now().Add(te.lifetime)
		te.scopes = append(te.scopes, r.PostForm.Get("scope"))
		te.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(te.lifetime / time.Second)})
	}))
	t.Cleanup(te.Close)
	return te
}

// ok reports whether an Authorization header carries an unexpired token.
func (te *tokenEndpoint) ok(auth string) bool {
	tok, found := strings.CutPrefix(auth, "Bearer ")
	te.mu.Lock()
	defer te.mu.Unlock()
	exp, known := te.valid[tok]
	return found && known && time.Now().Before(exp)
}

func TestOAuth2ClientCredentialsWithRefresh(t *testing.T) {
	const secret = "client-s3cret-value"
	te := newTokenEndpoint(t, "scimloop", secret, 1*time.Second)
	var seen []string
	var mu sync.Mutex
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		seen = append(seen, auth)
		mu.Unlock()
		if !te.ok(auth) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = w.Write([]byte(`{"echo":"` + auth + `"}`)) // a careless server echoes the token
	}, WithOAuth2(OAuth2{TokenURL: te.URL + "/token", ClientID: "scimloop", ClientSecret: secret, Scopes: []string{"scim.write"}, EarlyExpiry: -1}))

	ctx := context.Background()
	for range 2 {
		ex, err := c.Do(ctx, Request{Method: "GET", Path: "/Users"})
		require.NoError(t, err)
		assert.Equal(t, 200, ex.Status)
	}
	assert.Equal(t, int32(1), te.issued.Load(), "a valid token is reused")

	time.Sleep(1100 * time.Millisecond) // the token expires
	ex, err := c.Do(ctx, Request{Method: "GET", Path: "/Users"})
	require.NoError(t, err)
	assert.Equal(t, 200, ex.Status, "an expired token is refreshed before the request")
	assert.Equal(t, int32(2), te.issued.Load())
	assert.Equal(t, []string{"scim.write", "scim.write"}, te.scopes)
	assert.NotEqual(t, seen[0], seen[2], "the refreshed token is a new one")

	for _, ex := range c.Recorder().Exchanges() {
		text := Excerpt(ex, 0) + fmt.Sprint(ex.ReqHeader) + fmt.Sprint(ex.RespHeader) + string(ex.RespBody)
		assert.NotContains(t, text, "access-", "tokens are scrubbed from recordings")
		assert.NotContains(t, text, secret)
	}
	assert.True(t, c.HasCredentials())
}

func TestOAuth2Errors(t *testing.T) {
	te := newTokenEndpoint(t, "scimloop", "right-secret", time.Minute)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {},
		WithOAuth2(OAuth2{TokenURL: te.URL, ClientID: "scimloop", ClientSecret: "wrong-secret"}))
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401")
	assert.Contains(t, err.Error(), "invalid_client")
	assert.NotContains(t, c.Recorder().Scrub(err.Error()), "wrong-secret", "an echoed secret is scrubbed")

	for name, cfg := range map[string]OAuth2{
		"no url":    {ClientID: "a", ClientSecret: "b"},
		"no id":     {TokenURL: "https://127.0.0.1/t", ClientSecret: "b"},
		"no secret": {TokenURL: "https://127.0.0.1/t", ClientID: "a"},
	} {
		_, err := NewClient("http://127.0.0.1:1", WithOAuth2(cfg))
		assert.Error(t, err, name)
	}

	// The client secret never goes over plain http to another host.
	var hits atomic.Int32
	remote, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) },
		WithOAuth2(OAuth2{TokenURL: "http://token.example.invalid/t", ClientID: "a", ClientSecret: "s3cret-b"}))
	_, err = remote.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "plain http")
	assert.Equal(t, int32(0), hits.Load())
}
