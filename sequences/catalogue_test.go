package sequences

import (
	"slices"
	"testing"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// TestEveryCheckHasAScenario checks, statically, that each check of the
// catalogue is listed by at least one scenario (or by the property-based
// sequences, or judged on every retried create), and that every ID a
// scenario lists is in the catalogue.
func TestEveryCheckHasAScenario(t *testing.T) {
	listed := map[string][]string{}
	for _, sc := range scenarios.All() {
		for _, id := range sc.CheckIDs() {
			listed[id] = append(listed[id], sc.Name)
			if _, ok := assertions.Lookup(id); !ok {
				t.Errorf("scenario %s lists %q, which the catalogue lacks", sc.Name, id)
			}
		}
	}
	for _, id := range propertyChecks {
		listed[id] = append(listed[id], "property sequences")
	}
	for _, id := range SchemaChecks {
		listed[id] = append(listed[id], "schema properties")
		if _, ok := assertions.Lookup(id); !ok {
			t.Errorf("the schema properties judge %q, which the catalogue lacks", id)
		}
	}
	listed[safety.CheckRetryDuplicate] = append(listed[safety.CheckRetryDuplicate], "every retried create")
	for _, c := range assertions.All() {
		if len(listed[c.ID]) == 0 {
			t.Errorf("check %s (%s) is exercised by no scenario", c.ID, c.Area)
		}
	}
	names := map[string]bool{}
	for _, sc := range scenarios.All() {
		if names[sc.Name] {
			t.Errorf("scenario name %q is used twice", sc.Name)
		}
		names[sc.Name] = true
		if slices.Contains(sc.CheckIDs(), "") {
			t.Errorf("scenario %s lists an empty check id", sc.Name)
		}
	}
}
