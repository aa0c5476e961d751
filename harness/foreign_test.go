package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/internal/tenant"
	"github.com/scimloop/scimloop/reports"
)

// The foreign-data test: a staging tenant holds real users and groups; a
// run, passing or failing, against an honest server or one that lies, must
// leave every one of them byte for byte as it was, and must never send a
// write that names one of them.

const foreignToken = "foreign-t0ken-7c1d"

// wireLog records every request a server receives.
type wireLog struct {
	mu   sync.Mutex
	reqs []loggedReq
}

type loggedReq struct {
	Method, Path string
	Body         []byte
}

func (l *wireLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.reqs = append(l.reqs, loggedReq{Method: r.Method, Path: r.URL.Path, Body: body})
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

var filterValue = regexp.MustCompile(`(?i)(?:userName|displayName)\s+(?:eq|sw)\s+"([^"]*)"`)

// liar wraps a server that confuses ids, in the ways that could trick an
// IdP into touching someone else's data:
//   - every list with a userName/displayName eq or sw filter also names a
//     foreign resource under the filtered name (so it looks like ours);
//   - every third create answers with a foreign resource's id.
func liar(h http.Handler, foreignUser, foreignGroup string) http.Handler {
	var posts atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		isGroup := strings.Contains(r.URL.Path, "/Groups")
		foreign := foreignUser
		if isGroup {
			foreign = foreignGroup
		}
		var doc map[string]any
		switch {
		case r.Method == http.MethodGet && rec.Code == http.StatusOK && json.Unmarshal(body, &doc) == nil && doc["Resources"] != nil:
			if m := filterValue.FindStringSubmatch(r.URL.Query().Get("filter")); m != nil {
				res, _ := doc["Resources"].([]any)
				doc["Resources"] = append([]any{map[string]any{"id": foreign, "userName": m[1], "displayName": m[1]}}, res...)
				if n, ok := doc["totalResults"].(float64); ok {
					doc["totalResults"] = n + 1
				}
				body, _ = json.Marshal(doc)
			}
		case r.Method == http.MethodPost && rec.Code == http.StatusCreated && json.Unmarshal(body, &doc) == nil && posts.Add(1)%3 == 0:
			doc["id"] = foreign
			body, _ = json.Marshal(doc)
		}
		for k, vs := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

func TestForeignDataIsNeverTouched(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every scenario in every dialect against four servers")
	}
	t.Parallel()
	setups := []struct {
		name   string
		faults []string
		lie    bool
	}{
		{name: "clean"},
		// Lists return foreign resources; creates and updates misbehave, so the run fails.
		{name: "failing", faults: []string{"filter-ignored", "duplicate-username-allowed", "ignore-if-match", "put-creates-missing",
			"soft-deleted-still-listed", "patch-not-atomic", "remove-member-removes-all", "delete-missing-returns-500"}},
		// Retries (so lookups by name happen) against a server that lies about ids.
		{name: "lying", faults: []string{"flaky-5xx"}, lie: true},
		{name: "lying-unfiltered", faults: []string{"flaky-5xx", "filter-ignored"}, lie: true},
	}
	for _, setup := range setups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			h, err := refserver.New(refserver.Config{Token: foreignToken, BasePath: "/scim/v2", Faults: setup.faults, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			// Seed through an honest door, so the seeding itself is exact.
			honest := httptest.NewServer(h)
			defer honest.Close()
			base := honest.URL + "/scim/v2"
			acme := tenant.New(base, foreignToken)
			if err := acme.Populate("acme-", 8, 3); err != nil {
				t.Fatal(err)
			}
			other := tenant.New(base, foreignToken)
			if err := other.Populate("scimloop-other1-", 2, 1); err != nil {
				t.Fatal(err)
			}
			seeded := acme.IDs()
			for id := range other.IDs() {
				seeded[id] = true
			}

			var wire wireLog
			var handler http.Handler = h
			if setup.lie {
				handler = liar(h, acme.Seed[0].ID, acme.Seed[len(acme.Seed)-1].ID)
			}
			srv := httptest.NewServer(wire.wrap(handler))
			defer srv.Close()
			target := Target{URL: srv.URL + "/scim/v2", Header: http.Header{"Authorization": {"Bearer " + foreignToken}}}

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			run, err := Execute(ctx, target, WithDialect(fakeidp.DialectAll), WithClientOptions(fakeidp.WithTimeout(10*time.Second)),
				WithSequences(3), WithSteps(15), WithShrinkTime(2*time.Second), WithMaxDuration(20*time.Second))
			if err != nil {
				t.Fatalf("Execute: %v (errors %v)", err, run.Errors)
			}
			if setup.name == "failing" && run.Verdict.Result != "fail" {
				t.Errorf("the failing server's run = %s, want fail", run.Verdict.Result)
			}

			for _, tn := range []*tenant.Tenant{acme, other} {
				changed, err := tn.Changed()
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range changed {
					t.Errorf("a foreign resource changed: %s", c)
				}
			}
			// No write request ever named a seeded resource, on the wire or in the run's record.
			wire.mu.Lock()
			for _, r := range wire.reqs {
				if r.Method == http.MethodGet {
					continue
				}
				for id := range seeded {
					if strings.Contains(r.Path, id) || bytes.Contains(r.Body, []byte(id)) {
						t.Errorf("%s %s names seeded resource %s (body %.200s)", r.Method, r.Path, id, r.Body)
					}
				}
			}
			wire.mu.Unlock()
			checkRecordedWrites(t, run, seeded)
			// And nothing of the run is left.
			for _, typ := range []string{"User", "Group"} {
				left, err := acme.Remaining(typ, run.Prefix)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range left {
					t.Errorf("left on the server: %s %s %s (leftovers reported: %+v)", typ, r.ID, r.Name, run.Leftovers)
				}
			}
			t.Logf("%s: verdict %s, %d exchanges, leftovers reported: %+v", setup.name, run.Verdict.Result, len(run.Exchanges), run.Leftovers)
		})
	}
}

func checkRecordedWrites(t *testing.T, run *reports.Run, seeded map[string]bool) {
	t.Helper()
	for _, ex := range run.Exchanges {
		if ex.Method == http.MethodGet {
			continue
		}
		for id := range seeded {
			if strings.Contains(ex.URL, id) || strings.Contains(ex.RequestBody, id) {
				t.Errorf("recorded #%d %s %s names seeded resource %s", ex.Seq, ex.Method, ex.URL, id)
			}
		}
	}
}
