package sequences

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// This file holds the rapid adapter: a TB that records instead of failing a
// test, and the one place that sets rapid's process-wide flags.

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

// rapidMu serialises property runs: rapid's settings are process-wide
// flags, and withRapid is the one place that sets them, under this lock.
var rapidMu sync.Mutex

// withRapid runs f with rapid's flags set from cfg, restores them, and
// returns the base seed rapid ran with. When neither cfg nor the command
// line (go test -rapid.seed=…) gives a seed, it picks one, so that the seed
// is always known without reading rapid's output.
func withRapid(cfg PropertyConfig, f func()) uint64 {
	rapidMu.Lock()
	defer rapidMu.Unlock()
	initFlags()
	// A later round of a search moves the seed on even when the command
	// line gave one: the command line's seed is the first round's.
	restore := setRapidFlags(rapidSettings(cfg), cfg.round > 0)
	defer restore()
	f()
	return flagUint("rapid.seed")
}

// initFlags readies the flags rapid and testing.Short read: outside go
// test, rapid's flags need the testing flags. Call it under rapidMu.
func initFlags() {
	if !flag.Parsed() {
		testing.Init()
		_ = flag.CommandLine.Parse(nil)
	}
}

// rapidSettings are the values cfg gives rapid's flags.
func rapidSettings(cfg PropertyConfig) map[string]string {
	set := map[string]string{}
	if cfg.Sequences > 0 {
		n := cfg.Sequences
		if testing.Short() {
			n *= 5 // rapid runs a fifth of its checks under -short; the budget already counts that
		}
		set["rapid.checks"] = strconv.Itoa(n)
	}
	if cfg.Steps > 0 {
		set["rapid.steps"] = strconv.Itoa(cfg.Steps)
	}
	seed := cfg.Seed
	if seed == 0 && flagUint("rapid.seed") == 0 {
		for seed == 0 {
			seed = rand.Uint64()
		}
	}
	if seed != 0 {
		set["rapid.seed"] = strconv.FormatUint(seed, 10)
	}
	if cfg.ShrinkTime > 0 {
		set["rapid.shrinktime"] = cfg.ShrinkTime.String()
	}
	if cfg.NoFailFile {
		set["rapid.nofailfile"] = "true"
	}
	return set
}

// searchBudget is the number of search cases a budget of n sequences runs
// (0: rapid's -rapid.checks): rapid runs a fifth of its checks under go
// test -short, at least one.
func searchBudget(n int) int {
	rapidMu.Lock()
	defer rapidMu.Unlock()
	initFlags()
	if n <= 0 {
		n = int(flagUint("rapid.checks"))
	}
	if n > 0 && testing.Short() {
		return max(n/5, 1)
	}
	return n
}

// setRapidFlags sets rapid's flags and returns a function that restores
// them. A flag given on the command line (go test -rapid.seed=…), which
// differs from its default, is left alone, but for the seed when
// overrideSeed is set.
func setRapidFlags(set map[string]string, overrideSeed bool) func() {
	old := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		f := flag.Lookup(name)
		if f == nil || (f.Value.String() != f.DefValue && !(overrideSeed && name == "rapid.seed")) {
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

// flagUint reads one of rapid's unsigned flags; 0 when it is not there.
func flagUint(name string) uint64 {
	f := flag.Lookup(name)
	if f == nil {
		return 0
	}
	n, _ := strconv.ParseUint(f.Value.String(), 10, 64)
	return n
}

// seedLine is how rapid's failure report names the seed of the failing case.
var seedLine = regexp.MustCompile(`-rapid\.seed=([0-9]+)`)

// reportedSeed reads the failing case's seed from rapid's failure report:
// rapid has no API that hands it back, but its report names it for
// reproduction (-rapid.seed=N). False when the report names none (a
// failure replayed from a fail file).
func reportedSeed(output string) (uint64, bool) {
	m := seedLine.FindStringSubmatch(output)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	return n, err == nil && n != 0
}

// failingSeed is the seed of the k-th (0-based) test case of rapid's search
// from base: rapid moves the seed on by the case's index before each case,
// so case k runs with base + 1 + 2 + … + k. Passing it as -rapid.seed
// makes that case the first one rapid tries.
func failingSeed(base uint64, k int) uint64 {
	n := uint64(k)
	return base + n*(n+1)/2
}
