package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// causesRun is a run whose create failed (create-201), so that a PUT check
// failed and a GET check went unjudged only because of it; delete-204 erred
// on its own.
func causesRun() *Run {
	create := Finding{Check: "create-201", Scenario: "replace-create-delete", Message: "create-201: POST /Users = 400, want 201"}
	put := Finding{Check: "put-replaces-values", Scenario: "replace-create-delete", Message: "put-replaces-values: PUT /Users/x = 404, want 200"}
	checks := []CheckResult{
		{ID: "create-201", Title: "A successful create answers 201 Created", Level: LevelMust, Status: StatusFail, Findings: []Finding{create}},
		{ID: "delete-204", Title: "DELETE answers 204", Level: LevelMust, Status: StatusError, Reason: "not judged: the connection was reset", Findings: []Finding{}},
		{ID: "get-id-exact", Title: "GET returns the resource", Level: LevelMust, Status: StatusError, CausedBy: []string{"create-201"},
			Reason: "not judged: caused by create-201: the scenario stopped early", Findings: []Finding{}},
		{ID: "put-replaces-values", Title: "PUT replaces values", Level: LevelMust, Status: StatusFail, CausedBy: []string{"create-201"}, Findings: []Finding{put}},
	}
	sc := ScenarioResult{Name: "replace-create-delete", Status: StatusError, Reason: "create-201 failed", Checks: []ScenarioCheck{
		{ID: "create-201", Status: StatusFail, Findings: []Finding{create}},
		{ID: "delete-204", Status: StatusError, Reason: "not judged: the connection was reset"},
		{ID: "get-id-exact", Status: StatusError, CausedBy: []string{"create-201"}, Reason: "not judged: caused by create-201: the scenario stopped early"},
		{ID: "put-replaces-values", Status: StatusFail, CausedBy: []string{"create-201"}, Findings: []Finding{put}},
	}}
	return &Run{Tool: "scimloop", Version: "test", Target: "https://scim.example.test/v2", Dialect: "rfc",
		Verdict: Verdict{Result: "fail", IdPCompat: "n/a", MustFailures: 2, Failed: 2, Errored: 2},
		Checks:  checks, Scenarios: []ScenarioResult{sc}}
}

func TestGroupByCause(t *testing.T) {
	roots, under := GroupByCause(causesRun())
	var ids []string
	for _, c := range roots {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "create-201,delete-204" {
		t.Errorf("roots = %v, want create-201 and delete-204", ids)
	}
	var cons []string
	for _, c := range under["create-201"] {
		cons = append(cons, c.ID)
	}
	if strings.Join(cons, ",") != "get-id-exact,put-replaces-values" {
		t.Errorf("under create-201 = %v, want get-id-exact and put-replaces-values", cons)
	}
}

func TestJUnitCausedByFirst(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, causesRun()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, id := range []string{"put-replaces-values", "get-id-exact"} {
		re := regexp.MustCompile(`(?s)<testcase name="` + id + `"[^>]*>.*?<(failure|error) message="caused by create-201: `)
		if !re.MatchString(out) {
			t.Errorf("the JUnit message of %s does not start with \"caused by create-201\":\n%s", id, out)
		}
	}
	if !strings.Contains(out, `name="scimloop.causedBy" value="create-201"`) {
		t.Error("no scimloop.causedBy property")
	}
	if regexp.MustCompile(`message="caused by[^"]*delete-204`).MatchString(out) {
		t.Error("delete-204 stands on its own but is reported as caused")
	}
}

func TestHTMLGroupsConsequences(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, causesRun()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	failing := section(out, `id="failing"`, `<h2`)
	if !strings.Contains(failing, `Failing checks (1)</h2>`) {
		t.Errorf("the failing section lists consequences as failures of their own:\n%s", failing)
	}
	for _, id := range []string{"put-replaces-values", "get-id-exact"} {
		if !strings.Contains(failing, `<tr id="check-`+id+`">`) {
			t.Errorf("%s is not listed under create-201:\n%s", id, failing)
		}
		if strings.Count(out, `id="check-`+id+`"`) != 1 {
			t.Errorf("%s is listed more than once", id)
		}
	}
	errored := section(out, `id="errored"`, `<h2`)
	if !strings.Contains(errored, "Checks that could not run (1)") || !strings.Contains(errored, "delete-204") {
		t.Errorf("the errored section should list delete-204 alone:\n%s", errored)
	}
	if !strings.Contains(section(out, `id="glance"`, `<h2`), "(+2 consequences)") {
		t.Error("the glance table does not count create-201's consequences")
	}
}

func TestMarkdownGroupsConsequences(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, causesRun()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	failing := section(out, "### Failing checks", "###")
	if !strings.Contains(failing, "### Failing checks (1)") {
		t.Errorf("consequences counted as failing checks:\n%s", failing)
	}
	lines := strings.Split(failing, "\n")
	root := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "| `create-201`") {
			root = i
		}
	}
	if root < 0 || root+2 >= len(lines) || !strings.HasPrefix(lines[root+1], "| ↳ `get-id-exact`") ||
		!strings.HasPrefix(lines[root+2], "| ↳ `put-replaces-values`") || !strings.Contains(lines[root+2], "caused by create-201") {
		t.Errorf("consequences are not listed under create-201:\n%s", failing)
	}
	if strings.Contains(section(out, "### Checks that could not run", "###"), "get-id-exact") {
		t.Error("get-id-exact is listed as an error of its own")
	}
}

// section is the part of s from the first from to the next until after it.
func section(s, from, until string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s[len(from):], until); j >= 0 {
		return s[:len(from)+j]
	}
	return s
}
