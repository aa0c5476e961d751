package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSchemaCoverageShown(t *testing.T) {
	run := &Run{Tool: "scimloop", Verdict: Verdict{Result: "pass", IdPCompat: "n/a"}, SchemaCoverage: map[string]SchemaCoverage{
		"User":  {Declared: 60, Exercised: 58, Missing: []string{"ims.display", "photos.display"}},
		"Group": {Declared: 5, Exercised: 5},
	}}
	md := renderMarkdown(t, run)
	for _, want := range []string{"### Schema coverage", "| User | 60 | 58 (97%) | ims.display, photos.display |", "| Group | 5 | 5 (100%) |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	var h bytes.Buffer
	if err := WriteHTML(&h, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.String(), `id="schema-coverage"`) || !strings.Contains(h.String(), "58 (97%)") {
		t.Errorf("the HTML report does not show the schema coverage")
	}
	var j bytes.Buffer
	if err := WriteJSON(&j, run); err != nil {
		t.Fatal(err)
	}
	var back struct {
		SchemaCoverage map[string]SchemaCoverage `json:"schemaCoverage"`
	}
	if err := json.Unmarshal(j.Bytes(), &back); err != nil || back.SchemaCoverage["User"].Exercised != 58 || back.SchemaCoverage["Group"].Declared != 5 {
		t.Errorf("results.json schemaCoverage = %+v (%v)", back.SchemaCoverage, err)
	}
}
