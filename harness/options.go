package harness

import (
	"slices"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/profiles"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// CatalogueVersion names the check catalogue's revision; certification pins
// it. It is [assertions.CatalogueVersion], read from the catalogue's golden
// file (a variable for that reason, never assigned).
var CatalogueVersion = assertions.CatalogueVersion

// Option configures a run.
type Option func(*config)

type config struct {
	hook           func(point string) // test hook (scenarios.Env.Hook); set only by tests
	strict         bool
	dialect        string
	only, skip     []string
	seed           int64
	clientOpts     []fakeidp.Option
	maxResources   int
	cleanupTimeout time.Duration
	names          *safety.Names
	command        string
	reproBase      string
	profile        string
	abort          <-chan struct{}
	now            func() time.Time
	progress       func(ProgressEvent) // see WithProgress (progress.go)
	prop           propertyOptions     // see WithSequences (property.go)
	schemaCases    int                 // see WithSchemaProperties (schemaprop.go)
	schemaSet      bool
	certProfile    *profiles.Profile // see WithCertProfile (profile.go)
}

func newConfig(opts []Option) *config {
	cfg := &config{dialect: "rfc", cleanupTimeout: 60 * time.Second, now: time.Now, profile: "run", seed: 1}
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

// WithStrict makes SHOULD-level failures fail the run.
func WithStrict() Option { return func(c *config) { c.strict = true } }

// WithDialect shapes requests like an IdP: "rfc" (default), "entra",
// "entra-legacy" or "okta" (see [fakeidp.Dialect]); "all" replays the IdP
// cycle in every dialect and judges that they converge. With any dialect
// but rfc, IdP-compatibility failures fail the run.
func WithDialect(d string) Option { return func(c *config) { c.dialect = d } }

// WithOnly runs only the named scenarios.
func WithOnly(names ...string) Option { return func(c *config) { c.only = append(c.only, names...) } }

// WithSkip leaves out the named scenarios.
func WithSkip(names ...string) Option { return func(c *config) { c.skip = append(c.skip, names...) } }

// WithSeed sets the seed of generated values and sequences.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithClientOptions passes options to the fake IdP's client (auth, timeouts,
// size limits, rate limits).
func WithClientOptions(opts ...fakeidp.Option) Option {
	return func(c *config) { c.clientOpts = append(c.clientOpts, opts...) }
}

// WithMaxResources caps how many resources the run may create.
func WithMaxResources(n int) Option { return func(c *config) { c.maxResources = n } }

// WithRunID fixes the run's resource prefix id (lower-case letters and digits).
func WithRunID(id string) Option { return func(c *config) { c.names = safety.NamesFor(id) } }

// WithCommand records the command line that reproduces the whole run, and
// the base of per-scenario reproduction commands.
func WithCommand(full, reproBase string) Option {
	return func(c *config) { c.command, c.reproBase = full, reproBase }
}

// WithProfile names the run's profile ("run" or "certify").
func WithProfile(p string) Option { return func(c *config) { c.profile = p } }

// WithAbort gives a channel whose closing abandons cleanup at once (a second
// interrupt).
func WithAbort(ch <-chan struct{}) Option { return func(c *config) { c.abort = ch } }

// WithClock injects the clock used for the run's timestamps.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// selected returns the scenarios to run, in catalogue order.
func (c *config) selected() []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, sc := range scenarios.All() {
		if len(c.only) > 0 && !slices.Contains(c.only, sc.Name) {
			continue
		}
		if slices.Contains(c.skip, sc.Name) {
			continue
		}
		out = append(out, sc)
	}
	return out
}

// repro is a command that reruns one scenario.
func (c *config) repro(scenario string) string {
	base := c.reproBase
	if base == "" {
		base = "scimloop run --url <URL>"
	}
	parts := []string{base, "--only", scenario}
	if c.dialect != "" && c.dialect != "rfc" {
		parts = append(parts, "--dialect", c.dialect)
	}
	return strings.Join(parts, " ")
}
