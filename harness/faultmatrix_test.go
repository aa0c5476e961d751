package harness_test

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testToken = "matrix-token-0123456789"

// runAgainst runs the harness against a fresh reference server with faults.
func runAgainst(t *testing.T, faults []string, opts ...harness.Option) (*reports.Run, error) {
	t.Helper()
	srv, err := refserver.New(refserver.Config{Token: testToken, BasePath: "/scim/v2", Faults: faults, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	opts = append([]harness.Option{harness.WithClientOptions(fakeidp.WithBearer(testToken)), harness.WithRunID("matrix")}, opts...)
	return harness.Execute(context.Background(), harness.Target{URL: ts.URL + "/scim/v2"}, opts...)
}

// failing returns the IDs of the checks that failed, sorted.
func failing(run *reports.Run) []string {
	var ids []string
	for _, c := range run.Checks {
		if c.Status == reports.StatusFail {
			ids = append(ids, c.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestFaultMatrix is how the project proves it catches bugs: for every
// reference-server fault it asserts the exact set of failing checks (a
// golden file, so a change shows as a diff), that every conformance fault
// fails at least one MUST-level check, that every chaos fault lets the run
// complete, and that with no fault nothing fails.
//
// Regenerate the golden file with: go test ./harness -run TestFaultMatrix -update
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix runs the whole harness once per fault")
	}
	faults := refserver.Faults()
	type row struct {
		kind    string
		failing []string
		must    int
		err     error
	}
	var mu sync.Mutex
	got := map[string]row{}
	t.Run("group", func(t *testing.T) {
		for _, f := range append([]refserver.Fault{{Name: "none", Kind: "none"}}, faults...) {
			t.Run(f.Name, func(t *testing.T) {
				t.Parallel()
				var fs []string
				if f.Name != "none" {
					fs = []string{f.Name}
				}
				run, err := runAgainst(t, fs)
				mu.Lock()
				got[f.Name] = row{kind: f.Kind, failing: failing(run), must: run.Verdict.MustFailures, err: err}
				mu.Unlock()
			})
		}
	})

	var lines []string
	for _, name := range append([]string{"none"}, names(faults)...) {
		r := got[name]
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s", name, r.kind, strings.Join(r.failing, ",")))
		switch r.kind {
		case "none":
			if len(r.failing) > 0 || r.err != nil {
				t.Errorf("with no fault, failing checks %v, error %v; want none", r.failing, r.err)
			}
		case refserver.KindConformance:
			if r.must == 0 {
				t.Errorf("conformance fault %s: no MUST-level check failed (failing: %v); the harness misses this bug", name, r.failing)
			}
		case refserver.KindChaos:
			if r.err != nil {
				t.Errorf("chaos fault %s: the run did not complete: %v", name, r.err)
			}
		}
	}
	compareGolden(t, filepath.Join("testdata", "faultmatrix.golden"), strings.Join(lines, "\n")+"\n")
}

func names(fs []refserver.Fault) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-golden +got); if the change is intended, run go test ./harness -run %s -update:\n%s", path, t.Name(), diff)
	}
}
