package assertions

import (
	_ "embed" // the catalogue golden, for its version line
	"strconv"
	"strings"
)

// catalogueGolden is testdata/catalogue.golden: the catalogue as last
// reviewed, one check per line under a version line. TestCatalogueGolden
// keeps it equal to [All].
//
//go:embed testdata/catalogue.golden
var catalogueGolden string

// CatalogueVersion names the check catalogue's revision: its IDs, levels,
// keywords, capabilities, aliases and areas. Certification pins it, so that two
// certificates of the same version judged the same rules at the same levels.
// It is the version line of the catalogue golden, which
// go test ./assertions -run TestCatalogueGolden -update bumps whenever the
// catalogue changed: a change can never keep the version it had, and the
// golden's diff shows both.
var CatalogueVersion = goldenVersion(catalogueGolden)

// goldenVersion is the version named on the golden file's first line.
func goldenVersion(golden string) string {
	first, _, _ := strings.Cut(golden, "\n")
	return strings.TrimPrefix(first, "catalogue ")
}

// nextVersion is the version after v: its last dot-separated number plus
// one ("2026.15" → "2026.16"), or v with ".1" appended.
func nextVersion(v string) string {
	head, tail := "", v
	if i := strings.LastIndexByte(v, '.'); i >= 0 {
		head, tail = v[:i+1], v[i+1:]
	}
	n, err := strconv.Atoi(tail)
	if err != nil {
		return v + ".1"
	}
	return head + strconv.Itoa(n+1)
}
