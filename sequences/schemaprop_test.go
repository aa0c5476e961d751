package sequences

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
)

// schemaRun runs the schema properties against the reference server built
// from cfg.
func schemaRun(t *testing.T, cfg refserver.Config, cases int) *SchemaResult {
	t.Helper()
	env, nc := propEnvConfig(t, cfg)
	return RunSchemaProperties(context.Background(), env, SchemaConfig{Cases: cases, Seed: 11, NoFailFile: true, NewClient: nc})
}

func TestSchemaPropertiesPassOnCleanServer(t *testing.T) {
	res := schemaRun(t, refserver.Config{}, 40)
	for _, f := range res.Failures {
		t.Errorf("%s: %s", f.Check, f.Text())
	}
	require.Empty(t, res.Skipped)
	for rt, c := range res.Coverage {
		t.Logf("%s: %d/%d missing %v", rt, c.Exercised, c.Declared, c.Missing)
	}
	t.Logf("%d cases", res.Cases)
}

func TestSchemaPropertiesProbe(t *testing.T) {
	for _, f := range []string{"password-returned", "patch-returns-stale-body", "binary-not-base64", "attributes-param-ignored", "filter-ignored", "duplicate-values-kept", "country-rewritten"} {
		res := schemaRun(t, refserver.Config{Faults: []string{f}}, 40)
		for _, fl := range res.Failures {
			t.Logf("%s: %s: %s", f, fl.Check, fl.Text())
		}
	}
}
