package reports

import (
	"bytes"
	"strings"
	"testing"
)

func TestMergeFilterSupportKeepsTheWorst(t *testing.T) {
	got := MergeFilterSupport(
		[]FilterSupport{
			{Attribute: "userName", Operator: "sw", Status: FilterSupported, Check: "filter-sw"},
			{Attribute: "userName", Operator: "eq", Status: FilterSupported, Check: "filter-eq-exact"},
			{Attribute: "", Operator: "or", Status: FilterDeclined, Check: "filter-logical", Answer: "400 invalidFilter"},
		},
		[]FilterSupport{
			{Attribute: "userName", Operator: "sw", Status: FilterWrong, Check: "filter-sw"},
			{Attribute: "userName", Operator: "eq", Status: FilterDeclined, Check: "filter-caseexact"},
			{Attribute: "", Operator: "or", Status: FilterSupported, Check: "filter-logical"},
		},
	)
	want := []FilterSupport{
		{Attribute: "", Operator: "or", Status: FilterDeclined, Check: "filter-logical", Answer: "400 invalidFilter"},
		{Attribute: "userName", Operator: "eq", Status: FilterDeclined, Check: "filter-caseexact"},
		{Attribute: "userName", Operator: "sw", Status: FilterWrong, Check: "filter-sw"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d cells %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestFilterLine(t *testing.T) {
	if got := (&Run{}).FilterLine(); got != "" {
		t.Errorf("no filters probed: %q, want empty", got)
	}
	run := &Run{FilterSupport: []FilterSupport{
		{Attribute: "userName", Operator: "eq", Status: FilterSupported},
		{Attribute: "userName", Operator: "sw", Status: FilterDeclined},
		{Attribute: "title", Operator: "pr", Status: FilterDeclined},
	}}
	if got, want := run.FilterLine(), "filters: 1 supported, 2 declined, 0 wrong"; got != want {
		t.Errorf("FilterLine = %q, want %q", got, want)
	}
	run.FilterSupport = append(run.FilterSupport, FilterSupport{Attribute: "id", Operator: "eq", Status: FilterError})
	if got := run.FilterLine(); !strings.HasSuffix(got, ", 1 error") {
		t.Errorf("FilterLine = %q, want the error counted", got)
	}
}

func TestFilterRowsGroupByAttribute(t *testing.T) {
	rows := filterRows([]FilterSupport{
		{Attribute: "userName", Operator: "sw", Status: FilterDeclined, Answer: "400 invalidFilter"},
		{Attribute: "userName", Operator: "eq", Status: FilterSupported},
		{Attribute: "userName", Operator: "ne", Status: FilterDeclined, Answer: "400 without scimType"},
		{Attribute: "userName", Operator: "gt", Status: FilterWrong, Check: "filter-ordering"},
		{Attribute: "", Operator: "and", Status: FilterSupported},
	})
	want := []filterRow{
		{Attribute: "(logical)", Supported: "and"},
		{Attribute: "userName", Supported: "eq", Declined: "ne (400 without scimType), sw", Wrong: "gt [filter-ordering]"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v, want %+v", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}

// The matrix shows in every report: HTML, Markdown, JUnit (on the filters
// scenario's suite) and results.json, which reads back to the same cells.
func TestFilterSupportInEveryReport(t *testing.T) {
	run := fixtureRun()
	run.Scenarios = append(run.Scenarios, ScenarioResult{Name: "filters", Status: StatusPass})
	for name, write := range map[string]func(*bytes.Buffer, *Run) error{
		"html":     func(b *bytes.Buffer, r *Run) error { return WriteHTML(b, r) },
		"markdown": func(b *bytes.Buffer, r *Run) error { return WriteMarkdown(b, r) },
		"junit":    func(b *bytes.Buffer, r *Run) error { return WriteJUnit(b, r) },
	} {
		var b bytes.Buffer
		if err := write(&b, run); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(b.String(), "filters: 1 supported, 2 declined, 1 wrong, 1 error") {
			t.Errorf("%s report lacks the filter summary", name)
		}
	}
	var j bytes.Buffer
	if err := WriteJUnit(&j, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j.String(), `name="scimloop.filterSupport"`) || !strings.Contains(j.String(), "userName:sw=declined") {
		t.Errorf("junit lacks the cells:\n%s", j.String())
	}
	var out bytes.Buffer
	if err := WriteJSON(&out, run); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.FilterSupport) != len(run.FilterSupport) || back.FilterSupport[0] != run.FilterSupport[0] {
		t.Errorf("results.json round trip: %+v, want %+v", back.FilterSupport, run.FilterSupport)
	}
}
