package requirements

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// levels is the set of Level values a row may carry, longest first so that a
// prefix match prefers "MUST NOT" over "MUST".
var levels = []string{
	"MUST NOT", "SHALL NOT", "SHOULD NOT",
	"MUST", "SHALL", "REQUIRED", "SHOULD", "MAY",
	"DECL", "DERIVED", "IDP", "AMBIG", "INFO",
}

// IsLevel reports whether s is one of the allowed Level values.
func IsLevel(s string) bool {
	for _, l := range levels {
		if s == l {
			return true
		}
	}
	return false
}

// Gate words. A row's Gate is one of these or empty.
const (
	GatePatch          = "patch"
	GateBulk           = "bulk"
	GateFilter         = "filter"
	GateSort           = "sort"
	GateETag           = "etag"
	GateChangePassword = "changePassword"
	GateSearch         = "search"
	GateMe             = "me"
	GateCursor         = "cursor" // pagination.cursor (RFC 9865)
	GateToken2         = "token2" // needs a second token or tenant
	GateTLS            = "tls"    // needs an https target
	GateInfo           = "info"   // recorded only, never pass/fail
)

// IsGate reports whether s is an allowed Gate value (the empty string included).
func IsGate(s string) bool {
	switch s {
	case "", GatePatch, GateBulk, GateFilter, GateSort, GateETag, GateChangePassword,
		GateSearch, GateMe, GateCursor, GateToken2, GateTLS, GateInfo:
		return true
	}
	return false
}

var (
	rowIDRe   = regexp.MustCompile(`^[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-[0-9]+$`)
	ambigIDRe = regexp.MustCompile(`^AMBIG-[0-9]+$`)
	headingRe = regexp.MustCompile(`^#{1,6}\s`)
)

// ParseMarkdown reads the requirements catalogue (docs/requirements.md)
// and returns its rows in file order, plus warnings for anything it could
// not classify. Rows come from the requirement tables (ID · Requirement ·
// Source · Level · Black-box check · Gate / notes) and from the §6 ambiguity
// table (ID · Topic · What the sources say · Harness policy), whose rows have
// no Level or Source column: they get Level AMBIG (the label the catalogue's
// conventions give to ambiguities) and an empty Section.
//
// Only facts are kept: the ID, the level keyword, the RFC sections or
// source keys of the Source column, and a gate word of our own.
func ParseMarkdown(r io.Reader) (rows []Row, warnings []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	var header []string // column names of the current table
	lineNo := 0
	warn := func(format string, args ...any) {
		warnings = append(warnings, fmt.Sprintf("line %d: ", lineNo)+fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if headingRe.MatchString(line) || line == "" {
			header = nil
			continue
		}
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := splitCells(line)
		if len(cells) == 0 {
			continue
		}
		if isSeparator(cells) {
			continue
		}
		if header == nil {
			header = cells
			continue
		}
		id := cells[0]
		if !rowIDRe.MatchString(id) {
			continue
		}
		col := func(name string) (string, bool) {
			for i, h := range header {
				if strings.EqualFold(strings.Trim(h, "* "), name) && i < len(cells) {
					return cells[i], true
				}
			}
			return "", false
		}
		levelCell, hasLevel := col("Level")
		if !hasLevel {
			if ambigIDRe.MatchString(id) {
				rows = append(rows, Row{ID: id, Level: "AMBIG"})
			}
			// Other tables (counts, priorities, scenarios) are not requirement rows.
			continue
		}
		if len(cells) != len(header) {
			warn("%s: %d cells, header has %d", id, len(cells), len(header))
		}
		level, note, ok := parseLevel(levelCell)
		if !ok {
			warn("%s: cannot classify level %q; row skipped", id, levelCell)
			continue
		}
		if note != "" {
			warn("%s: %s", id, note)
		}
		source, _ := col("Source")
		check, _ := col("Black-box check")
		notes, _ := col("Gate / notes")
		gate, gnote := deriveGate(id, level, check, notes)
		if gnote != "" {
			warn("%s: %s", id, gnote)
		}
		rows = append(rows, Row{ID: id, Level: level, Section: NormalizeSection(source), Gate: gate})
	}
	if err := sc.Err(); err != nil {
		return nil, warnings, err
	}
	return rows, warnings, nil
}

// splitCells splits a markdown table row into trimmed cells. A `\|` inside a
// cell, or a | inside a backtick code span, is not a separator.
func splitCells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	var cells []string
	var cur strings.Builder
	inCode := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case c == '`':
			inCode = !inCode
			cur.WriteByte(c)
		case c == '|' && !inCode:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func isSeparator(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, ":- ") != "" {
			return false
		}
	}
	return true
}

// parseLevel reads a Level cell. An exact keyword is the normal case; bold
// markup, stray punctuation, lower case and runs of spaces are tolerated
// silently; a keyword followed by extra words ("MUST (client)") is accepted
// with a note.
func parseLevel(cell string) (level, note string, ok bool) {
	s := strings.ToUpper(strings.Join(strings.Fields(strings.Trim(cell, "*_ `.")), " "))
	if IsLevel(s) {
		return s, "", true
	}
	for _, l := range levels {
		if strings.HasPrefix(s, l) {
			rest := s[len(l):]
			if rest != "" && isWordByte(rest[0]) {
				continue // "MAYBE", not "MAY"
			}
			return l, fmt.Sprintf("level %q read as %q", cell, l), true
		}
	}
	return "", "", false
}

func isWordByte(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_'
}

// Section normalisation: keep document keys (RFC numbers, S-keys, errata) and
// the locations that follow them (§n.n, Table n, Figure n); drop
// parenthesised remarks and every other word.
var sectionTokenRe = regexp.MustCompile(
	`(?i)(errat(?:a|um)\s+[0-9]+)` + // 1: erratum
		`|\b(S[0-9]+)\b` + // 2: source key
		`|\b([A-Za-z]+#[0-9]+)` + // 3: repo#issue
		`|(?:\bRFC\s*)?\b([0-9]{4})\b` + // 4: RFC number
		`|(§[0-9]+(?:\.[0-9]+)*)` + // 5: section
		`|\b((?:Table|Figure)\s+[0-9]+)`) // 6: table or figure

// NormalizeSection reduces a Source cell to its references, e.g.
// "7644 §3.12 Table 8; S15" → "7644 §3.12, Table 8; S15" and
// "DERIVED 7643 §3.1 (readOnly)" → "7643 §3.1". References to the same
// document are merged in order of first appearance.
func NormalizeSection(src string) string {
	src = stripParens(src)
	type group struct {
		doc  string
		locs []string
	}
	var groups []*group
	byDoc := map[string]*group{}
	var cur *group
	open := func(doc string) {
		if g, ok := byDoc[doc]; ok {
			cur = g
			return
		}
		cur = &group{doc: doc}
		byDoc[doc] = cur
		groups = append(groups, cur)
	}
	for _, m := range sectionTokenRe.FindAllStringSubmatch(src, -1) {
		switch {
		case m[1] != "":
			e := "erratum " + strings.Fields(m[1])[1]
			if cur != nil && len(cur.locs) == 0 && !strings.HasPrefix(cur.doc, "S") {
				cur.locs = append(cur.locs, e) // "7644 erratum 7122"
				continue
			}
			open(e)
			cur = nil
		case m[2] != "":
			open(strings.ToUpper(m[2]))
		case m[3] != "":
			open(m[3])
			cur = nil
		case m[4] != "":
			open(m[4])
		case m[5] != "" || m[6] != "":
			if cur == nil {
				continue // a location with no document before it
			}
			loc := m[5]
			if loc == "" {
				f := strings.Fields(m[6])
				loc = strings.ToUpper(f[0][:1]) + strings.ToLower(f[0][1:]) + " " + f[1]
			}
			dup := false
			for _, l := range cur.locs {
				dup = dup || l == loc
			}
			if !dup {
				cur.locs = append(cur.locs, loc)
			}
		}
	}
	parts := make([]string, 0, len(groups))
	for _, g := range groups {
		s := g.doc
		if len(g.locs) > 0 {
			s += " " + strings.Join(g.locs, ", ")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// stripParens removes parenthesised text, nested or not.
func stripParens(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// areaGate is the capability an area's bare "Gated." refers to.
var areaGate = map[string]string{
	"PROTO-PATCH":  GatePatch,
	"PROTO-BULK":   GateBulk,
	"PROTO-FILTER": GateFilter,
	"PROTO-SORT":   GateSort,
	"PROTO-ETAG":   GateETag,
	"PROTO-SEARCH": GateSearch,
	"PROTO-ME":     GateMe,
	"PROTO-CURSOR": GateCursor,
}

// schemaGates are gate phrases that depend on what the server declares in
// /Schemas or on the base URL, not on one of the Gate words; they yield an
// empty Gate without a warning.
var schemaGates = []string{
	"attribute", "/schemas", "groups", "extension", "roles", "root query", "base url",
}

var (
	gatedRe     = regexp.MustCompile(`(?i)(?:^|[^-\w])gated\b(:?)`)
	ifSupportRe = regexp.MustCompile(`(?i)\bif ([a-z./]+?)(?:\.supported)? is supported\b`)
	infoCheckRe = regexp.MustCompile(`(?i)^(?:record only|probe only|not black-box|not tested)\b`)
	httpsRe     = regexp.MustCompile(`(?i)\b(?:https|tls)\b`)
)

// deriveGate computes a row's Gate from its check and notes cells. A
// capability gate wins over "info".
func deriveGate(id, level, check, notes string) (gate, note string) {
	area := areaOf(id)
	for _, cell := range []string{notes, check} {
		if loc := gatedRe.FindStringSubmatchIndex(cell); loc != nil {
			phrase := ""
			if loc[3] > loc[2] { // "Gated:" with a colon
				phrase = gatePhrase(cell[loc[1]:])
			}
			if phrase == "" {
				if g, ok := areaGate[area]; ok {
					return g, ""
				}
				return "", fmt.Sprintf("bare %q in area %s, which has no default capability; gate left empty", "Gated.", area)
			}
			if g, ok := capabilityWord(phrase, area); ok {
				return g, ""
			}
			for _, s := range schemaGates {
				if strings.Contains(phrase, s) {
					return "", ""
				}
			}
			return "", fmt.Sprintf("unrecognised gate %q; gate left empty", phrase)
		}
		if m := ifSupportRe.FindStringSubmatch(cell); m != nil {
			if g, ok := capabilityWord(strings.ToLower(m[1]), area); ok {
				return g, ""
			}
		}
	}
	if strings.HasPrefix(strings.ToLower(notes), "optional feature") {
		if g, ok := areaGate[area]; ok {
			return g, ""
		}
	}
	if area != "HARN" && httpsRe.MatchString(check) {
		return GateTLS, ""
	}
	if level == "INFO" || strings.HasPrefix(notes, "INFO") || infoCheckRe.MatchString(check) {
		return GateInfo, ""
	}
	return "", ""
}

// gatePhrase returns the lower-cased text after "Gated:" up to the end of
// its sentence ("etag.supported=true." → "etag.supported=true").
func gatePhrase(rest string) string {
	rest = strings.TrimSpace(rest)
	for _, sep := range []string{". ", "; "} {
		if i := strings.Index(rest, sep); i >= 0 {
			rest = rest[:i]
		}
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(rest), "."))
}

// capabilityWord maps a gate phrase to a Gate word. ok is true with an empty
// gate for "x.supported=false": such a row runs when the feature is absent.
func capabilityWord(phrase, area string) (string, bool) {
	if strings.Contains(phrase, "=false") {
		return "", true
	}
	switch {
	case strings.Contains(phrase, "token") || strings.Contains(phrase, "tenant"):
		return GateToken2, true
	case strings.Contains(phrase, "etag"):
		return GateETag, true
	case strings.Contains(phrase, "bulk"):
		return GateBulk, true
	case strings.Contains(phrase, "patch"):
		return GatePatch, true
	case strings.Contains(phrase, "changepassword"):
		return GateChangePassword, true
	case strings.Contains(phrase, "cursor"):
		return GateCursor, true
	case strings.Contains(phrase, "sort"):
		return GateSort, true
	case strings.Contains(phrase, "root query"):
		return "", false
	case strings.Contains(phrase, "filter"):
		return GateFilter, true
	case strings.Contains(phrase, "search"):
		return GateSearch, true
	case phrase == "/me" || strings.HasPrefix(phrase, "/me ") || strings.HasPrefix(phrase, "me."):
		return GateMe, true
	}
	return "", false
}

// FormatTSV renders rows in the rows.tsv format: one line per row,
// ID<TAB>Level<TAB>Section<TAB>Gate.
func FormatTSV(rows []Row) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", r.ID, r.Level, r.Section, r.Gate)
	}
	return b.Bytes()
}

// ParseTSV reads the rows.tsv format.
func ParseTSV(data []byte) ([]Row, error) {
	var rows []Row
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("rows.tsv:%d: %d fields, want 4", i+1, len(f))
		}
		rows = append(rows, Row{ID: f[0], Level: f[1], Section: f[2], Gate: f[3]})
	}
	return rows, nil
}
