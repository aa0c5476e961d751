package assertions

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/requirements"
	"github.com/scimloop/scimloop/reports"
)

var updateCatalogue = flag.Bool("update", false, "rewrite testdata/catalogue.golden")

// catalogueLines renders the catalogue after the version line: one check
// per line with the stable facts a reviewer must see change (id, level,
// keyword, RFC, spec rows, capability, aliases, and the area, which decides
// the scenario that judges it and is reported beside it).
func catalogueLines() string {
	var b strings.Builder
	for _, c := range All() {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Level, c.Keyword, c.RFC, strings.Join(c.Spec, ","), c.Capability, strings.Join(c.Aliases, ","), c.Area)
	}
	return b.String()
}

// TestCatalogueGolden guards the catalogue, a public interface: adding,
// removing or changing a check's level, keyword, RFC section, spec rows,
// capability, aliases or area shows up as a diff of testdata/catalogue.golden,
// whose first line is [CatalogueVersion]. -update rewrites the golden file
// with the next version whenever the catalogue changed, so a change never
// keeps its version.
// Regenerate with go test ./assertions -run TestCatalogueGolden -update.
func TestCatalogueGolden(t *testing.T) {
	path := filepath.Join("testdata", "catalogue.golden")
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	version := goldenVersion(string(golden))
	_, want, _ := strings.Cut(string(golden), "\n")
	got := catalogueLines()
	diff := cmp.Diff(want, got)
	switch {
	case diff == "":
		if version != CatalogueVersion {
			t.Errorf("CatalogueVersion = %s, but the golden file names %s: rebuild", CatalogueVersion, version)
		}
	case *updateCatalogue:
		next := nextVersion(version)
		if err := os.WriteFile(path, []byte("catalogue "+next+"\n"+got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("catalogue changed: version %s -> %s", version, next)
	default:
		t.Errorf("the catalogue changed (-golden +catalogue); if intended, rerun with -update, which bumps version %s to %s:\n%s", version, nextVersion(version), diff)
	}
}

func TestNextVersion(t *testing.T) {
	for v, want := range map[string]string{"2026.15": "2026.16", "2026.9": "2026.10", "7": "8", "beta": "beta.1", "2026.x": "2026.x.1"} {
		if got := nextVersion(v); got != want {
			t.Errorf("nextVersion(%q) = %q, want %q", v, got, want)
		}
	}
}

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestCatalogueShape(t *testing.T) {
	checks := All()
	if len(checks) < 150 {
		t.Errorf("catalogue = %d checks, want at least 150", len(checks))
	}
	seen := map[string]bool{}
	caps := []string{"", fakeidp.CapPatch, fakeidp.CapBulk, fakeidp.CapFilter, fakeidp.CapSort, fakeidp.CapETag, fakeidp.CapChangePassword, fakeidp.CapCursor, fakeidp.CapIndex, fakeidp.CapAsync}
	levels := []reports.Level{reports.LevelMust, reports.LevelShould, reports.LevelMay, reports.LevelIDP}
	for _, c := range checks {
		switch {
		case seen[c.ID]:
			t.Errorf("%s: duplicate id", c.ID)
		case !kebab.MatchString(c.ID):
			t.Errorf("%s: id is not kebab-case", c.ID)
		case c.Title == "" || c.RFC == "" || c.Rule == "" || c.Area == "":
			t.Errorf("%s: title, rfc, rule and area are all required", c.ID)
		case !slices.Contains(levels, c.Level):
			t.Errorf("%s: level %q, want one of %v", c.ID, c.Level, levels)
		case !slices.Contains(caps, c.Capability):
			t.Errorf("%s: capability %q, want one of %q", c.ID, c.Capability, caps)
		case len(c.Spec) > 3:
			t.Errorf("%s: %d spec rows, want at most 3 (a check names only the rows its failure proves broken)", c.ID, len(c.Spec))
		}
		seen[c.ID] = true
		for _, id := range c.Spec {
			if _, ok := requirements.Lookup(id); !ok {
				t.Errorf("%s: spec row %s is not in the requirement index", c.ID, id)
			}
		}
	}
}

// TestCatalogueLevels holds each check's level to the weight of the rows it
// cites (design.md, "Levels, statuses and the verdict"): a MUST check cites
// a MUST-weight row; a SHOULD check a MUST- or SHOULD-weight one (a rule may
// be split, its stricter part at SHOULD); an IDP check an IDP row. MAY
// checks only record, so any row will do. A DERIVED check carries its own
// justification (TestCatalogueKeywords) and may weigh more than its rows, as
// the If-Match split does: "a stale If-Match must not succeed" is MUST (a
// lost update, RFC 7232 §3.1 via RFC 7644 §3.14) while the rows only ask
// that the answer be 412 (SHOULD).
func TestCatalogueLevels(t *testing.T) {
	allowed := map[reports.Level][]string{
		reports.LevelMust:   {"MUST"},
		reports.LevelShould: {"MUST", "SHOULD"},
		reports.LevelIDP:    {"IDP"},
	}
	for _, c := range All() {
		want, ok := allowed[c.Level]
		if !ok || c.Keyword == KeywordDerived || len(c.Spec) == 0 {
			continue
		}
		var weights []string
		fits := false
		for _, id := range c.Spec {
			r, _ := requirements.Lookup(id)
			weights = append(weights, id+"="+r.Weight())
			fits = fits || slices.Contains(want, r.Weight())
		}
		if !fits {
			t.Errorf("%s: level %s cites only %v, want a row weighing %v", c.ID, c.Level, weights, want)
		}
	}
}

// TestCatalogueCoverage holds the catalogue to the target: at least
// 80% of the counted MUST and SHOULD rows (PROTO, DISC, SCHEMA) covered, and
// every uncovered row explained.
func TestCatalogueCoverage(t *testing.T) {
	covered, total, uncovered := Coverage(false)
	if total == 0 || float64(covered) < 0.8*float64(total) {
		t.Errorf("coverage = %d of %d counted rows, want at least 80%%", covered, total)
	}
	for _, u := range uncovered {
		if u.Reason == "" {
			t.Errorf("%s: uncovered without a reason", u.Row.ID)
		}
	}
	t.Logf("coverage: %d of %d counted MUST/SHOULD rows (%.1f%%), %d checks", covered, total, 100*float64(covered)/float64(total), len(All()))
}
