package safety_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/safety"
)

// walkServer starts a reference server with cfg and n users, and returns a
// client, what discovery read and the users' ids in creation order.
func walkServer(t *testing.T, cfg refserver.Config, n int) (*fakeidp.Client, *fakeidp.ServiceProvider, []string) {
	t.Helper()
	srv, err := refserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c, err := fakeidp.NewClient(ts.URL, fakeidp.WithHTTPClient(ts.Client()))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := fakeidp.Discover(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = createUser(t, c, fmt.Sprintf("walk-%02d", i))
	}
	return c, sp, ids
}

func createUser(t *testing.T, c *fakeidp.Client, name string) string {
	t.Helper()
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + name + `"}`
	ex, err := c.Do(context.Background(), fakeidp.Request{Method: http.MethodPost, Path: "/Users", Body: []byte(body)})
	if err != nil || ex.Status != http.StatusCreated {
		t.Fatalf("creating %s: %v %v", name, err, ex)
	}
	return fakeidp.Get(ex.RespBody, "id").String()
}

// walkUsers walks /Users the way sp prefers, with pages of four, calling
// between after every page; it returns how often each id was listed and
// the requests' queries.
func walkUsers(t *testing.T, c *fakeidp.Client, sp *fakeidp.ServiceProvider, between func(page int)) (map[string]int, []url.Values, safety.WalkEnd) {
	t.Helper()
	seen := map[string]int{}
	var queries []url.Values
	fetch := func(q url.Values) (*fakeidp.Exchange, error) {
		queries = append(queries, q)
		return c.Do(context.Background(), fakeidp.Request{Method: http.MethodGet, Path: "/Users", Query: q})
	}
	page := 0
	end, err := safety.WalkList(nil, safety.WalkOptions{ByCursor: safety.PagesByCursor(sp), PageSize: 4, MaxPages: 50}, fetch, func(ex *fakeidp.Exchange) bool {
		for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
			seen[fakeidp.Lookup(r, "id").String()]++
		}
		page++
		if between != nil {
			between(page)
		}
		return true
	})
	if err != nil || !end.Complete {
		t.Fatalf("walk: err %v, complete %v after %d pages (last %v)", err, end.Complete, end.Pages, end.Last)
	}
	return seen, queries, end
}

// TestWalkListCursorOnly: against a server that pages only by cursor, the
// walk pages by cursor, sends no startIndex, and lists every user exactly
// once.
func TestWalkListCursorOnly(t *testing.T) {
	c, sp, ids := walkServer(t, refserver.Config{Personalities: []string{"cursor-only"}}, 15)
	if !safety.PagesByCursor(sp) || sp.Has(fakeidp.CapIndex) {
		t.Fatalf("cursor-only: PagesByCursor %v, index offered %v; want true, false", safety.PagesByCursor(sp), sp.Has(fakeidp.CapIndex))
	}
	seen, queries, _ := walkUsers(t, c, sp, nil)
	for _, q := range queries {
		if q.Has("startIndex") {
			t.Fatalf("a walk of a cursor-only server sent startIndex: %v", q)
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("listed %d users, want %d", len(seen), len(ids))
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("user %s listed %d times, want once", id, seen[id])
		}
	}
}

// TestWalkListCursorOnlyUnderChange: while the walk runs, users are created
// and deleted after every page. Every user that exists throughout and is
// not touched is still listed exactly once, and no id twice.
func TestWalkListCursorOnlyUnderChange(t *testing.T) {
	c, sp, ids := walkServer(t, refserver.Config{Personalities: []string{"cursor-only"}}, 15)
	deleted := map[string]bool{}
	seen, _, _ := walkUsers(t, c, sp, func(page int) {
		createUser(t, c, fmt.Sprintf("late-%02d", page))
		victim := ids[len(ids)-page] // from the end: pages not yet read
		if ex, err := c.Do(context.Background(), fakeidp.Request{Method: http.MethodDelete, Path: "/Users/" + victim}); err != nil || ex.Status != http.StatusNoContent {
			t.Fatalf("deleting %s: %v %v", victim, err, ex)
		}
		deleted[victim] = true
	})
	for id, n := range seen {
		if n > 1 {
			t.Errorf("user %s listed %d times, want at most once", id, n)
		}
	}
	for _, id := range ids {
		if !deleted[id] && seen[id] != 1 {
			t.Errorf("user %s, untouched during the walk, listed %d times, want once", id, seen[id])
		}
	}
}

// TestWalkListByIndex: a server with both methods and index as its default
// is walked by startIndex, each user once.
func TestWalkListByIndex(t *testing.T) {
	c, sp, ids := walkServer(t, refserver.Config{}, 10)
	seen, queries, _ := walkUsers(t, c, sp, nil)
	if !queries[0].Has("startIndex") || queries[0].Has("cursor") {
		t.Errorf("first request %v, want startIndex paging", queries[0])
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("user %s listed %d times, want once", id, seen[id])
		}
	}
}

// TestWalkListEnds: a server whose last page still carries a nextCursor
// cannot keep a walk going: it ends at the first page that brings nothing
// new.
func TestWalkListEnds(t *testing.T) {
	c, sp, ids := walkServer(t, refserver.Config{Personalities: []string{"cursor-only"}, Faults: []string{"cursor-next-on-last-page"}}, 6)
	seen, _, end := walkUsers(t, c, sp, nil)
	if len(seen) != len(ids) || end.Pages > len(ids)/4+3 {
		t.Errorf("listed %d users in %d pages, want %d in a few pages", len(seen), end.Pages, len(ids))
	}
}

// TestSweepCursorOnly: a sweep not told to page by cursor (as watch's) still
// sweeps a server that refuses startIndex: the refused index listing is
// retried by cursor.
func TestSweepCursorOnly(t *testing.T) {
	c, _, _ := walkServer(t, refserver.Config{Personalities: []string{"cursor-only"}}, 3)
	for _, n := range []string{"a", "b", "c"} {
		createUser(t, c, "scimloop-co0000-"+n)
	}
	rep := safety.Sweep(context.Background(), c, "scimloop-co0000-", safety.SweepOptions{PageSize: 2})
	if len(rep.Errors) > 0 || len(rep.Left) > 0 || len(rep.Deleted) != 3 {
		t.Fatalf("sweep: errors %v, left %v, deleted %d; want the run's 3 users deleted", rep.Errors, rep.Left, len(rep.Deleted))
	}
}
