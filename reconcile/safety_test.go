package reconcile

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// readOnly fails the test on any request that is not a GET (or a POST to
// a .search endpoint when search is allowed), and refuses it.
func readOnly(t *testing.T, search bool, armed *atomic.Bool) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ok := r.Method == http.MethodGet || (search && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/.search"))
			if armed.Load() && !ok {
				t.Errorf("reconcile sent %s %s", r.Method, r.URL.Path)
				http.Error(w, "write refused by the test", http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestReconcileNeverWrites(t *testing.T) {
	for _, search := range []bool{false, true} {
		var armed atomic.Bool
		p := refserver.Preload{Users: 200, Groups: 10, MembersPerGroup: 50, Seed: 3}
		_, clean := refServer(t, p, nil)
		src, _ := export(t, clean)
		p.Drift = 3
		_, base := refServer(t, p, readOnly(t, search, &armed))
		armed.Store(true)
		rep := run(t, base, src, func(c *Config) { c.Plan, c.Search = true, search })
		if rep.Total() == 0 || len(rep.Plan.Steps) == 0 {
			t.Fatalf("search=%v: want drift and a plan against a drifted server, got %d drift, %d steps", search, rep.Total(), len(rep.Plan.Steps))
		}
		var buf bytes.Buffer
		if _, err := Export(context.Background(), ExportConfig{Client: client(t, base), Search: search}, &buf); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReaderRefusesWrites(t *testing.T) {
	rd := newReader(context.Background(), nil, 0, false, 0)
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		if _, err := rd.send(fakeRequest(m, "/Users/1")); err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("%s: %v", m, err)
		}
	}
	if _, err := rd.send(fakeRequest("POST", "/Users/.search")); err == nil {
		t.Error("POST /.search without --search was not refused")
	}
}

// TestShiftingPages deletes users at the front of the list while the walk
// is between pages (every later page then starts further on, so index
// paging skips resources) and creates others: nothing may be called
// missing, and the skipped users must be found by reading them again.
func TestShiftingPages(t *testing.T) {
	later := func(q url.Values) bool { return q.Get("startIndex") != "" && q.Get("startIndex") != "1" }
	rep := shiftingPages(t, refserver.Config{Without: []string{"cursor"}}, later)
	if rep.Stats.Reread == 0 {
		t.Fatal("no user was read again: the walk did not skip any, so the test proves nothing")
	}
}

// TestShiftingCursorPages shifts the list the same way between cursor
// pages: keyset cursors skip nothing, so nothing is missing.
func TestShiftingCursorPages(t *testing.T) {
	later := func(q url.Values) bool { return q.Get("cursor") != "" }
	shiftingPages(t, refserver.Config{CursorOnly: true}, later)
}

// shiftingPages runs the shifting walk against a server with cfg, the
// shift made before the first request for which later is true.
func shiftingPages(t *testing.T, cfg refserver.Config, later func(url.Values) bool) *Report {
	t.Helper()
	_, base := refServerWith(t, cfg, refserver.Preload{}, nil)
	var noise []string
	for i := range 30 {
		m := scim(t, "POST", base+"/Users", newUser("noise"+string(rune('a'+i%26))+strings.Repeat("x", i/26), "", true))
		noise = append(noise, m["id"].(string))
	}
	for i := range 170 {
		scim(t, "POST", base+"/Users", newUser("member"+string(rune('a'+i%26))+string(rune('a'+i/26)), "e"+string(rune('a'+i%26))+string(rune('a'+i/26)), true))
	}
	_, data := export(t, base)
	var kept []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if !strings.Contains(l, `"noise`) {
			kept = append(kept, l)
		}
	}
	src, err := ReadSource(strings.NewReader(strings.Join(kept, "\n")), "s.jsonl", MatchDefault)
	if err != nil || len(src.Users) != 170 {
		t.Fatalf("%v, %d users", err, len(src.Users))
	}
	var once sync.Once
	var shifted atomic.Bool
	shift := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users") && later(r.URL.Query()) && r.URL.Query().Get("filter") == "" {
				once.Do(func() {
					shifted.Store(true)
					for _, id := range noise {
						req, _ := http.NewRequest("DELETE", base+"/Users/"+id, nil)
						resp, err := http.DefaultClient.Do(req)
						if err == nil {
							resp.Body.Close()
						}
					}
					scim(t, "POST", base+"/Users", newUser("late-arrival", "", true))
				})
			}
			h.ServeHTTP(w, r)
		})
	}
	proxy := refProxy(t, base, shift)
	rep := run(t, proxy, src, func(c *Config) { c.PageSize, c.Concurrency, c.Scope = 25, 1, ScopeSource })
	if !shifted.Load() {
		t.Fatal("the list never shifted: the walk did not page as expected, so the test proves nothing")
	}
	if rep.Counts[reports.DriftMissing] != 0 || rep.Verdict != reports.ReconcileInSync {
		t.Fatalf("shifting pages: %s\n%s%v", rep.Verdict, driftLines(rep.Drift), rep.Incomplete)
	}
	return rep
}

func TestNoCredentialInTheReport(t *testing.T) {
	_, clean := refServer(t, refserver.Preload{Users: 20, Groups: 2, MembersPerGroup: 5, Seed: 1}, nil)
	src, _ := export(t, clean)
	_, base := refServer(t, refserver.Preload{Users: 20, Groups: 2, MembersPerGroup: 5, Seed: 1, Drift: 1}, nil)
	const pw = "s3cret-passw0rd-q"
	withPW := strings.Replace(base, "http://", "http://admin:"+pw+"@", 1)
	c, err := fakeidp.NewClient(withPW, fakeidp.WithHeader("X-Api-Key", "k3y-v4lue-secret"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), Config{Client: c, Source: src, Plan: true})
	if err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	_ = reports.WriteReconcileJSON(&all, &rep.Reconcile)
	_ = WritePlanJSON(&all, rep.Plan)
	_ = WritePlanScript(&all, rep.Plan)
	for _, secret := range []string{pw, "k3y-v4lue-secret"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("a credential reached the report or the plan: %s", secret)
		}
	}
}
