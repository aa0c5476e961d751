package scenarios

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestScenarioAreas pins the area each scenario takes from its checks: a
// new check listed by a scenario must not move it to another area unnoticed.
func TestScenarioAreas(t *testing.T) {
	want := map[string]string{
		"discovery": "discovery", "user-lifecycle": "lifecycle", "group-membership": "groups",
		"conditional-requests": "etag", "http-basics": "http", "auth": "auth", "capability-honesty": "capability",
		"negative-inputs": "negative", "filters": "filter", "paging-and-sorting": "page", "cursor-pagination": "cursor", "projection": "projection",
		"search": "search", "replace-create-delete": "put", "patch-operations": "patch", "bulk": "bulk",
		"discovery-documents": "discovery", "resource-schema": "schema", "idp-dialects": "dialect",
	}
	for _, sc := range All() {
		if got := sc.Area(); got != want[sc.Name] {
			t.Errorf("scenario %s: Area() = %q, want %q", sc.Name, got, want[sc.Name])
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
