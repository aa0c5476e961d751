package assertions

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/reports"
)

// TestCatalogueKeywords is the level audit: every check names the keyword
// of the sentence it enforces, and the keyword and the level agree (MUST,
// MUST NOT, SHALL, SHALL NOT, REQUIRED ↔ MUST; SHOULD, SHOULD NOT,
// RECOMMENDED ↔ SHOULD; MAY, OPTIONAL ↔ MAY), or the check is DERIVED with a
// one-line justification. IDP checks carry the keyword IDP and cite the
// identity provider whose behaviour they model.
func TestCatalogueKeywords(t *testing.T) {
	for _, c := range All() {
		for _, p := range keywordProblems(c) {
			t.Errorf("%s: %s", c.ID, p)
		}
	}
}

// keywordProblems lists what is wrong with a check's keyword and level.
func keywordProblems(c Check) []string {
	var out []string
	switch {
	case c.Keyword == KeywordDerived:
		if strings.TrimSpace(c.Derived) == "" {
			out = append(out, "DERIVED without a justification")
		}
		if c.Level == reports.LevelIDP {
			out = append(out, "an IDP check cites IdP behaviour with keyword IDP, not DERIVED")
		}
	case c.Derived != "":
		out = append(out, "keyword "+c.Keyword+" with a Derived justification; only DERIVED checks carry one")
	default:
		lvl, ok := KeywordLevel(c.Keyword)
		if !ok {
			out = append(out, "keyword "+strconv.Quote(c.Keyword)+" is not an RFC 2119 keyword, DERIVED or IDP")
		} else if lvl != c.Level {
			out = append(out, "keyword "+c.Keyword+" weighs "+string(lvl)+" but the level is "+string(c.Level))
		}
	}
	idp := strings.Contains(c.RFC, "Entra") || strings.Contains(c.RFC, "Okta") || strings.Contains(c.RFC, "IdP")
	if c.Level == reports.LevelIDP && !idp {
		out = append(out, "IDP check cites "+strconv.Quote(c.RFC)+", want the IdP (Entra ID, Okta) whose behaviour it models")
	}
	if c.Level != reports.LevelIDP && !strings.HasPrefix(c.RFC, "RFC 764") && !strings.HasPrefix(c.RFC, "RFC 9865") && !strings.HasPrefix(c.RFC, "RFC 9967") {
		out = append(out, "cites "+strconv.Quote(c.RFC)+", want an RFC 7643, 7644, 9865 or 9967 section first")
	}
	return out
}

// TestKeywordProblemsSeen tests the audit itself: each mislevelled check is
// caught.
func TestKeywordProblemsSeen(t *testing.T) {
	bad := []Check{
		{ID: "a", Level: reports.LevelMust, Keyword: "SHOULD", RFC: "RFC 7644 §3.12"},
		{ID: "b", Level: reports.LevelShould, Keyword: "OPTIONAL", RFC: "RFC 7644 §3.12"},
		{ID: "c", Level: reports.LevelMust, Keyword: KeywordDerived, RFC: "RFC 7644 §3.14"},
		{ID: "d", Level: reports.LevelMust, Keyword: "MUST", Derived: "why", RFC: "RFC 7644 §3.14"},
		{ID: "e", Level: reports.LevelMust, Keyword: "", RFC: "RFC 7644 §3.14"},
		{ID: "f", Level: reports.LevelIDP, Keyword: KeywordIDP, RFC: "RFC 7644 §3.5"},
		{ID: "g", Level: reports.LevelMay, Keyword: "MAY", RFC: "Okta"},
	}
	for _, c := range bad {
		if len(keywordProblems(c)) == 0 {
			t.Errorf("%+v: no problem found", c)
		}
	}
	good := Check{ID: "h", Level: reports.LevelShould, Keyword: "RECOMMENDED", RFC: "RFC 7643 §4.3"}
	if p := keywordProblems(good); len(p) != 0 {
		t.Errorf("%+v: %v, want none", good, p)
	}
}

// The RFC text is not ours to ship, so the keyword test reads it from the
// directory named by $SCIMLOOP_RFC_DIR (rfc7643.txt, rfc7644.txt); CI sets it.

// TestCatalogueKeywordsInRFC checks each keyword against the RFC text: the
// keyword of a check that is neither DERIVED nor IDP appears in one of the
// RFC 7643/7644 sections it cites. It cannot tell which sentence a rule
// paraphrases; it catches a keyword no cited section uses at all.
func TestCatalogueKeywordsInRFC(t *testing.T) {
	specDir := os.Getenv("SCIMLOOP_RFC_DIR")
	if specDir == "" {
		t.Skip("SCIMLOOP_RFC_DIR is unset: no RFC 7643/7644 text to compare keywords with")
	}
	docs := map[string]map[string]string{}
	for _, rfc := range []string{"7643", "7644"} {
		b, err := os.ReadFile(filepath.Join(specDir, "rfc"+rfc+".txt"))
		if err != nil {
			t.Fatalf("SCIMLOOP_RFC_DIR: %v", err)
		}
		docs[rfc] = rfcSections(string(b))
	}
	// RFC 9967 (SCIM events, which updates both) is audited when its text
	// is there too; its checks are skipped otherwise.
	if b, err := os.ReadFile(filepath.Join(specDir, "rfc9967.txt")); err == nil {
		docs["9967"] = rfcSections(string(b))
	}
	for _, c := range All() {
		if !textFor(c, docs) {
			continue // the cited RFC's text is not in $SCIMLOOP_RFC_DIR (RFC 9865, 9967)
		}
		if c.Keyword != KeywordDerived && c.Keyword != KeywordIDP && !keywordCited(c, docs) {
			t.Errorf("%s: keyword %s appears in none of the cited sections %v (%s)", c.ID, c.Keyword, citedSections(c.RFC), c.RFC)
		}
	}
	// The audit itself: a keyword the cited section never uses is caught.
	if keywordCited(Check{Keyword: "RECOMMENDED", RFC: "RFC 7644 §3.13"}, docs) || !keywordCited(Check{Keyword: "SHOULD", RFC: "RFC 7644 §3.13"}, docs) {
		t.Error("RFC 7644 §3.13 has MAY, MUST and SHOULD sentences but no RECOMMENDED one: the section reader is broken")
	}
}

// textFor reports whether the text of some RFC that c cites is in docs.
func textFor(c Check, docs map[string]map[string]string) bool {
	for _, r := range citedSections(c.RFC) {
		if docs[r[0]] != nil {
			return true
		}
	}
	return false
}

// keywordCited reports whether c's keyword appears in a section it cites.
func keywordCited(c Check, docs map[string]map[string]string) bool {
	word := regexp.MustCompile(`\b` + strings.ReplaceAll(c.Keyword, " ", `\s+`) + `\b`)
	for _, r := range citedSections(c.RFC) {
		if word.MatchString(docs[r[0]][r[1]]) {
			return true
		}
	}
	return false
}

var sectionHead = regexp.MustCompile(`(?m)^(\d+(?:\.\d+)*)\.\s{2}\S`)

// rfcSections splits an RFC's text into its numbered sections, each up to
// the next heading of any depth.
func rfcSections(text string) map[string]string {
	out := map[string]string{}
	heads := sectionHead.FindAllStringSubmatchIndex(text, -1)
	for i, h := range heads {
		end := len(text)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		out[text[h[2]:h[3]]] = text[h[0]:end]
	}
	return out
}

var (
	rfcRef     = regexp.MustCompile(`RFC (764[34]|9967)`)
	sectionRef = regexp.MustCompile(`§(\d+(?:\.\d+)*)`)
)

// citedSections reads "RFC 7644 §3.12, Table 8; §3.5.2; RFC 7643 §3" as
// [7644 3.12] [7644 3.5.2] [7643 3]: a section belongs to the last RFC named
// before it.
func citedSections(rfc string) [][2]string {
	var out [][2]string
	doc := ""
	for _, part := range strings.FieldsFunc(rfc, func(r rune) bool { return r == ';' || r == ',' }) {
		if m := rfcRef.FindStringSubmatch(part); m != nil {
			doc = m[1]
		}
		if doc != "" && strings.Contains(part, "(RFC ") && !strings.Contains(part, "RFC "+doc) {
			part = part[:strings.Index(part, "(RFC ")]
		}
		for _, m := range sectionRef.FindAllStringSubmatch(part, -1) {
			if doc != "" {
				out = append(out, [2]string{doc, m[1]})
			}
		}
	}
	return out
}

// TestAliases: a former ID finds its check, and no alias shadows a live ID
// or another alias.
func TestAliases(t *testing.T) {
	idx := indexOf([]Check{{ID: "filter-grouping", Aliases: []string{"filter-precedence-old"}}})
	if c, ok := idx["filter-precedence-old"]; !ok || c.ID != "filter-grouping" {
		t.Errorf("alias lookup = %q, %v, want filter-grouping", c.ID, ok)
	}
	owner := map[string]string{}
	for _, c := range All() {
		owner[c.ID] = c.ID
	}
	for _, c := range All() {
		for _, a := range c.Aliases {
			if o, taken := owner[a]; taken {
				t.Errorf("%s: alias %q is already %s's", c.ID, a, o)
			}
			owner[a] = c.ID
			if got, _ := Lookup(a); got.ID != c.ID {
				t.Errorf("Lookup(%q) = %s, want %s", a, got.ID, c.ID)
			}
		}
	}
	if len(IDs()) != len(All()) {
		t.Errorf("IDs() = %d, want one per check (%d), aliases left out", len(IDs()), len(All()))
	}
}
