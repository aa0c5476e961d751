package profiles_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/requirements"
	"github.com/scimloop/scimloop/profiles"
)

// TestProfilesAreWellFormed checks the data: every check a profile names
// exists, every dialect is one the fake IdP speaks, a row without checks says
// why, and the default profile is the certification as it was.
func TestProfilesAreWellFormed(t *testing.T) {
	for _, p := range profiles.All() {
		if p.Name == "" || p.Implements == "" || p.Source == "" || len(p.Dialects) == 0 || len(p.Seeds) == 0 {
			t.Errorf("profile %q: name, implements, source, dialects and seeds are required", p.Name)
		}
		for _, d := range p.Dialects {
			if !slices.Contains(fakeidp.Dialects(), d) {
				t.Errorf("profile %s: unknown dialect %q", p.Name, d)
			}
		}
		ids := append(append(append([]string{}, p.Extra...), p.Omit...), p.Overridden()...)
		for _, r := range p.Parity {
			ids = append(ids, r.Checks...)
			if len(r.Checks) == 0 && r.Note == "" {
				t.Errorf("profile %s: %s maps to no check and says not why", p.Name, r.Test)
			}
		}
		for _, id := range ids {
			if _, ok := assertions.Lookup(id); !ok {
				t.Errorf("profile %s names %q, which is not in the catalogue", p.Name, id)
			}
		}
		for _, id := range p.Overridden() {
			if p.Why[id] == "" {
				t.Errorf("profile %s overrides the level of %s without saying why", p.Name, id)
			}
		}
	}
	rfc, err := profiles.Lookup(profiles.Default)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rfc.Dialects, harness.CertifyDialects()) || !slices.Equal(rfc.Seeds, harness.CertifySeeds()) || len(rfc.Levels) > 0 || len(rfc.Areas) > 0 {
		t.Errorf("the rfc profile must be the certification as it was: %+v", rfc)
	}
	for _, c := range assertions.All() {
		if !profiles.ProfileOnly(c.Area) && !rfc.Selects(c.ID, c.Area) {
			t.Errorf("the rfc profile leaves out %s", c.ID)
		}
	}
}

// TestEntraGalleryHasTheir25Tests pins Microsoft's inventory: 25 distinct
// names, from Create_User_Test to SCIM_Update_Manager_Test, in their order.
func TestEntraGalleryHasTheir25Tests(t *testing.T) {
	p, err := profiles.Lookup("entra-gallery")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range p.Parity {
		if seen[r.Test] {
			t.Errorf("%s twice", r.Test)
		}
		seen[r.Test] = true
		if r.Category != "mandatory" && r.Category != "optional" {
			t.Errorf("%s: category %q", r.Test, r.Category)
		}
	}
	if len(p.Parity) != 25 || p.Parity[0].Test != "Create_User_Test" || !seen["SCIM_User_Pagination_Test"] {
		t.Errorf("got %d tests, want Microsoft's 25", len(p.Parity))
	}
	for _, d := range p.Dialects {
		if d != fakeidp.DialectEntra && d != fakeidp.DialectEntraLegacy {
			t.Errorf("entra-gallery runs %s, want the Entra dialects only", d)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	if _, err := profiles.Lookup("nope"); err == nil {
		t.Error("Lookup(nope) succeeded")
	}
}

// TestProfileRowsAreMapped holds the profiles to their documents' rows:
// every INTEROP or IPSIE row that can be judged from outside (gate neither
// info nor tls) is named by a Parity entry of its profile, which either
// lists the checks that judge it or says why none does yet; and every row a
// Parity entry names exists in the profile's area.
func TestProfileRowsAreMapped(t *testing.T) {
	for name, prefix := range map[string]string{"interop": "INTEROP-", "ipsie": "IPSIE-"} {
		p, err := profiles.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		mapped := map[string]profiles.Parity{}
		for _, r := range p.Parity {
			for _, id := range r.Rows {
				if _, ok := requirements.Lookup(id); !ok || !strings.HasPrefix(id, prefix) {
					t.Errorf("profile %s: %s names row %s, not a row of its document", name, r.Test, id)
				}
				mapped[id] = r
			}
		}
		judgeable := 0
		for _, row := range requirements.All() {
			if !strings.HasPrefix(row.ID, prefix) || row.Gate == requirements.GateInfo || row.Gate == requirements.GateTLS {
				continue
			}
			judgeable++
			r, ok := mapped[row.ID]
			switch {
			case !ok:
				t.Errorf("profile %s: row %s can be judged from outside, but no Parity entry names it", name, row.ID)
			case len(r.Checks) == 0 && r.Note == "":
				t.Errorf("profile %s: row %s maps to no check and says not why", name, row.ID)
			}
		}
		if judgeable == 0 {
			t.Errorf("profile %s: no judgeable rows", name)
		}
	}
}
