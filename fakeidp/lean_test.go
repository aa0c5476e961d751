package fakeidp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
)

// TestRequestsAllocationOverhead pins how lean the recording client is, in
// a measure that a busy machine does not move (unlike BenchmarkRequests):
// the allocations per request beyond a plain net/http loop making the same
// request to the same server (which runs in this process, so its own
// allocations count on both sides). Today the harness makes four fewer:
// it sends through the transport itself, without http.Client's copy of
// every request's header and its redirect bookkeeping (see send), and it
// builds no "Bearer "+token and no header value slices, which the plain
// loop does. Its own are the exchange it returns and what that holds for
// the caller (the URL's text, the packed response header, the body),
// which the recorder copies into blocks outside the Go heap (see
// records.go); the deadline context, the recorder's blocks and the packed
// request header are shared by many requests.
func TestRequestsAllocationOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("counts allocations over a few hundred requests")
	}
	const token = "lean-token-0123456789"
	srv, err := refserver.New(refserver.Config{Token: token, BasePath: "/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	base := ts.URL + "/scim/v2"
	c, err := fakeidp.NewClient(base, fakeidp.WithBearer(token), fakeidp.WithHTTPClient(ts.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.Do(context.Background(), fakeidp.Request{Method: http.MethodPost, Path: "/Users",
		Body: []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"lean-user"}`)})
	if err != nil || ex.Status != http.StatusCreated {
		t.Fatalf("seeding a user: %v %v", err, ex)
	}
	loc := ex.Header("Location")
	path := strings.TrimPrefix(loc, base)

	hc := ts.Client()
	plain := testing.AllocsPerRun(300, func() { plainGet(t, hc, loc, "Bearer "+token) })
	harness := testing.AllocsPerRun(300, func() {
		if _, err := c.Do(context.Background(), fakeidp.Request{Method: http.MethodGet, Path: path}); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("allocations per request: net/http %.1f, harness %.1f", plain, harness)
	if fewer := plain - harness; fewer < 4 {
		t.Errorf("the harness client makes %.1f allocations per request fewer than plain net/http (%.1f against %.1f), want at least 4: something new on the hot path?", fewer, harness, plain)
	}
}
