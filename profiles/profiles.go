// Package profiles holds the certification profiles as data: which checks a
// certification judges, at which level, in which request dialects, with
// which seeds, and which document (and exact version) the profile implements.
//
// A profile never changes how a check judges: it selects checks, may raise or
// lower the weight of a failure, and names the dialects and seeds. The
// default profile, rfc, is the certification as it was before profiles
// existed: every check, every dialect, the published seeds.
package profiles

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/scimloop/scimloop/reports"
)

// Default is the profile certify runs when none is named.
const Default = "rfc"

// Profile is one certification profile.
type Profile struct {
	Name  string
	Title string
	// Implements names the document the profile implements, with its exact
	// version (a draft's revision number); Source is where it is published.
	Implements, Source string
	// Dialects are the request dialects the profile runs, in order.
	Dialects []string
	// Seeds are the fixed seeds; each dialect runs with each seed.
	Seeds []int64
	// Areas selects the checks of these catalogue areas; empty selects every
	// area. Extra adds single checks of other areas; Omit removes checks.
	Areas, Extra, Omit []string
	// Levels overrides the level of a check under this profile: the
	// profile's document is stricter (or laxer) than the RFC sentence.
	Levels map[string]reports.Level
	// Why explains each level override, by check ID.
	Why map[string]string
	// Personalities are the reference server's personalities under which
	// it passes the profile (ServeCommand; TestProfiles holds it there).
	Personalities []string
	// InteropProfile and RateLimit are the reference server's switches
	// for the profiles' own rules (serve --interop-profile, --rate-limit),
	// part of the configuration that passes the profile.
	InteropProfile, RateLimit bool
	// Parity maps another tester's named tests to our checks (entra-gallery).
	Parity []Parity
}

// Parity is one test of another tester and the checks of ours that judge
// the same behaviour. A test that cannot be judged from outside has no
// checks and says why in Note.
type Parity struct {
	Test     string   // their test's name, as they spell it
	Category string   // their category: mandatory or optional
	Does     string   // what their test does, in our words
	Checks   []string // our checks that judge the SCIM side of it
	Note     string   // what of theirs we cannot see, or why nothing maps
	// Rows are the requirement rows (docs/requirements.md) of the profile's
	// document that this entry judges: for interop and ipsie every row
	// that can be judged from outside is named by one entry.
	Rows []string
}

// seeds are the published certification seeds (harness.CertifySeeds).
var seeds = []int64{1, 42, 2026}

// All returns every profile, the default first.
func All() []Profile {
	return []Profile{rfc(), entraGallery(), interop(), ipsie()}
}

// Names returns the names of every profile, the default first.
func Names() []string {
	var out []string
	for _, p := range All() {
		out = append(out, p.Name)
	}
	return out
}

// Lookup returns the profile called name, or an error naming the profiles
// there are.
func Lookup(name string) (Profile, error) {
	for _, p := range All() {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("no profile %q (profiles: %v)", name, Names())
}

// Selects reports whether the profile judges the check id of area area.
func (p Profile) Selects(id, area string) bool {
	if slices.Contains(p.Omit, id) {
		return false
	}
	if slices.Contains(p.Extra, id) {
		return true
	}
	if area == p.Name {
		return true // the profile's own rules
	}
	if len(p.Areas) == 0 {
		return !slices.Contains(profileOnlyAreas, area)
	}
	return slices.Contains(p.Areas, area)
}

// profileOnlyAreas are catalogue areas judged only by the profiles that name
// them: their rules come from a profile's document, not from the RFCs.
var profileOnlyAreas = []string{"interop", "ipsie"}

// ProfileOnly reports whether area is judged only under a profile naming it.
func ProfileOnly(area string) bool { return slices.Contains(profileOnlyAreas, area) }

// ServeCommand is the `scimloop serve` command line whose reference server
// passes the profile.
func (p Profile) ServeCommand() string {
	cmd := "scimloop serve"
	if len(p.Personalities) > 0 {
		cmd += " --personality " + strings.Join(p.Personalities, ",")
	}
	if p.InteropProfile {
		cmd += " --interop-profile"
	}
	if p.RateLimit {
		cmd += " --rate-limit"
	}
	return cmd
}

// Level returns the level of check id under the profile: the override, or
// level.
func (p Profile) Level(id string, level reports.Level) reports.Level {
	if l, ok := p.Levels[id]; ok {
		return l
	}
	return level
}

// Overridden returns the check IDs whose level the profile overrides, sorted.
func (p Profile) Overridden() []string {
	ids := make([]string, 0, len(p.Levels))
	for id := range p.Levels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func rfc() Profile {
	return Profile{
		Name:       "rfc",
		Title:      "SCIM 2.0 as RFC 7643 and RFC 7644 define it, and as the IdPs send it",
		Implements: "RFC 7643 and RFC 7644 (September 2015), with the IdP behaviour of docs/requirements.md §7",
		Source:     "https://www.rfc-editor.org/rfc/rfc7644",
		Dialects:   []string{"rfc", "entra", "entra-legacy", "okta"},
		Seeds:      seeds,
	}
}
