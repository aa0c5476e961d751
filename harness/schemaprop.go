package harness

import (
	"context"
	"fmt"
	"slices"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
	"github.com/scimloop/scimloop/sequences"
)

// WithSchemaProperties sets how many resources the schema properties
// generate per property and resource type (see
// [sequences.RunSchemaProperties]); a negative n runs none. Without it
// they run whenever the sequences have a budget, with half of it (5 to 40
// resources). The scenario is named "schema-properties" for WithOnly and
// WithSkip.
func WithSchemaProperties(n int) Option {
	return func(c *config) { c.schemaCases, c.schemaSet = n, true }
}

// schemaBudget is the number of generated resources per property and
// resource type, 0 when the schema properties do not run.
func (c *config) schemaBudget() int {
	n := c.schemaCases
	if !c.schemaSet {
		n = min(max(c.prop.sequences/2, 5), 40)
		if c.prop.sequences <= 0 {
			n = 0
		}
	}
	if n <= 0 || slices.Contains(c.skip, sequences.SchemaPropertyName) {
		return 0
	}
	if len(c.only) > 0 && !slices.Contains(c.only, sequences.SchemaPropertyName) {
		return 0
	}
	return n
}

// schemaRun is what the schema properties found in a session.
type schemaRun struct{ res sequences.SchemaResult }

// schemaProperties runs the schema properties (when budgeted) as one more
// scenario.
func (s *session) schemaProperties(ctx context.Context, target Target) {
	n := s.cfg.schemaBudget()
	if n == 0 || ctx.Err() != nil {
		return
	}
	sc := sequences.SchemaConfig{Cases: n, Seed: uint64(s.cfg.seed), ShrinkTime: s.cfg.prop.shrinkTime,
		MaxDuration: s.cfg.prop.maxDuration, NoFailFile: true,
		NewClient: func(rec *fakeidp.Recorder) *fakeidp.Client {
			c, err := newClient(target, withRecorder(s.cfg, rec))
			if err != nil {
				return s.client
			}
			return c
		}}
	if sc.ShrinkTime == 0 {
		sc.ShrinkTime = defaultShrinkTime
	}
	s.schema = &schemaRun{}
	s.results = append(s.results, scenarios.Run(ctx, s.env, sequences.SchemaScenario(sc, &s.schema.res)))
}

// schemaExchanges are the exchanges of the minimal failing cases, in order.
func (s *session) schemaExchanges() []*fakeidp.Exchange {
	if s.schema == nil {
		return nil
	}
	var out []*fakeidp.Exchange
	for _, f := range s.schema.res.Failures {
		out = append(out, f.Exchanges...)
	}
	return out
}

// numberSchema numbers the failing cases' exchanges after the run's own
// and the sequences'; called with numberProperty.
func (s *session) numberSchema() {
	base := s.client.Recorder().Len()
	if s.prop != nil {
		for _, f := range s.prop.res.Failures {
			base += len(f.Exchanges)
		}
	}
	for i, ex := range s.schemaExchanges() {
		ex.Seq = base + i + 1
	}
}

// finishSchema adds the failing cases' exchanges and the schema coverage
// to the run, and hands each failure's replay file to the writer.
func (s *session) finishSchema(run *reports.Run) {
	if s.schema == nil {
		return
	}
	for _, f := range s.schema.res.Failures {
		exs := convertExchanges(f.Exchanges)
		run.Exchanges = append(run.Exchanges, exs...)
		if s.cfg.prop.onReplay == nil {
			continue
		}
		rf := sequences.NewSchemaReplayFile(f, s.client.Recorder().Scrub(run.Target), s.cfg.dialect, exs)
		if rf == nil {
			continue
		}
		if _, err := s.cfg.prop.onReplay(rf); err != nil {
			run.Errors = append(run.Errors, fmt.Sprintf("writing the replay file: %v", err))
		}
	}
	if len(s.schema.res.Coverage) > 0 {
		run.SchemaCoverage = s.schema.res.Coverage
	}
}
