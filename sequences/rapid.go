package sequences

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
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
	if !flag.Parsed() {
		testing.Init() // outside go test, rapid's flags need the testing flags
		_ = flag.CommandLine.Parse(nil)
	}
	restore := setRapidFlags(rapidSettings(cfg))
	defer restore()
	f()
	return flagUint("rapid.seed")
}

// rapidSettings are the values cfg gives rapid's flags.
func rapidSettings(cfg PropertyConfig) map[string]string {
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

// setRapidFlags sets rapid's flags and returns a function that restores
// them. A flag given on the command line (go test -rapid.seed=…), which
// differs from its default, is left alone.
func setRapidFlags(set map[string]string) func() {
	old := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		f := flag.Lookup(name)
		if f == nil || f.Value.String() != f.DefValue {
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

// failingSeed is the seed of the k-th (0-based) test case of rapid's search
// from base: rapid moves the seed on by the case's index before each case,
// so case k runs with base + 1 + 2 + … + k. Passing it as -rapid.seed
// makes that case the first one rapid tries.
func failingSeed(base uint64, k int) uint64 {
	n := uint64(k)
	return base + n*(n+1)/2
}
