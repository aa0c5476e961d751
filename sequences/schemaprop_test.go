package sequences

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// schemaRun runs the schema properties against the reference server built
// from cfg.
func schemaRun(t *testing.T, cfg refserver.Config, cases int) *SchemaResult {
	t.Helper()
	env, nc := propEnvConfig(t, cfg)
	return RunSchemaProperties(context.Background(), env, SchemaConfig{Cases: cases, Seed: 11, ShrinkTime: 5 * time.Second, NoFailFile: true, NewClient: nc})
}

// TestSchemaPropertiesPassOnCorrectServers: the reference server and each
// of its personalities (correct, limited servers) fail no schema property,
// and nearly every writable attribute they declare is exercised.
func TestSchemaPropertiesPassOnCorrectServers(t *testing.T) {
	configs := map[string]refserver.Config{"reference": {}}
	for _, p := range refserver.Personalities() {
		configs[p.Name] = refserver.Config{Personalities: []string{p.Name}}
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			res := schemaRun(t, cfg, 30)
			for _, f := range res.Failures {
				t.Errorf("%s: %s", f.Check, f.Text())
			}
			require.Empty(t, res.Skipped)
			for _, rt := range []string{"User", "Group"} {
				c := res.Coverage[rt]
				assert.GreaterOrEqual(t, c.Percent(), 95.0, "%s: %d of %d exercised; missing %v", rt, c.Exercised, c.Declared, c.Missing)
			}
		})
	}
}

// TestSchemaFaultsCaught: each fault that only the schema properties can
// see fails its schema-prop check at the level the RFC gives the rule,
// shrunk to one resource and at most two requests (the create and one
// update or read).
func TestSchemaFaultsCaught(t *testing.T) {
	want := map[string]struct {
		check string
		level reports.Level
	}{
		"empty-canonical-values":          {ckCanonEmpty, reports.LevelShould},
		"decimal-truncated":               {ckRoundTrip, reports.LevelIDP},
		"datetime-rewritten":              {ckRoundTrip, reports.LevelIDP},
		"writeonly-returned":              {ckHidden, reports.LevelMust},
		"immutable-changes":               {ckImmutable, reports.LevelMust},
		"subattribute-dropped-on-replace": {ckPatch, reports.LevelMust},
		"primary-not-exclusive-on-patch":  {ckPrimary, reports.LevelMust},
	}
	for fault, w := range want {
		t.Run(fault, func(t *testing.T) {
			res := schemaRun(t, refserver.Config{Faults: []string{fault}}, 40)
			var got *SchemaFailure
			for i, f := range res.Failures {
				if f.Check == w.check {
					got = &res.Failures[i]
				}
			}
			require.NotNil(t, got, "%s: %s did not fail; failures: %+v", fault, w.check, res.Failures)
			c, ok := assertions.Lookup(w.check)
			require.True(t, ok)
			assert.Equal(t, w.level, c.Level)
			assert.LessOrEqual(t, got.Resources, 1, "%s: the minimal case made %d resources:\n%s", fault, got.Resources, got.Text())
			assert.LessOrEqual(t, len(got.Steps), 2, "%s: the minimal case is not minimal:\n%s", fault, got.Text())
			assert.NotEmpty(t, got.Exchanges, "a finding carries its exchanges")
			t.Logf("%s", got.Text())
		})
	}
}

// TestSchemaPropertiesSeeFilterCase: an eq filter in the other case finds a
// userName (caseExact false), so a server whose userName filters are
// case-sensitive fails schema-prop-filter; an ordering filter compares an
// integer by numeric value, so a server that compares it as text fails it
// too. Only the failing filter is a step of the minimal case.
func TestSchemaPropertiesSeeFilterCase(t *testing.T) {
	for _, fault := range []string{"username-case-sensitive", "integers-compared-as-text"} {
		t.Run(fault, func(t *testing.T) {
			res := schemaRun(t, refserver.Config{Faults: []string{fault}}, 40)
			for _, f := range res.Failures {
				if f.Check == ckFilter {
					t.Logf("%s", f.Text())
					assert.Len(t, f.Steps, 2, "the create and the failing filter")
					return
				}
			}
			t.Errorf("schema-prop-filter did not fail: %+v", res.Failures)
		})
	}
}

// TestSchemaFaultsCountOnce: one bug fails one schema-prop check. A PUT
// that is not applied leaves the old values in place, which is the PUT's
// finding, not drift; a binary value returned not in base64 is honesty's,
// not a round-trip difference too.
func TestSchemaFaultsCountOnce(t *testing.T) {
	want := map[string]string{"put-ignored": ckPut, "binary-not-base64": ckHonesty}
	for fault, check := range want {
		t.Run(fault, func(t *testing.T) {
			res := schemaRun(t, refserver.Config{Faults: []string{fault}}, 40)
			var got []string
			for _, f := range res.Failures {
				got = append(got, f.Check)
				t.Logf("%s", f.Text())
			}
			assert.Equal(t, []string{check}, got)
		})
	}
}
