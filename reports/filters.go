package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The filter support matrix: what the server did with each filter operator
// on each attribute the filter probes tried. RFC 7644 §3.4.2.2 lets a server
// decline an operation it does not support (400 invalidFilter), so a
// declined cell is a capability, not a failure.

// FilterStatus is what the server did with the filters of one cell.
type FilterStatus string

// Filter statuses, from best to worst; a cell probed several times takes
// the worst it saw.
const (
	FilterSupported FilterStatus = "supported" // accepted, and the results were right
	FilterDeclined  FilterStatus = "declined"  // refused (Answer says how)
	FilterWrong     FilterStatus = "wrong"     // accepted, but the results were wrong
	FilterError     FilterStatus = "error"     // a 5xx, or no answer at all
)

// filterRank orders the statuses from best to worst.
var filterRank = map[FilterStatus]int{FilterSupported: 0, FilterDeclined: 1, FilterWrong: 2, FilterError: 3}

// FilterSupport is one cell of the matrix: an operator ("eq", "sw", "and",
// "precedence", "grouping", "valuePath", …) on an attribute ("userName",
// "emails.value"; "" for the logical operators), with the check whose probe
// decided its status.
type FilterSupport struct {
	Attribute string       `json:"attribute"`
	Operator  string       `json:"operator"`
	Status    FilterStatus `json:"status"`
	Check     string       `json:"check"`
	Answer    string       `json:"answer,omitempty"` // how a decline or error was answered: "400 invalidFilter", "501"
}

// MergeFilterSupport folds cells into one row per attribute and operator,
// each with the worst status seen, sorted by attribute then operator order.
func MergeFilterSupport(cells ...[]FilterSupport) []FilterSupport {
	type key struct{ attr, op string }
	idx := map[key]int{}
	var out []FilterSupport
	for _, list := range cells {
		for _, c := range list {
			k := key{c.Attribute, c.Operator}
			i, ok := idx[k]
			if !ok {
				idx[k] = len(out)
				out = append(out, c)
				continue
			}
			if filterRank[c.Status] > filterRank[out[i].Status] {
				out[i] = c
			}
		}
	}
	slices.SortStableFunc(out, func(a, b FilterSupport) int {
		return cmp.Or(cmp.Compare(a.Attribute, b.Attribute), cmp.Compare(operatorOrder(a.Operator), operatorOrder(b.Operator)), cmp.Compare(a.Operator, b.Operator))
	})
	return out
}

// filterOperators is the display order of the operators.
var filterOperators = []string{"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le", "and", "or", "not", "precedence", "grouping", "valuePath"}

func operatorOrder(op string) int {
	if i := slices.Index(filterOperators, op); i >= 0 {
		return i
	}
	return len(filterOperators)
}

// filterCounts counts the cells per status.
func filterCounts(cells []FilterSupport) map[FilterStatus]int {
	n := map[FilterStatus]int{}
	for _, c := range cells {
		n[c.Status]++
	}
	return n
}

// FilterLine is the matrix in one line, for the console: "filters: 14
// supported, 9 declined, 0 wrong" (and the errors, when there are any). It
// is empty when no filter was probed.
func (r *Run) FilterLine() string {
	if len(r.FilterSupport) == 0 {
		return ""
	}
	n := filterCounts(r.FilterSupport)
	line := fmt.Sprintf("filters: %d supported, %d declined, %d wrong", n[FilterSupported], n[FilterDeclined], n[FilterWrong])
	if n[FilterError] > 0 {
		line += fmt.Sprintf(", %d error", n[FilterError])
	}
	return line
}

// labelledDecline is the answer RFC 7644 §3.4.2.2 asks for; the tables name
// only the others.
const labelledDecline = "400 invalidFilter"

// filterRow is one attribute of the matrix, its operators grouped by status.
type filterRow struct {
	Attribute                          string
	Supported, Declined, Wrong, Errors string
}

// filterRows groups the matrix by attribute, for the HTML and Markdown
// tables: one row per attribute, the operators of each status in one cell.
func filterRows(cells []FilterSupport) []filterRow {
	var rows []filterRow
	for _, c := range MergeFilterSupport(cells) {
		attr := cmp.Or(clean(c.Attribute), "(logical)")
		if len(rows) == 0 || rows[len(rows)-1].Attribute != attr {
			rows = append(rows, filterRow{Attribute: attr})
		}
		r := &rows[len(rows)-1]
		op := clean(c.Operator)
		if c.Status != FilterSupported && c.Answer != "" && c.Answer != labelledDecline {
			op += " (" + clean(c.Answer) + ")"
		}
		switch c.Status {
		case FilterSupported:
			r.Supported = joinOp(r.Supported, op)
		case FilterDeclined:
			r.Declined = joinOp(r.Declined, op)
		case FilterWrong:
			r.Wrong = joinOp(r.Wrong, op+" ["+clean(c.Check)+"]")
		default:
			r.Errors = joinOp(r.Errors, op+" ["+clean(c.Check)+"]")
		}
	}
	return rows
}

func joinOp(list, op string) string {
	if list == "" {
		return op
	}
	return list + ", " + op
}

// filters writes the matrix as a Markdown table.
func (m *mdWriter) filters(run *Run) {
	if len(run.FilterSupport) == 0 {
		return
	}
	m.line("")
	m.line("### Filter support")
	m.line("")
	m.line("%s. A declined filter (400 invalidFilter, unless another answer is named) is a capability RFC 7644 §3.4.2.2 allows, not a failure.", mdText(run.FilterLine()))
	m.line("")
	m.row("Attribute", "Supported", "Declined", "Wrong results")
	m.row("---", "---", "---", "---")
	for _, r := range filterRows(run.FilterSupport) {
		wrong := r.Wrong
		if r.Errors != "" {
			wrong = joinOp(wrong, "error: "+r.Errors)
		}
		m.row(mdCell(r.Attribute), mdCell(r.Supported), mdCell(r.Declined), mdCell(wrong))
	}
}

// htmlFilters is the matrix as the HTML report shows it.
type htmlFilters struct {
	Line string
	Rows []filterRow
}

func newHTMLFilters(run *Run) *htmlFilters {
	if len(run.FilterSupport) == 0 {
		return nil
	}
	return &htmlFilters{Line: clean(run.FilterLine()), Rows: filterRows(run.FilterSupport)}
}

// junitFilterProps are the matrix as properties of the filters scenario's
// suite: the one-line summary, and every cell as
// "userName:eq=supported userName:sw=declined …" (":and" for a logical
// operator).
func junitFilterProps(run *Run, scenario string) []junitProp {
	if scenario != "filters" || len(run.FilterSupport) == 0 {
		return nil
	}
	return []junitProp{{"scimloop.filterSupport", junitFilterCells(run.FilterSupport)}, {"scimloop.filters", run.FilterLine()}}
}

func junitFilterCells(cells []FilterSupport) string {
	parts := make([]string, 0, len(cells))
	for _, c := range MergeFilterSupport(cells) {
		parts = append(parts, c.Attribute+":"+c.Operator+"="+string(c.Status))
	}
	return strings.Join(parts, " ")
}
