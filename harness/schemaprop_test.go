package harness_test

import (
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/sequences"
)

// TestSchemaPropertiesCorrectServers runs the schema properties, as a run
// does, against the reference server in every dialect and against each
// personality alone and all combined: nothing fails or errs, and at least
// 95% of the writable attributes of Users (with the extensions) and Groups
// are exercised, as results.json's schemaCoverage reports.
func TestSchemaPropertiesCorrectServers(t *testing.T) {
	type tc struct {
		name    string
		cfg     refserver.Config
		dialect string
	}
	cases := []tc{}
	for _, d := range append(fakeidp.Dialects(), "all") {
		cases = append(cases, tc{"reference/" + d, refserver.Config{}, d})
	}
	for _, ps := range personalityCases() {
		name := strings.Join(ps, ",")
		if len(ps) > 1 {
			name = "all"
		}
		cases = append(cases, tc{name + "/rfc", refserver.Config{Personalities: ps}, fakeidp.DialectRFC})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run, err := runAgainstServer(t, c.cfg, harness.WithOnly(sequences.SchemaPropertyName),
				harness.WithSchemaProperties(15), harness.WithDialect(c.dialect))
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			judged := 0
			for _, r := range run.Checks {
				if !strings.HasPrefix(r.ID, "schema-prop-") {
					continue
				}
				switch r.Status {
				case reports.StatusFail, reports.StatusError:
					t.Errorf("%s %s: %s", r.ID, r.Status, checkMessage(r))
				case reports.StatusPass:
					judged++
				}
			}
			if judged < 8 {
				t.Errorf("only %d schema-prop checks were judged", judged)
			}
			for _, rt := range []string{"User", "Group"} {
				cov, ok := run.SchemaCoverage[rt]
				if !ok || cov.Percent() < 95 {
					t.Errorf("schemaCoverage[%s] = %+v, want at least 95%% exercised", rt, cov)
				}
			}
		})
	}
}
