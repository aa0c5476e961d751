package fakeidp

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSentHeadersRecordWhatWasSent: the headers packed once per client are
// what each request sent, redacted with the secrets known at the time, and
// a request's own headers, a body, or other credentials are packed as sent.
func TestSentHeadersRecordWhatWasSent(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {},
		WithBearer("tok-0123456789"), WithHeader("X-Tenant", "tenant-7"))
	do := func(c *Client, req Request) *Exchange {
		t.Helper()
		ex, err := c.Do(context.Background(), req)
		require.NoError(t, err)
		return ex
	}
	plain := http.Header{"Accept": {"application/scim+json"}, "Authorization": {"REDACTED"}, "X-Tenant": {"tenant-7"}}
	for range 2 {
		assert.Equal(t, plain, do(c, Request{Method: "GET", Path: "/Users"}).ReqHeader.HTTP())
	}
	withBody := http.Header{"Accept": {"application/scim+json"}, "Authorization": {"REDACTED"}, "Content-Type": {"application/scim+json"}, "X-Tenant": {"tenant-7"}}
	assert.Equal(t, withBody, do(c, Request{Method: "POST", Path: "/Users", Body: []byte("{}")}).ReqHeader.HTTP())
	own := do(c, Request{Method: "GET", Path: "/Users/1", Header: http.Header{"If-None-Match": {`W/"1"`}}})
	assert.Equal(t, `W/"1"`, own.ReqHeader.Get("If-None-Match"))
	assert.Empty(t, do(c, Request{Method: "GET", Path: "/Users"}).ReqHeader.Get("If-None-Match"))

	anon := do(c.WithoutAuth(""), Request{Method: "GET", Path: "/Users"})
	assert.Empty(t, anon.ReqHeader.Values("Authorization"), "a client without credentials records none")
	assert.Equal(t, "REDACTED", do(c, Request{Method: "GET", Path: "/Users"}).ReqHeader.Get("Authorization"))

	// A secret learned later is redacted from what is recorded from then on.
	c.rec.addSecrets("tenant-7")
	assert.Equal(t, "REDACTED", do(c, Request{Method: "GET", Path: "/Users"}).ReqHeader.Get("X-Tenant"))
	assert.Equal(t, "REDACTED", do(c.ForScenario("s"), Request{Method: "GET", Path: "/Users"}).ReqHeader.Get("X-Tenant"))
}
