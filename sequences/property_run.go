package sequences

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// PropertyName is the name of the property-based scenario (for --only/--skip).
const PropertyName = "sequences"

// propertyChecks are the checks the sequences judge.
var propertyChecks = []string{
	"seq-confirmed-read-back", "seq-model-consistent", "seq-username-reusable", "seq-patch-atomic",
	"seq-version-stable-without-change", "seq-concurrent-if-match",
	"seq-reconcile-missing", "seq-reconcile-extra", "seq-reconcile-attributes", "seq-membership-drift", "seq-flaky",
	"etag-changes-on-update", "meta-created-stable", "meta-lastmodified-monotonic", "meta-lastmodified-advances",
	"group-members-match-model", "group-membership-both-views", "user-delete-leaves-groups",
}

// PropertyConfig is the budget and plumbing of a property run. Zero fields
// leave rapid's own setting (its flags -rapid.checks, -rapid.steps,
// -rapid.seed, -rapid.shrinktime) as it is.
type PropertyConfig struct {
	Sequences  int           // test cases (rapid.checks)
	Steps      int           // average steps per sequence (rapid.steps)
	Seed       uint64        // rapid.seed; 0 leaves it (rapid picks one at random)
	ShrinkTime time.Duration // bound on shrinking (rapid.shrinktime)
	// MaxDuration bounds the search for a failure; once one is found, its
	// shrinking is bounded by ShrinkTime instead. 0 means no bound.
	MaxDuration time.Duration
	// NoFailFile stops rapid writing fail files (set in the binary).
	NoFailFile bool
	// NewClient returns a client that records into rec, so that each sequence
	// keeps its own exchanges and only the minimal failing one is reported.
	// Nil means every exchange goes to the run's client and recorder.
	NewClient func(rec *fakeidp.Recorder) *fakeidp.Client
	// Log receives rapid's progress and failure output; nil discards it.
	Log io.Writer
}

// PropertyResult is what a property run found.
type PropertyResult struct {
	Sequences int  // sequences run in the search (shrinking's reruns not counted)
	Failed    bool // a sequence failed
	Flaky     bool // ... but the failure did not reproduce
	Aborted   string
	// Minimal is the shortest failing sequence rapid found, with the
	// exchanges of its final run and its findings.
	Minimal   []Step
	Exchanges []*fakeidp.Exchange
	Findings  []scenarios.Finding
	Checks    []string // the check IDs that failed in the minimal sequence
	Output    string   // rapid's failure report (seed, minimal draws)
	Seed      uint64
	Feedback  reports.Feedback
	// Samples are (method, URL, status, latency) of every sequence exchange
	// kept out of the run's recorder, for latency percentiles.
	Samples []reports.Exchange

	passed map[string]bool
	final  *caseRecord
}

// caseRecord is one sequence as it ended.
type caseRecord struct {
	steps    []Step
	findings []caseFinding
	exs      []*fakeidp.Exchange
	drift    []string
	m        *machine // its counts, for the feedback of a failing sequence
}

// runner is the state shared by all sequences of one property run.
type runner struct {
	ctx      context.Context
	env      *scenarios.Env
	cfg      PropertyConfig
	deadline time.Time

	mu        sync.Mutex
	n         int // sequences run, shrinking's reruns included (names them)
	searched  int // sequences of the search
	aborted   error
	sawFail   bool
	last      *caseRecord
	firstFail *caseRecord
	final     *caseRecord
	passed    map[string]bool
	fb        reports.Feedback
	samples   []reports.Exchange
}

func (r *runner) abort(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.aborted == nil {
		r.aborted = err
	}
}

// idle reports whether sequences should do nothing: the run was aborted or
// cancelled, or the search ran out of time before any failure was found.
func (r *runner) idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.aborted != nil || r.ctx.Err() != nil {
		return true
	}
	return !r.sawFail && !r.deadline.IsZero() && time.Now().After(r.deadline)
}

// rapidMu serialises property runs: rapid's settings are process-wide flags.
var rapidMu sync.Mutex

// RunSequences runs property-generated provisioning sequences against env
// with rapid: each sequence creates fresh resources under its own prefix,
// checks every step against the model, reconciles the final state and
// deletes what it created. A failing sequence is shrunk to the shortest
// sequence that still fails. It never calls the testing package's failure
// functions: the result says what was found.
func RunSequences(ctx context.Context, env *scenarios.Env, cfg PropertyConfig) *PropertyResult {
	rapidMu.Lock()
	defer rapidMu.Unlock()
	restore := setRapidFlags(cfg)
	defer restore()

	r := &runner{ctx: ctx, env: env, cfg: cfg, passed: map[string]bool{}}
	if cfg.MaxDuration > 0 {
		r.deadline = time.Now().Add(cfg.MaxDuration)
	}
	r.fb = reports.Feedback{Confirmed: map[string]int{}, Unconfirmed: map[string]int{}, ModelCounts: map[string]int{}, ServerCounts: map[string]int{}}
	tb := &recorderTB{name: "scimloop/" + PropertyName, log: cfg.Log}
	rapid.Check(tb, r.sequence)

	res := &PropertyResult{Sequences: r.searched, Seed: cfg.Seed, Output: tb.output()}
	if seed, ok := seedFrom(res.Output); ok {
		res.Seed = seed
	}
	r.fb.Sequences = r.searched
	r.fb.Seed = int64(res.Seed)
	res.Samples = r.samples
	if r.aborted != nil {
		res.Aborted = r.aborted.Error()
	}
	if tb.Failed() {
		res.Failed = true
		final := r.last
		if final == nil || len(final.findings) == 0 || strings.Contains(res.Output, "flaky test") {
			res.Flaky = true
			final = r.firstFail
		}
		if final != nil && !res.Flaky {
			final = r.minimize(final)
		}
		if final != nil {
			res.Minimal = final.steps
			res.Exchanges = final.exs
			seen := map[string]bool{}
			for _, f := range final.findings {
				res.Findings = append(res.Findings, scenarios.Finding{Message: f.msg, Exchanges: f.exs})
				if !seen[f.check] {
					seen[f.check] = true
					res.Checks = append(res.Checks, f.check)
				}
			}
			r.fb.MinimalSteps = len(final.steps)
			r.final = final
			r.fb.MemberDrift = final.drift
			// The minimal failing sequence counts too: what it confirmed and
			// what it could not, and the counts its reconciliation saw.
			if fm := final.m; fm != nil {
				r.fb.Steps += len(fm.steps)
				for k, v := range fm.confirmed {
					r.fb.Confirmed[k] += v
				}
				for k, v := range fm.unconfirmed {
					r.fb.Unconfirmed[k] += v
				}
				for k, v := range fm.modelCounts {
					r.fb.ModelCounts[k] += v
				}
				for k, v := range fm.serverCounts {
					r.fb.ServerCounts[k] += v
				}
			}
		}
	}
	res.Feedback = r.fb
	res.passed = r.passed
	res.final = r.final
	return res
}

// sequence is the rapid property: one whole sequence.
// newCase sets up one sequence: a numbered prefix of its own under the run's
// ("<run prefix><kind><n>-"), and its own recorder when the runner makes
// clients per sequence.
func (r *runner) newCase(kind string) (*machine, *fakeidp.Recorder) {
	r.mu.Lock()
	r.n++
	n := r.n
	r.mu.Unlock()
	c := r.env.Client.ForScenario(PropertyName)
	var rec *fakeidp.Recorder
	if r.cfg.NewClient != nil {
		rec = fakeidp.NewRecorder()
		c = r.cfg.NewClient(rec).ForScenario(PropertyName)
	}
	names := caseNames{prefix: fmt.Sprintf("%s%s%d-", r.env.Names.Prefix, kind, n), domain: r.env.Names.Domain}
	return newMachine(r.ctx, r.env, c, names, &resolution{}), rec
}

func (r *runner) sequence(t *rapid.T) {
	if r.idle() {
		return
	}
	m, rec := r.newCase("s")
	defer r.finish(m, rec)
	defer m.cleanup(context.WithoutCancel(r.ctx))

	t.Repeat(m.actions(r))
	if m.failed() || r.idle() {
		return
	}
	if err := m.protect(m.reconcile); err != nil {
		r.abort(err)
		return
	}
	if m.failed() {
		t.Fatalf("%s", m.failure())
	}
}

// failure names the first failure in words that are the same on every run of
// the same sequence (no server ids, no timestamps): rapid compares failure
// messages to tell a reproduced failure from a different one.
func (m *machine) failure() string {
	f := m.findings[0]
	if f.step == 0 || f.step > len(m.steps) {
		return f.check + ": the final reconciliation failed"
	}
	return fmt.Sprintf("%s: step %d (%s) failed", f.check, f.step, m.steps[f.step-1].Op)
}

// finish folds a sequence into the run's totals and remembers it.
func (r *runner) finish(m *machine, rec *fakeidp.Recorder) {
	rc := &caseRecord{steps: slices.Clone(m.steps), findings: m.findings, drift: m.memberDrift, m: m}
	if rec != nil {
		rc.exs = rec.Exchanges()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec != nil {
		r.fb.Retries += rec.Retries()
	}
	r.last = rc
	if !r.sawFail {
		r.searched++ // sequences of the search, up to the first failure; not shrinking's reruns
	}
	for id := range m.passed {
		r.passed[id] = true
	}
	if len(m.findings) > 0 {
		r.sawFail = true
		if r.firstFail == nil {
			r.firstFail = rc
		}
		return
	}
	// Totals count sequences that passed, so that shrinking's re-runs of a
	// failure do not inflate them.
	r.fb.Steps += len(m.steps)
	for k, v := range m.confirmed {
		r.fb.Confirmed[k] += v
	}
	for k, v := range m.unconfirmed {
		r.fb.Unconfirmed[k] += v
	}
	for k, v := range m.modelCounts {
		r.fb.ModelCounts[k] += v
	}
	for k, v := range m.serverCounts {
		r.fb.ServerCounts[k] += v
	}
	for _, ex := range rc.exs {
		r.samples = append(r.samples, reports.Exchange{Method: ex.Method, URL: ex.URL, Status: ex.Status, LatencyMs: float64(ex.Latency.Microseconds()) / 1000})
	}
}

// protect runs f, turning an abort into an error.
func (m *machine) protect(f func()) (err error) {
	defer func() {
		if rv := recover(); rv != nil {
			a, ok := rv.(abortSignal)
			if !ok {
				panic(rv)
			}
			err = a.err
		}
	}()
	f()
	return nil
}

// exec runs one generated step inside a rapid action.
func (m *machine) exec(t *rapid.T, r *runner, st Step) {
	t.Logf("step %d: %s", len(m.steps)+1, st)
	if err := m.apply(st); err != nil {
		r.abort(err)
		return
	}
	if m.failed() {
		t.Fatalf("%s", m.failure())
	}
}

func (m *machine) live(list []*slot) []int {
	var out []int
	for i, s := range list {
		if s != nil && s.live {
			out = append(out, i+1)
		}
	}
	return out
}

// actions are the rapid state machine's actions: each draws a step that
// fits the current state (or skips when it cannot apply) and runs it.
func (m *machine) actions(r *runner) map[string]func(*rapid.T) {
	sp := m.env.SP
	guard := func(f func(t *rapid.T)) func(*rapid.T) {
		return func(t *rapid.T) {
			if r.idle() {
				return
			}
			f(t)
		}
	}
	liveUser := func(t *rapid.T) int {
		l := m.live(m.users)
		if len(l) == 0 {
			t.Skip("no live user")
		}
		return rapid.SampledFrom(l).Draw(t, "user")
	}
	liveGroup := func(t *rapid.T) int {
		l := m.live(m.groups)
		if len(l) == 0 {
			t.Skip("no live group")
		}
		return rapid.SampledFrom(l).Draw(t, "group")
	}
	someUsers := func(t *rapid.T, min int) []int {
		l := m.live(m.users)
		if len(l) < min {
			t.Skip("too few live users")
		}
		return rapid.SliceOfNDistinct(rapid.SampledFrom(l), min, min+2, rapid.ID[int]).Draw(t, "members")
	}
	acts := map[string]func(*rapid.T){
		"createUser": guard(func(t *rapid.T) {
			if len(m.live(m.users)) >= maxLiveUsers {
				t.Skip("enough users")
			}
			n := len(m.users) + 1
			spec := userGen(fmt.Sprintf("u%d-%s", n, userNameGen.Draw(t, "userName")), sp.Enterprise).Draw(t, "user")
			m.exec(t, r, Step{Op: OpCreateUser, User: n, Spec: &spec})
		}),
		"putUser": guard(func(t *rapid.T) {
			u := liveUser(t)
			old, _ := m.dir.User(m.users[u-1].id)
			spec := userGen(strings.TrimPrefix(old.UserName, m.names.prefix), sp.Enterprise).Draw(t, "user")
			m.exec(t, r, Step{Op: OpPutUser, User: u, Spec: &spec})
		}),
		"patchUser": guard(func(t *rapid.T) {
			u := liveUser(t)
			old, _ := m.dir.User(m.users[u-1].id)
			m.exec(t, r, Step{Op: OpPatchUser, User: u, Changes: changesGen(old, sp.Enterprise).Draw(t, "changes")})
		}),
		"deactivateUser": guard(func(t *rapid.T) { m.exec(t, r, Step{Op: OpDeactivate, User: liveUser(t)}) }),
		"reactivateUser": guard(func(t *rapid.T) { m.exec(t, r, Step{Op: OpReactivate, User: liveUser(t)}) }),
		"deleteUser":     guard(func(t *rapid.T) { m.exec(t, r, Step{Op: OpDeleteUser, User: liveUser(t)}) }),
		"recreateUser": guard(func(t *rapid.T) {
			var dead []int
			for i, s := range m.users {
				if s != nil && !s.live && s.id != "" && !m.nameTaken(s.name) {
					dead = append(dead, i+1)
				}
			}
			if len(dead) == 0 || len(m.live(m.users)) >= maxLiveUsers {
				t.Skip("no deleted user to re-create")
			}
			from := rapid.SampledFrom(dead).Draw(t, "deletedUser")
			n := len(m.users) + 1
			spec := userGen(strings.TrimPrefix(m.users[from-1].name, m.names.prefix), sp.Enterprise).Draw(t, "user")
			m.exec(t, r, Step{Op: OpRecreateUser, User: n, Spec: &spec})
		}),
		"patchUserFailingOp": guard(func(t *rapid.T) {
			if !sp.Patch {
				t.Skip("no PATCH")
			}
			m.exec(t, r, Step{Op: OpPatchAtomic, User: liveUser(t)})
		}),
		"createGroup": guard(func(t *rapid.T) {
			if len(m.live(m.groups)) >= maxLiveGroups {
				t.Skip("enough groups")
			}
			n := len(m.groups) + 1
			var members []int
			if l := m.live(m.users); len(l) > 0 {
				// Groups with several members are where membership bugs show.
				n := rapid.IntRange(0, len(l)).Draw(t, "memberCount")
				members = rapid.Permutation(l).Draw(t, "members")[:n]
			}
			name := fmt.Sprintf("g%d-%s", n, groupNameGen.Draw(t, "groupName"))
			m.exec(t, r, Step{Op: OpCreateGroup, Group: n, Members: members, Name: name})
		}),
		"renameGroup": guard(func(t *rapid.T) {
			g := liveGroup(t)
			m.exec(t, r, Step{Op: OpRenameGroup, Group: g, Name: fmt.Sprintf("g%d-%s", g, groupNameGen.Draw(t, "groupName"))})
		}),
		"addMembers": guard(func(t *rapid.T) {
			g := liveGroup(t)
			m.exec(t, r, Step{Op: OpAddMembers, Group: g, Members: someUsers(t, 1)})
		}),
		"removeMembers": guard(func(t *rapid.T) {
			g := liveGroup(t)
			grp, _ := m.dir.Group(m.groups[g-1].id)
			var slots []int
			for _, id := range grp.Members {
				for i, s := range m.users {
					if s != nil && s.id == id {
						slots = append(slots, i+1)
					}
				}
			}
			if len(slots) == 0 {
				t.Skip("no member to remove")
			}
			slices.Sort(slots)
			members := rapid.SliceOfNDistinct(rapid.SampledFrom(slots), 1, min(2, len(slots)), rapid.ID[int]).Draw(t, "members")
			m.exec(t, r, Step{Op: OpRemoveMembers, Group: g, Members: members})
		}),
		"deleteGroup": guard(func(t *rapid.T) { m.exec(t, r, Step{Op: OpDeleteGroup, Group: liveGroup(t)}) }),
	}
	if sp.ETag && sp.Patch {
		acts["raceUser"] = guard(func(t *rapid.T) {
			u := liveUser(t)
			cur, _ := m.dir.User(m.users[u-1].id)
			a := textGen(24).Draw(t, "workerA")
			b := textGen(24).Draw(t, "workerB")
			// Each worker makes a real change: a no-op would leave the
			// version, and then both would rightly succeed.
			if a == cur.DisplayName {
				a += " (A)"
			}
			if b == a || b == cur.DisplayName {
				b += " (B)"
			}
			m.exec(t, r, Step{Op: OpRaceUser, User: u, Values: []string{a, b}})
		})
		acts["raceGroup"] = guard(func(t *rapid.T) {
			g := liveGroup(t)
			grp, _ := m.dir.Group(m.groups[g-1].id)
			var outside []int
			for _, n := range m.live(m.users) {
				if !slices.Contains(grp.Members, m.users[n-1].id) {
					outside = append(outside, n)
				}
			}
			if len(outside) < 2 {
				t.Skip("fewer than two users outside the group")
			}
			pair := rapid.SliceOfNDistinct(rapid.SampledFrom(outside), 2, 2, rapid.ID[int]).Draw(t, "racingMembers")
			m.exec(t, r, Step{Op: OpRaceGroup, Group: g, Members: pair})
		})
	}
	if !sp.Patch {
		for _, k := range []string{"patchUser", "deactivateUser", "reactivateUser", "renameGroup", "addMembers", "removeMembers"} {
			delete(acts, k)
		}
	}
	return acts
}

// nameTaken reports whether a live user of the sequence holds userName.
// reusable reports whether userName belonged to a user this sequence deleted
// and no live user holds it now: the precondition of a re-create.
func (m *machine) reusable(userName string) bool {
	if m.nameTaken(userName) {
		return false
	}
	for _, s := range m.users {
		if s != nil && !s.live && strings.EqualFold(s.name, userName) {
			return true
		}
	}
	return false
}

func (m *machine) nameTaken(userName string) bool {
	for _, s := range m.users {
		if s != nil && s.live && strings.EqualFold(s.name, userName) {
			return true
		}
	}
	return false
}

// recorderTB is rapid's TB for runs outside go test: it keeps rapid's output
// and its verdict instead of failing a test.
type recorderTB struct {
	mu     sync.Mutex
	name   string
	log    io.Writer
	buf    strings.Builder
	failed bool
}

func (r *recorderTB) Helper()      {}
func (r *recorderTB) Name() string { return r.name }
func (r *recorderTB) write(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf.WriteString(s + "\n")
	if r.log != nil {
		fmt.Fprintln(r.log, s)
	}
}
func (r *recorderTB) Logf(format string, args ...any)  { r.write(fmt.Sprintf(format, args...)) }
func (r *recorderTB) Log(args ...any)                  { r.write(fmt.Sprint(args...)) }
func (r *recorderTB) Skipf(format string, args ...any) { r.write(fmt.Sprintf(format, args...)) }
func (r *recorderTB) Skip(args ...any)                 { r.write(fmt.Sprint(args...)) }
func (r *recorderTB) SkipNow()                         {}
func (r *recorderTB) Errorf(format string, args ...any) {
	r.Fail()
	r.write(fmt.Sprintf(format, args...))
}
func (r *recorderTB) Error(args ...any) { r.Fail(); r.write(fmt.Sprint(args...)) }
func (r *recorderTB) Fatalf(format string, args ...any) {
	r.Fail()
	r.write(fmt.Sprintf(format, args...))
}
func (r *recorderTB) Fatal(args ...any) { r.Fail(); r.write(fmt.Sprint(args...)) }

// FailNow only marks the failure: rapid calls it last, after its report.
func (r *recorderTB) FailNow() { r.Fail() }
func (r *recorderTB) Fail() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
}
func (r *recorderTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
func (r *recorderTB) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

var _ rapid.TB = (*recorderTB)(nil)

// seedFrom reads the seed rapid printed with a failure ("-rapid.seed=N").
func seedFrom(out string) (uint64, bool) {
	_, rest, ok := strings.Cut(out, "-rapid.seed=")
	if !ok {
		return 0, false
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		rest = rest[:end]
	}
	n, err := strconv.ParseUint(rest, 10, 64)
	return n, err == nil
}

// userFlags are the flags set on the command line before the first property
// run (go test -rapid.seed=…): taken once, since setting rapid's flags here
// would make them look set too.
var (
	userFlagsOnce sync.Once
	userFlags     = map[string]bool{}
)

// setRapidFlags applies cfg to rapid's flags and returns a function that
// restores them. Outside go test it first initialises the flag set as rapid
// expects; a flag the user set explicitly on the command line (go test
// -rapid.seed=…) is left alone.
func setRapidFlags(cfg PropertyConfig) func() {
	if !flag.Parsed() {
		testing.Init()
		_ = flag.CommandLine.Parse(nil)
	}
	userFlagsOnce.Do(func() {
		flag.Visit(func(f *flag.Flag) { userFlags[f.Name] = true })
	})
	explicit := userFlags
	set := map[string]string{}
	if cfg.Sequences > 0 {
		n := cfg.Sequences
		if testing.Short() && n < 5 {
			n = 5 // rapid runs a fifth of its checks under -short: at least one
		}
		set["rapid.checks"] = strconv.Itoa(n)
	}
	if cfg.Steps > 0 {
		set["rapid.steps"] = strconv.Itoa(cfg.Steps)
	}
	if cfg.Seed != 0 {
		set["rapid.seed"] = strconv.FormatUint(cfg.Seed, 10)
	}
	if cfg.ShrinkTime > 0 {
		set["rapid.shrinktime"] = cfg.ShrinkTime.String()
	}
	if cfg.NoFailFile {
		set["rapid.nofailfile"] = "true"
	}
	old := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		f := flag.Lookup(name)
		if f == nil || explicit[name] {
			continue
		}
		old[name] = f.Value.String()
		_ = flag.Set(name, set[name])
	}
	return func() {
		for name, v := range old {
			_ = flag.Set(name, v)
		}
	}
}

// PropertyScenario returns the property-based scenario with budget cfg;
// after it ran, *out holds what rapid found.
func PropertyScenario(cfg PropertyConfig, out *PropertyResult) *scenarios.Scenario {
	return &scenarios.Scenario{
		Name:   PropertyName,
		Checks: slices.Clone(propertyChecks),
		Run: func(s *scenarios.S) {
			res := RunSequences(s.Ctx, s.Env, cfg)
			if out != nil {
				*out = *res
			}
			res.judgeInto(s)
			if res.Aborted != "" && !res.Failed {
				s.Stop("the sequences could not go on: %s", res.Aborted)
			}
		},
	}
}

// judgeInto turns the property result into the scenario's verdicts: every
// check judged in any sequence passes unless the minimal failing sequence
// failed it; a failure that did not reproduce is a seq-flaky finding.
func (res *PropertyResult) judgeInto(s *scenarios.S) {
	for _, id := range slices.Sorted(maps.Keys(res.passed)) {
		judgeFor(s, id)(id, nil)
	}
	if !res.Failed || res.final == nil {
		return
	}
	seq := res.SequenceText()
	for _, f := range res.final.findings {
		msg := f.msg + "\n" + seq
		if res.Flaky {
			s.Judge("seq-flaky", fmt.Errorf("%s: a sequence failed once and did not fail again when rerun; the first failure: %s", f.check, msg), f.exs...)
			continue
		}
		judgeFor(s, f.check)(f.check, errors.New(msg), f.exs...)
	}
}

// judgeFor returns how check id is judged in the scenario: the harness-wide
// retry check, which the sequences do not list, is judged always.
func judgeFor(s *scenarios.S, id string) func(string, error, ...*fakeidp.Exchange) {
	if id == safety.CheckRetryDuplicate {
		return s.JudgeAlways
	}
	return s.Judge
}

// SequenceText renders the minimal sequence with its seed, for findings and
// the console.
func (res *PropertyResult) SequenceText() string {
	var b strings.Builder
	kind := "minimal failing sequence"
	if res.Flaky {
		kind = "failing sequence (did not reproduce)"
	}
	fmt.Fprintf(&b, "\t%s, %d steps (seed %d):", kind, len(res.Minimal), res.Seed)
	for i, st := range res.Minimal {
		fmt.Fprintf(&b, "\n\t%2d. %s", i+1, st)
	}
	return b.String()
}
