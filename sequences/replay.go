package sequences

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// ReplayFormat names the replay file format; a reader refuses other formats.
const ReplayFormat = "scimloop-replay/1"

// ReplayFile is a failing sequence saved for rerunning: the minimal steps,
// what failed, and the exchanges of the run that found it. Steps name users
// and groups by slot and carry names without a run prefix, so a replay makes
// resources of its own and touches nothing else. A schema-property failure
// is saved the same way with its minimal case in Schema and no Steps.
type ReplayFile struct {
	Format  string   `json:"format"`
	Seed    uint64   `json:"seed"`
	Target  string   `json:"target,omitempty"`
	Dialect string   `json:"dialect,omitempty"`
	Checks  []string `json:"checks"`
	Failure string   `json:"failure"`
	Flaky   bool     `json:"flaky,omitempty"`
	Steps   []Step   `json:"steps"`
	// Schema is, instead of Steps, the minimal case of a schema-property
	// failure ([SchemaReplay]).
	Schema    *SchemaReplay      `json:"schema,omitempty"`
	Exchanges []reports.Exchange `json:"exchanges"`
}

// NewReplayFile describes the minimal sequence of one failure of a property
// run; exchanges are its recorded exchanges, converted by the caller.
func NewReplayFile(fl *Failure, target, dialect string, exchanges []reports.Exchange) *ReplayFile {
	f := &ReplayFile{Format: ReplayFormat, Seed: fl.Seed, Target: target, Dialect: dialect, Checks: fl.Checks,
		Flaky: fl.Flaky, Steps: fl.Minimal, Exchanges: exchanges}
	if len(fl.Findings) > 0 {
		f.Failure = fl.Findings[0].Message
	}
	if f.Checks == nil {
		f.Checks = []string{}
	}
	if f.Exchanges == nil {
		f.Exchanges = []reports.Exchange{}
	}
	return f
}

// FileName names f by what it replays, its seed and its checks:
// sequence-seed1-group-members-match-model.json, or schema-seed… for a
// schema property's.
func (f *ReplayFile) FileName() string {
	kind := "sequence"
	if f.Schema != nil {
		kind = "schema"
	}
	name := fmt.Sprintf("%s-seed%d-%s.json", kind, f.Seed, strings.Join(f.Checks, "+"))
	if len(name) > 120 {
		name = fmt.Sprintf("%s-seed%d.json", kind, f.Seed)
	}
	return name
}

// Write writes f as indented JSON.
func (f *ReplayFile) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(f)
}

// ReadReplay reads a replay file and checks that it can be run.
func ReadReplay(r io.Reader) (*ReplayFile, error) {
	var f ReplayFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("reading the replay file: %v", err)
	}
	if f.Format != ReplayFormat {
		return nil, fmt.Errorf("replay file format %q, want %q", f.Format, ReplayFormat)
	}
	if f.Schema != nil {
		if err := f.Schema.validate(); err != nil {
			return nil, err
		}
		return &f, nil
	}
	if len(f.Steps) == 0 {
		return nil, fmt.Errorf("the replay file has no steps")
	}
	return &f, nil
}

// ReplayFinding is one failed judgement of a replay.
type ReplayFinding struct {
	Check     string
	Message   string
	Step      int // 1-based; 0 for the final reconciliation
	Exchanges []*fakeidp.Exchange
}

// ReplayResult is what rerunning a sequence found.
type ReplayResult struct {
	Steps    int // steps run
	Findings []ReplayFinding
	Aborted  string // the replay could not go on (no usable response, a step that does not fit)
}

// Failed reports whether the replay failed a check.
func (r *ReplayResult) Failed() bool { return len(r.Findings) > 0 }

// Replay reruns steps against env as one sequence: it sends each step,
// judges it against the model, stops at the first step that fails one of
// checks (any check, when none is given), reconciles when it ran every step
// and no failure on the way may have left the model behind, and deletes
// what it created. Resource names carry env's run prefix. Given the checks
// of a replay file, it goes on past other checks' failures as the search
// that found it did (a server with more than one bug), and reports them too.
//
// Which racing worker wins a race-group step is the server's choice, so a
// sequence with one is tried up to [raceReplayTries] times, each under
// names of its own, until it shows the failure again.
func Replay(ctx context.Context, env *scenarios.Env, steps []Step, checks ...string) *ReplayResult {
	tries := 1
	if slices.ContainsFunc(steps, func(st Step) bool { return st.Op == OpRaceGroup }) {
		tries = raceReplayTries
	}
	var out *ReplayResult
	for try := 1; try <= tries; try++ {
		out = replayOnce(ctx, env, steps, checks, try)
		if out.Failed() || out.Aborted != "" || ctx.Err() != nil {
			break
		}
	}
	return out
}

// raceReplayTries bounds the replays of a sequence with a race step. The
// racing worker a failure needs wins about half the time (measured: 45-70%
// a try, under -race and without), so five tries missed it about once in a
// hundred replays; twelve miss it less than once in ten thousand.
const raceReplayTries = 12

// replayOnce replays steps once; try numbers the names it creates.
func replayOnce(ctx context.Context, env *scenarios.Env, steps []Step, checks []string, try int) *ReplayResult {
	tag := "r"
	if try > 1 {
		tag = "r" + strconv.Itoa(try)
	}
	c := env.Client.ForScenario("replay")
	m := newMachine(ctx, env, c, caseNames{prefix: env.Names.Prefix + tag + "-", tag: tag, domain: env.Names.Domain}, &resolution{})
	defer m.cleanup(context.WithoutCancel(ctx))
	out := &ReplayResult{}
	n, err := m.play(steps, func(check string) bool { return len(checks) == 0 || slices.Contains(checks, check) })
	out.Steps = n
	if err != nil {
		out.Aborted = err.Error()
	}
	for _, f := range m.findings {
		out.Findings = append(out.Findings, ReplayFinding{Check: f.check, Message: f.msg, Step: f.step, Exchanges: f.exs})
	}
	return out
}
