package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/internal/tenant"
	"github.com/scimloop/scimloop/reports"
)

// lostCreates wraps a server so that the first create of every userName is
// carried out but answered 503, as when a gateway times out after the
// backend committed. With staleLookup, the first lookup by that userName
// also misses it, as an eventually consistent index would.
type lostCreates struct {
	h           http.Handler
	staleLookup bool
	mu          sync.Mutex
	posts       map[string]int // userName -> POSTs received
	lookups     map[string]int
	created     int // 201s the server sent, including the hidden ones
}

func (l *lostCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var u struct {
		UserName string `json:"userName"`
	}
	isCreate := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users")
	if isCreate && json.Unmarshal(body, &u) == nil && u.UserName != "" {
		l.mu.Lock()
		l.posts[u.UserName]++
		first := l.posts[u.UserName] == 1
		l.mu.Unlock()
		rec := httptest.NewRecorder()
		l.h.ServeHTTP(rec, r)
		if rec.Code == http.StatusCreated {
			l.mu.Lock()
			l.created++
			l.mu.Unlock()
		}
		if first && rec.Code == http.StatusCreated {
			w.WriteHeader(http.StatusServiceUnavailable) // created, but the answer is lost
			return
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	if f := r.URL.Query().Get("filter"); l.staleLookup && r.Method == http.MethodGet && strings.HasPrefix(f, "userName eq ") {
		l.mu.Lock()
		l.lookups[f]++
		stale := l.lookups[f] == 1
		l.mu.Unlock()
		if stale {
			w.Header().Set("Content-Type", "application/scim+json")
			_, _ = io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`)
			return
		}
	}
	l.h.ServeHTTP(w, r)
}

func retryTarget(t *testing.T, l *lostCreates, faults ...string) (Target, *tenant.Tenant) {
	t.Helper()
	h, err := refserver.New(refserver.Config{Token: hostileToken, BasePath: "/scim/v2", Faults: faults, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	l.h, l.posts, l.lookups = h, map[string]int{}, map[string]int{}
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	honest := httptest.NewServer(h)
	t.Cleanup(honest.Close)
	return Target{URL: srv.URL + "/scim/v2", Header: http.Header{"Authorization": {"Bearer " + hostileToken}}},
		tenant.New(honest.URL+"/scim/v2", hostileToken)
}

func checkResult(run *reports.Run, id string) reports.CheckResult {
	for _, c := range run.Checks {
		if c.ID == id {
			return c
		}
	}
	return reports.CheckResult{}
}

// TestRetriedCreateLooksUpFirst: a create whose answer is lost is looked up
// by userName before any retry, so it is never sent twice.
func TestRetriedCreateLooksUpFirst(t *testing.T) {
	l := &lostCreates{}
	target, server := retryTarget(t, l)
	run, err := Execute(context.Background(), target, WithOnly("user-lifecycle", "group-membership"))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	l.mu.Lock()
	for name, n := range l.posts {
		if n > 1 && !strings.HasSuffix(strings.ToLower(name), "-user-1") { // user-1 is re-posted on purpose by the duplicate checks
			t.Errorf("userName %s was POSTed %d times, want once: the retry did not look it up first", name, n)
		}
	}
	l.mu.Unlock()
	if c := checkResult(run, "create-retry-no-duplicate"); c.Status != reports.StatusPass {
		t.Errorf("create-retry-no-duplicate = %s %s, want pass", c.Status, c.Reason)
	}
	if run.Verdict.Result != "pass" {
		for _, c := range run.Checks {
			if c.Status == reports.StatusFail {
				t.Errorf("%s failed: %s", c.ID, c.Findings[0].Message)
			}
		}
	}
	for _, typ := range []string{"User", "Group"} {
		if left, _ := server.Remaining(typ, run.Prefix); len(left) > 0 {
			t.Errorf("left on the server: %+v", left)
		}
	}
}

// TestDuplicateOnRetryIsAFinding: when the lookup misses the lost create
// and the server accepts the same userName twice, the run says so, and the
// cleanup removes both copies.
func TestDuplicateOnRetryIsAFinding(t *testing.T) {
	l := &lostCreates{staleLookup: true}
	target, server := retryTarget(t, l, "duplicate-username-allowed")
	run, err := Execute(context.Background(), target, WithOnly("group-membership"))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	c := checkResult(run, "create-retry-no-duplicate")
	if c.Status != reports.StatusFail || len(c.Findings) == 0 {
		t.Fatalf("create-retry-no-duplicate = %s, want fail with a finding", c.Status)
	}
	if !strings.Contains(c.Findings[0].Message, "2 resources with userName") {
		t.Errorf("finding = %q", c.Findings[0].Message)
	}
	if run.Verdict.MustFailures == 0 {
		t.Error("a duplicate on retry is a MUST-level failure")
	}
	for _, typ := range []string{"User", "Group"} {
		if left, _ := server.Remaining(typ, run.Prefix); len(left) > 0 {
			t.Errorf("left on the server (the sweep should take duplicates too): %+v", left)
		}
	}
}

// TestMaxResourcesCapsCreates: --max-resources bounds what a run creates.
func TestMaxResourcesCapsCreates(t *testing.T) {
	l := &lostCreates{}
	target, _ := retryTarget(t, l)
	// Every create answers normally here: no user is POSTed twice by the
	// wrapper, since the cap stops the run first or the lookup finds it.
	run, err := Execute(context.Background(), target, WithMaxResources(3))
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	l.mu.Lock()
	created := l.created
	l.mu.Unlock()
	if created > 3 {
		t.Errorf("the server created %d users with --max-resources 3", created)
	}
	text := ""
	for _, s := range run.Scenarios {
		text += s.Reason + "\n"
	}
	if !strings.Contains(text, "--max-resources") {
		t.Errorf("no scenario says it stopped at the cap:\n%s", text)
	}
}

// TestRateLimit: --rps spaces requests out.
func TestRateLimit(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	h, err := refserver.New(refserver.Config{Token: hostileToken, BasePath: "/scim/v2", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	const rps = 40
	_, err = Execute(context.Background(), Target{URL: srv.URL + "/scim/v2", Header: http.Header{"Authorization": {"Bearer " + hostileToken}}},
		WithOnly("discovery", "user-lifecycle"), WithClientOptions(fakeidp.WithRateLimit(rps)))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) < 10 {
		t.Fatalf("only %d requests", len(times))
	}
	span := times[len(times)-1].Sub(times[0])
	want := time.Duration(len(times)-1) * time.Second / rps
	if span < want*9/10 {
		t.Errorf("%d requests in %v at --rps %d, want at least %v", len(times), span, rps, want)
	}
}
