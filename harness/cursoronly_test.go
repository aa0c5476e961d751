package harness_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// TestCursorOnlyRun runs everything, property sequences included, against
// a server that pages only by cursor (RFC 9865 §4: pagination.index
// false). The run never sends startIndex (such a server may refuse it, and
// a refused query would silently cost a judgement), the startIndex checks
// skip naming pagination.index, and the cursor walk and the sequences'
// final-state read see every resource.
func TestCursorOnlyRun(t *testing.T) {
	srv, err := refserver.New(refserver.Config{Token: testToken, BasePath: "/scim/v2", Seed: 1, Personalities: []string{"cursor-only"}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var withStart []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.URL.Query().Has("startIndex") || bytes.Contains(body, []byte(`"startIndex"`)) {
			mu.Lock()
			withStart = append(withStart, r.Method+" "+r.URL.String())
			mu.Unlock()
		}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	run, err := harness.Execute(context.Background(), harness.Target{URL: ts.URL + "/scim/v2"},
		harness.WithClientOptions(fakeidp.WithBearer(testToken)), harness.WithRunID("matrix"),
		harness.WithSequences(10), harness.WithSteps(15), harness.WithShrinkTime(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range badResults(run, false) {
		t.Errorf("%s", c)
	}
	if len(withStart) > 0 {
		t.Errorf("%d requests sent startIndex to a server without index paging, first %s", len(withStart), withStart[0])
	}
	for _, id := range []string{"page-start-index-default", "page-start-index-below-1", "page-start-index-echo", "page-beyond-end", "page-walk-complete"} {
		if c := checkOf(run, id); c.Status != reports.StatusSkip || !strings.Contains(c.Reason, "pagination.index") {
			t.Errorf("%s = %s (%s), want skipped naming pagination.index", id, c.Status, c.Reason)
		}
	}
	for _, id := range []string{"cursor-walk-complete", "list-paging-fields", "search-same-as-get", "seq-reconcile-missing", "seq-reconcile-extra"} {
		if c := checkOf(run, id); c.Status != reports.StatusPass {
			t.Errorf("%s = %s (%s), want pass", id, c.Status, checkMessage(c))
		}
	}
}

func checkOf(run *reports.Run, id string) reports.CheckResult {
	for _, c := range run.Checks {
		if c.ID == id {
			return c
		}
	}
	return reports.CheckResult{ID: id, Status: "absent"}
}
