package harness

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

var updateSeen = flag.Bool("update-seen", false, "rewrite testdata/seen_failing.golden")

// faultRun is one run against the reference server with one bug.
type faultRun struct {
	name   string
	target func(t *testing.T) Target
	want   []string
}

func wireTarget(t *testing.T, f wireFault) Target {
	h, err := refserver.New(refserver.Config{Token: "dialect-t0ken", BasePath: "/scim/v2", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.wrap(h))
	t.Cleanup(srv.Close)
	return Target{URL: srv.URL + "/scim/v2", Client: srv.Client(), Header: map[string][]string{"Authorization": {"Bearer dialect-t0ken"}}}
}

// TestEveryCheckSeenToFail runs the whole catalogue, in every dialect,
// against the reference server once per named conformance fault and once
// per wire fault, and records which checks each makes fail: every wire
// fault must break the checks it names, and the set of checks seen failing
// is kept in testdata/seen_failing.golden (regenerate with -update-seen).
// The checks no run makes fail are proven to fail by unit tests in package
// assertions (TestChecksFailOnBadExchanges), which reads the same file.
func TestEveryCheckSeenToFail(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("runs the catalogue once per fault (about 80 runs); skipped with -short and -race")
	}
	var runs []faultRun
	for _, f := range refserver.Faults() {
		if f.Kind != refserver.KindConformance {
			continue
		}
		name := f.Name
		runs = append(runs, faultRun{name: "refserver:" + name, target: func(t *testing.T) Target { return refTarget(t, name) }})
	}
	for _, f := range wireFaults {
		runs = append(runs, faultRun{name: "wire:" + f.name, want: f.want, target: func(t *testing.T) Target { return wireTarget(t, f) }})
	}
	failedBy := map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, fr := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			run, _ := Execute(context.Background(), fr.target(t), WithDialect(fakeidp.DialectAll))
			var failed []string
			for _, c := range run.Checks {
				if c.Status == reports.StatusFail {
					failed = append(failed, c.ID)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if os.Getenv("SCIMLOOP_SEEN_VERBOSE") != "" {
				t.Logf("%s: %s", fr.name, strings.Join(failed, " "))
			}
			if len(failed) == 0 {
				t.Errorf("%s: no check failed, want the fault caught", fr.name)
			}
			for _, id := range fr.want {
				if !slices.Contains(failed, id) {
					t.Errorf("%s: check %s did not fail, want it to", fr.name, id)
				}
			}
			for _, id := range failed {
				failedBy[id] = append(failedBy[id], fr.name)
			}
		}()
	}
	wg.Wait()

	var b strings.Builder
	ids := make([]string, 0, len(failedBy))
	for id := range failedBy {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		b.WriteString(id + "\n")
	}
	path := filepath.Join("testdata", "seen_failing.golden")
	if *updateSeen {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-seen to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("checks seen failing changed (-golden +now); if intended, rerun with -update-seen:\n%s", diff)
	}
	total := len(assertions.All())
	t.Logf("%d of %d checks (%.0f%%) fail in a real run against a reference-server fault", len(ids), total, 100*float64(len(ids))/float64(total))
}
