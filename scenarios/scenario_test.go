package scenarios

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/assertions"
)

// TestScenarioAreas pins the area each scenario takes from its checks: a
// new check listed by a scenario must not move it to another area unnoticed.
func TestScenarioAreas(t *testing.T) {
	want := map[string]string{
		"discovery": "discovery", "user-lifecycle": "lifecycle", "group-membership": "groups",
		"conditional-requests": "etag", "http-basics": "http", "auth": "auth", "capability-honesty": "capability",
		"negative-inputs": "negative", "filters": "filter", "paging-and-sorting": "page", "cursor-pagination": "cursor", "projection": "projection",
		"search": "search", "replace-create-delete": "put", "patch-operations": "patch", "bulk": "bulk",
		"discovery-documents": "discovery-documents", "resource-schema": "schema", "idp-dialects": "dialect",
		"async-requests": "async",
		"profile-rules":  "interop",
	}
	for _, sc := range All() {
		if got := sc.Area(); got != want[sc.Name] {
			t.Errorf("scenario %s: Area() = %q, want %q", sc.Name, got, want[sc.Name])
		}
	}
}

// TestAreasHaveOneOwner checks that the areas line up with the scenarios:
// each area a scenario owns exists and has one owner, a scenario's Checks
// repeat none of its own areas' checks, and every check belongs to an owned
// area unless it is judged on every answer or outside the scenarios (the
// property sequences and the schema properties, which package sequences
// runs; every retried create).
func TestAreasHaveOneOwner(t *testing.T) {
	common := slices.Concat(resourceChecks, errorChecks)
	owner := map[string]string{}
	for _, sc := range All() {
		if len(sc.Areas) == 0 {
			t.Errorf("scenario %s owns no area", sc.Name)
		}
		for _, a := range sc.Areas {
			if len(assertions.InArea(a)) == 0 {
				t.Errorf("scenario %s owns area %q, which has no checks", sc.Name, a)
			}
			if o, dup := owner[a]; dup {
				t.Errorf("area %s is owned by %s and by %s", a, o, sc.Name)
			}
			owner[a] = sc.Name
		}
		for _, id := range sc.Checks {
			if c, ok := assertions.Lookup(id); ok && slices.Contains(sc.Areas, c.Area) && !slices.Contains(common, id) {
				t.Errorf("scenario %s lists %s, which its area %s gives it already", sc.Name, id, c.Area)
			}
		}
	}
	for _, c := range assertions.All() {
		if owner[c.Area] == "" && !slices.Contains(common, c.ID) && !slices.Contains([]string{"sequence", "schema-prop", "safety"}, c.Area) {
			t.Errorf("check %s is in area %s, which no scenario owns: move it to the table of the area whose scenario judges it", c.ID, c.Area)
		}
	}
}

// TestOneFilePerScenario checks that each scenario lives in the file named
// after it, so that a reader finds "user-lifecycle" in user_lifecycle.go.
func TestOneFilePerScenario(t *testing.T) {
	for _, sc := range All() {
		file := strings.ReplaceAll(sc.Name, "-", "_") + ".go"
		b, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("scenario %s: %v", sc.Name, err)
			continue
		}
		if !regexp.MustCompile(`\bName: +"` + regexp.QuoteMeta(sc.Name) + `"`).Match(b) {
			t.Errorf("scenario %s is not declared in %s", sc.Name, file)
		}
	}
}
