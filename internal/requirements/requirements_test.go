package requirements

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// catalogue is the project's requirements catalogue, docs/requirements.md,
// seen from this package.
const catalogue = "../../docs/requirements.md"

func readCatalogue(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(catalogue)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRowsInSync(t *testing.T) {
	data := readCatalogue(t)
	want, warnings, err := ParseMarkdown(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Logf("catalogue warning: %s", w)
	}
	if diff := cmp.Diff(want, All()); diff != "" {
		t.Errorf("rows.tsv is out of date with %s (-catalogue +rows.tsv):\n%s\nRegenerate it from the repository root with:\n"+
			"  go run ./internal/requirements/gen -out internal/requirements/rows.tsv",
			catalogue, diff)
	}
	// The committed file is byte-for-byte what the generator writes.
	if got := FormatTSV(want); string(got) != string(rowsTSV) {
		t.Errorf("rows.tsv is not in generator format; regenerate it (see package doc)")
	}
}

func TestRowsWellFormed(t *testing.T) {
	rows := All()
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.ID] {
			t.Errorf("duplicate ID %s", r.ID)
		}
		seen[r.ID] = true
		if !rowIDRe.MatchString(r.ID) {
			t.Errorf("%s: malformed ID", r.ID)
		}
		if !IsLevel(r.Level) {
			t.Errorf("%s: level %q not allowed", r.ID, r.Level)
		}
		if !IsGate(r.Gate) {
			t.Errorf("%s: gate %q not allowed", r.ID, r.Gate)
		}
		if r.Section == "" && r.Area() != "AMBIG" && r.Level != "DERIVED" {
			t.Errorf("%s: empty section", r.ID)
		}
		if strings.ContainsAny(r.Section, "()\t\"") {
			t.Errorf("%s: section %q is not a bare reference list", r.ID, r.Section)
		}
	}
}

// bucket is the §9 column a level is counted in.
func bucket(level string) string {
	switch level {
	case "MUST", "MUST NOT", "SHALL", "SHALL NOT", "REQUIRED":
		return "MUST"
	case "SHOULD", "SHOULD NOT":
		return "SHOULD"
	}
	return level
}

var sec9Cols = []string{"MUST", "SHOULD", "MAY", "DECL", "DERIVED", "IDP", "AMBIG", "INFO"}

// tableRows are the rows of the §2–5 requirement tables: what §9 counts.
// The §6 AMBIG-xx rows are in the index but not in §9.
func tableRows() []Row {
	var out []Row
	for _, r := range All() {
		if r.Area() != "AMBIG" {
			out = append(out, r)
		}
	}
	return out
}

// TestCountsMatchSection9 checks the rows against the numbers printed in §9
// of docs/requirements.md, all of which agree with the rows.
func TestCountsMatchSection9(t *testing.T) {
	raw := map[string]int{}
	buckets := map[string]int{}
	groups := map[string]map[string]int{"PROTO-": {}, "DISC-": {}, "SCHEMA-": {}}
	rows := tableRows()
	for _, r := range rows {
		raw[r.Level]++
		buckets[bucket(r.Level)]++
		for p, g := range groups {
			if strings.HasPrefix(r.ID, p) {
				g[bucket(r.Level)]++
			}
		}
	}
	if len(rows) != 497 {
		t.Errorf("§2–5 rows: got %d, §9 total 497", len(rows))
	}
	// §9 "Raw keyword distribution".
	wantRaw := map[string]int{
		"MUST": 123, "DECL": 89, "IDP": 75, "SHALL": 53, "SHOULD": 38, "DERIVED": 32, "INFO": 24,
		"MAY": 20, "MUST NOT": 18, "REQUIRED": 12, "SHALL NOT": 6, "AMBIG": 5, "SHOULD NOT": 2,
	}
	if diff := cmp.Diff(wantRaw, raw); diff != "" {
		t.Errorf("raw level counts differ from §9 (-§9 +rows):\n%s", diff)
	}
	// §9 "All" row.
	wantAll := map[string]int{"MUST": 212, "SHOULD": 40, "MAY": 20, "DECL": 89, "DERIVED": 32, "IDP": 75, "AMBIG": 5, "INFO": 24}
	if diff := cmp.Diff(wantAll, buckets); diff != "" {
		t.Errorf("level totals differ from §9 (-§9 +rows):\n%s", diff)
	}
	// §9 group rows for the coverage areas (zero columns omitted).
	wantGroups := map[string]map[string]int{
		"PROTO-":  {"MUST": 126, "SHOULD": 29, "MAY": 17, "DECL": 61, "DERIVED": 20, "IDP": 13, "AMBIG": 5, "INFO": 7},
		"DISC-":   {"MUST": 11, "SHOULD": 3, "DECL": 7, "DERIVED": 3, "IDP": 1},
		"SCHEMA-": {"MUST": 43, "SHOULD": 4, "MAY": 3, "DECL": 21, "DERIVED": 7, "IDP": 10, "INFO": 1},
	}
	if diff := cmp.Diff(wantGroups, groups); diff != "" {
		t.Errorf("group counts differ from §9 (-§9 +rows):\n%s", diff)
	}
	// AMBIG-01…AMBIG-25 from §6.
	n := 0
	for _, r := range All() {
		if r.Area() == "AMBIG" {
			n++
			if r.Level != "AMBIG" || r.Weight() != "MAY" {
				t.Errorf("%s: level %q weight %q", r.ID, r.Level, r.Weight())
			}
		}
	}
	if n != 25 {
		t.Errorf("§6 AMBIG-xx rows: got %d, want 25", n)
	}
}

// TestCountsMatchSection9Table compares every per-area line of the §9 table
// with the rows, reading the table from docs/requirements.md.
func TestCountsMatchSection9Table(t *testing.T) {
	data := readCatalogue(t)
	got := map[string]map[string]int{}
	for _, r := range tableRows() {
		if got[r.Area()] == nil {
			got[r.Area()] = map[string]int{}
		}
		got[r.Area()][bucket(r.Level)]++
	}
	text := string(data)
	i := strings.Index(text, "\n## 9.")
	if i < 0 {
		t.Fatal("no §9 in the catalogue")
	}
	line := regexp.MustCompile(`^\| ([A-Z][A-Z0-9-]*) \|((?: [0-9]+ \|){9})$`)
	want := map[string]map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(text[i:]))
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		want[m[1]] = map[string]int{}
		for j, f := range strings.Split(strings.Trim(m[2], " |"), "|")[:len(sec9Cols)] {
			n, _ := strconv.Atoi(strings.TrimSpace(f))
			if n != 0 {
				want[m[1]][sec9Cols[j]] = n
			}
		}
	}
	if len(want) != 42 {
		t.Errorf("read %d area lines from §9, want 42", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-area counts differ from the §9 table (-§9 +rows); trust the rows and fix §9:\n%s", diff)
	}
}

func TestCounted(t *testing.T) {
	n := 0
	for _, r := range All() {
		if r.Counted() {
			n++
		}
	}
	// §9: PROTO 126+29, DISC 11+3, SCHEMA 43+4.
	if n != 216 {
		t.Errorf("Counted rows: got %d, want 216", n)
	}
	for _, tc := range []struct {
		r    Row
		want bool
	}{
		{Row{ID: "PROTO-STATUS-006", Level: "MUST NOT"}, true},
		{Row{ID: "DISC-SPC-002", Level: "REQUIRED"}, true},
		{Row{ID: "SCHEMA-ENT-005", Level: "SHOULD"}, true},
		{Row{ID: "PROTO-HTTP-004", Level: "DECL"}, false},
		{Row{ID: "PROTO-HTTP-006", Level: "DERIVED"}, false},
		{Row{ID: "PROTO-HTTP-011", Level: "MAY"}, false},
		{Row{ID: "HARN-001", Level: "MUST"}, false},
		{Row{ID: "SEC-001", Level: "SHOULD"}, false},
		{Row{ID: "IDP-ENTRA-001", Level: "IDP"}, false},
	} {
		if got := tc.r.Counted(); got != tc.want {
			t.Errorf("%+v.Counted() = %v, want %v", tc.r, got, tc.want)
		}
	}
}

func TestLookup(t *testing.T) {
	r, ok := Lookup("PROTO-STATUS-012")
	want := Row{ID: "PROTO-STATUS-012", Level: "SHOULD", Section: "7644 §3.12, Table 8, §3.14", Gate: "etag"}
	if !ok || r != want {
		t.Errorf("Lookup(PROTO-STATUS-012) = %+v, %v; want %+v", r, ok, want)
	}
	for _, id := range []string{"", "PROTO-STATUS", "proto-status-012", "PROTO-STATUS-999"} {
		if r, ok := Lookup(id); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", id, r)
		}
	}
	if r, ok := Lookup("AMBIG-04"); !ok || r.Level != "AMBIG" {
		t.Errorf("Lookup(AMBIG-04) = %+v, %v", r, ok)
	}
	// All returns a copy.
	a := All()
	a[0].ID = "changed"
	if All()[0].ID == "changed" {
		t.Error("All shares its backing array")
	}
	if all := All(); all[0].ID != "PROTO-HTTP-001" || all[len(all)-1].ID != "AMBIG-25" {
		t.Errorf("All not in file order: first %s, last %s", all[0].ID, all[len(all)-1].ID)
	}
}

func TestWeightAndArea(t *testing.T) {
	want := map[string]string{
		"MUST": "MUST", "MUST NOT": "MUST", "SHALL": "MUST", "SHALL NOT": "MUST", "REQUIRED": "MUST",
		"DECL": "MUST", "DERIVED": "MUST",
		"SHOULD": "SHOULD", "SHOULD NOT": "SHOULD",
		"MAY": "MAY", "AMBIG": "MAY", "INFO": "MAY",
		"IDP": "IDP",
	}
	for _, l := range levels {
		if got := (Row{Level: l}).Weight(); got != want[l] {
			t.Errorf("Weight(%s) = %s, want %s", l, got, want[l])
		}
	}
	for id, area := range map[string]string{
		"PROTO-STATUS-012": "PROTO-STATUS", "DISC-SPC-003": "DISC-SPC", "IDP-ENTRA-007": "IDP-ENTRA",
		"SEC-001": "SEC", "AMBIG-04": "AMBIG",
	} {
		if got := (Row{ID: id}).Area(); got != area {
			t.Errorf("Area(%s) = %s, want %s", id, got, area)
		}
	}
	for _, id := range []string{"PROTO-AUTH-006", "PROTO-STATUS-001", "SCHEMA-GROUP-001"} {
		if r, _ := Lookup(id); r.Weight() != "MUST" {
			t.Errorf("%s weighs %s", id, r.Weight())
		}
	}
}

func TestNormalizeSection(t *testing.T) {
	for in, want := range map[string]string{
		"7644 §3.12":              "7644 §3.12",
		"7644 §3.12 Table 8; S15": "7644 §3.12, Table 8; S15",
		"S4 (Update Group [Remove Members]); S5 (without flag)":                    "S4; S5",
		"S11 (Update a specific User (PUT))":                                       "S11",
		"7644 §2 (via RFC 7235 §4.1)":                                              "7644 §2",
		"DERIVED 7644 §3.6 + 7643 §4.2; 7643 §2.3.7 (referential integrity MAY)":   "7644 §3.6; 7643 §4.2, §2.3.7",
		"7644 §3.7.2/§3.7.3":                                                       "7644 §3.7.2, §3.7.3",
		"RFC 9865":                                                                 "9865",
		"RFC 7232 semantics via 7644 §3.14":                                        "7232; 7644 §3.14",
		"Community evidence (SCIM Validator payloads); 7644 erratum 7122":          "7644 erratum 7122",
		"7643 §8.7.1; errata 5368":                                                 "7643 §8.7.1; erratum 5368",
		"S5 (aadOptscim062020 sample); SCIMReferenceCode#97":                       "S5; SCIMReferenceCode#97",
		"S5 (Requests made to disable users, without feature flag); S17 issue #21": "S5; S17",
		"S4 (General) vs 7643 §4.1.2 (SHOULD canonicalize)":                        "S4; 7643 §4.1.2",
		"DERIVED": "",
	} {
		if got := NormalizeSection(in); got != want {
			t.Errorf("NormalizeSection(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMarkdownOddCases(t *testing.T) {
	md := `### X — test (6)

| ID | Requirement | Source | Level | Black-box check | Gate / notes |
|---|---|---|---|---|---|
| PROTO-PATCH-001 | a | 7644 §3.5.2 | MUST NOT | b | Gated: patch.supported. |
| PROTO-PATCH-002 | a ` + "`x|y`" + ` | 7644 §3.5.2 | **SHALL** | Gated. |  |
| PROTO-PATCH-003 | a | 7644 §3.5.2 | MUST (client side) | b | |
| PROTO-PATCH-004 | a | 7644 §3.5.2 | MAYBE | b | |
| PROTO-PATCH-005 | a | 7644 §3.5.2 | SHOULD | Gated: patch.supported=false. | |
| PROTO-AUTH-004 | a | 7644 §3.12 | should not | b | Gated: second tenant token. |
| PROTO-AUTH-009 | a | 7644 §7.2 | MUST | Record only. | |
| PROTO-ME-001 | a | 7644 §3.11 | SHOULD | b | Optional feature. |

## 6. Ambiguities

| ID | Topic | What the sources say | Harness policy |
|---|---|---|---|
| AMBIG-01 | t | w | p |

| Area | MUST |
|---|---|
| PROTO-HTTP | 2 |
`
	rows, warnings, err := ParseMarkdown(strings.NewReader(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{"PROTO-PATCH-001", "MUST NOT", "7644 §3.5.2", "patch"},
		{"PROTO-PATCH-002", "SHALL", "7644 §3.5.2", "patch"},
		{"PROTO-PATCH-003", "MUST", "7644 §3.5.2", ""},
		{"PROTO-PATCH-005", "SHOULD", "7644 §3.5.2", ""},
		{"PROTO-AUTH-004", "SHOULD NOT", "7644 §3.12", "token2"},
		{"PROTO-AUTH-009", "MUST", "7644 §7.2", "info"},
		{"PROTO-ME-001", "SHOULD", "7644 §3.11", "me"},
		{"AMBIG-01", "AMBIG", "", ""},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	joined := strings.Join(warnings, "\n")
	for _, s := range []string{"PROTO-PATCH-003: level", "PROTO-PATCH-004: cannot classify"} {
		if !strings.Contains(joined, s) {
			t.Errorf("warnings lack %q:\n%s", s, joined)
		}
	}
	if len(warnings) != 2 {
		t.Errorf("got %d warnings, want 2:\n%s", len(warnings), joined)
	}
}

func TestTSVRoundTrip(t *testing.T) {
	rows, err := ParseTSV(FormatTSV(All()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(All(), rows); diff != "" {
		t.Error(diff)
	}
	if _, err := ParseTSV([]byte("A-1\tMUST\n")); err == nil {
		t.Error("ParseTSV accepted a short line")
	}
}
