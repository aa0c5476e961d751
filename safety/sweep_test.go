package safety_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/safety"
)

// TestSweepWithoutSw: a server that declines the sw filter (allowed: it may
// support only eq) is swept by an unfiltered walk, so the run's resources
// go and nothing else is touched or reported as left.
func TestSweepWithoutSw(t *testing.T) {
	srv, err := refserver.New(refserver.Config{Personalities: []string{"filters-eq-and-only"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, err := fakeidp.NewClient(ts.URL, fakeidp.WithHTTPClient(ts.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	create := func(name string) {
		t.Helper()
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + name + `"}`
		ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodPost, Path: "/Users", Body: []byte(body)})
		if err != nil || ex.Status != http.StatusCreated {
			t.Fatalf("creating %s: %v %v", name, err, ex)
		}
	}
	create("scimloop-sw0000-a")
	create("scimloop-sw0000-b")
	create("someone-else")

	rep := safety.Sweep(ctx, c, "scimloop-sw0000-", safety.SweepOptions{})
	if len(rep.Errors) > 0 || len(rep.Left) > 0 || len(rep.Refused) > 0 {
		t.Fatalf("sweep errors %v, left %v, refused %v; want none", rep.Errors, rep.Left, rep.Refused)
	}
	if len(rep.Deleted) != 2 {
		t.Fatalf("deleted %v, want the run's two users", rep.Deleted)
	}
	ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodGet, Path: "/Users"})
	if err != nil || !strings.Contains(string(ex.RespBody), "someone-else") || strings.Contains(string(ex.RespBody), "scimloop-sw0000-") {
		t.Fatalf("after the sweep: %v %s; want only someone-else", err, ex.RespBody)
	}
}

// TestSweepByCursor: with Cursor set, the sweep follows nextCursor (RFC
// 9865) over pages of two and deletes every one of the run's five users,
// without any index paging.
func TestSweepByCursor(t *testing.T) {
	srv, err := refserver.New(refserver.Config{CursorDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, err := fakeidp.NewClient(ts.URL, fakeidp.WithHTTPClient(ts.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"scimloop-cur000-` + n + `"}`
		if ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodPost, Path: "/Users", Body: []byte(body)}); err != nil || ex.Status != http.StatusCreated {
			t.Fatalf("creating %s: %v %v", n, err, ex)
		}
	}
	if !safety.PrefersCursors(ctx, c) {
		t.Fatal("the reference server names cursor its defaultPaginationMethod, but PrefersCursors says no")
	}
	rep := safety.Sweep(ctx, c, "scimloop-cur000-", safety.SweepOptions{PageSize: 2, Cursor: true})
	if len(rep.Errors) > 0 || len(rep.Left) > 0 || len(rep.Deleted) != 5 {
		t.Fatalf("sweep errors %v, left %v, deleted %d; want all five deleted", rep.Errors, rep.Left, len(rep.Deleted))
	}
	cursors, indexes := 0, 0
	for _, ex := range c.Recorder().Exchanges() {
		switch {
		case ex.Method == http.MethodGet && strings.Contains(ex.URL, "cursor="):
			cursors++
		case ex.Method == http.MethodGet && strings.Contains(ex.URL, "startIndex="):
			indexes++
		}
	}
	if cursors < 3 || indexes != 0 {
		t.Errorf("%d cursor and %d index listings, want at least 3 cursor pages and no index paging", cursors, indexes)
	}
}
