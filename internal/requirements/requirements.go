// Package requirements is scimloop's own index of the requirement rows of
// the conformance catalogue (docs/requirements.md): for each row its ID,
// level, RFC section(s) and capability gate. The index is embedded as
// rows.tsv so that the binary carries it without the docs; it holds facts
// only, no requirement text.
//
// Regenerate it from the repository root with
//
//	go run ./internal/requirements/gen -out internal/requirements/rows.tsv
//
// TestRowsInSync fails when the embedded file and docs/requirements.md disagree.
package requirements

import (
	_ "embed"
	"strings"
	"sync"
)

// Row is one requirement row of the catalogue.
type Row struct {
	ID      string // e.g. "PROTO-STATUS-012"
	Level   string // the catalogue's level verbatim: MUST, MUST NOT, SHALL, …, IDP, AMBIG, INFO
	Section string // the Source column reduced to references, e.g. "7644 §3.12, Table 8; S15"
	Gate    string // a Gate* word, or "" when the row is not gated
}

//go:embed rows.tsv
var rowsTSV []byte

var load = sync.OnceValues(func() ([]Row, map[string]int) {
	rows, err := ParseTSV(rowsTSV)
	if err != nil {
		panic("requirements: embedded " + err.Error())
	}
	idx := make(map[string]int, len(rows))
	for i, r := range rows {
		idx[r.ID] = i
	}
	return rows, idx
})

// All returns every row in catalogue order. The slice is the caller's own.
func All() []Row {
	rows, _ := load()
	return append([]Row(nil), rows...)
}

// Lookup returns the row with the given ID.
func Lookup(id string) (Row, bool) {
	rows, idx := load()
	i, ok := idx[id]
	if !ok {
		return Row{}, false
	}
	return rows[i], true
}

// Weight is the check level a failure of this row carries, per the table in
// design.md ("Levels, statuses and the verdict"): "MUST", "SHOULD", "MAY" or
// "IDP". An unknown level weighs "MAY" (recorded, never fails).
func (r Row) Weight() string {
	switch r.Level {
	case "MUST", "MUST NOT", "SHALL", "SHALL NOT", "REQUIRED", "DECL", "DERIVED":
		return "MUST"
	case "SHOULD", "SHOULD NOT":
		return "SHOULD"
	case "IDP":
		return "IDP"
	default: // MAY, AMBIG, INFO
		return "MAY"
	}
}

// Area is the ID's prefix family: the ID without its trailing number
// ("PROTO-STATUS-012" → "PROTO-STATUS", "SEC-001" → "SEC").
func (r Row) Area() string { return areaOf(r.ID) }

func areaOf(id string) string {
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

// Counted reports whether the row is in the denominator of the coverage
// target, "at least 80% of the MUST and SHOULD rows of PROTO-*, DISC-*,
// SCHEMA-*".
//
// MUST and SHOULD are counted the way §9 of the catalogue counts them:
// MUST = MUST, MUST NOT, SHALL, SHALL NOT, REQUIRED; SHOULD = SHOULD,
// SHOULD NOT. §9 keeps DECL and DERIVED in columns of their own, so they are
// not counted here, even though a failed DECL or DERIVED check weighs MUST
// (see Weight).
func (r Row) Counted() bool {
	switch r.Level {
	case "MUST", "MUST NOT", "SHALL", "SHALL NOT", "REQUIRED", "SHOULD", "SHOULD NOT":
	default:
		return false
	}
	return strings.HasPrefix(r.ID, "PROTO-") || strings.HasPrefix(r.ID, "DISC-") || strings.HasPrefix(r.ID, "SCHEMA-")
}
