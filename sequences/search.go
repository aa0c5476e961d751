package sequences

import (
	"slices"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"
)

// MaxDistinct bounds the failing rounds of one search: each costs a shrink
// (rapid's and a property's own pass), so the cap keeps a very broken
// server's run bounded in time.
const MaxDistinct = 10

// Search finds every distinct failure of one rapid property within one
// budget, not only the first. rapid stops at a property's first failing case
// and shrinks it; Search then starts rapid again (a new round) on the budget
// left, with the checks of the failure just recorded known. A failure of a
// known check in a later case is counted as a repeat of that failure and is
// not fatal: the case goes on (or ends quietly, as the property chooses),
// and rapid sees it pass. Only a check not yet known fails a case, so each
// round finds one new failure, with its own minimal case and seed, until
// the budget is spent (PropertyConfig.Sequences cases over every round, or
// PropertyConfig.MaxDuration) or [MaxDistinct] rounds have failed. What a
// property records of a round is its own affair (the settle function of
// [Search.Run]): it may decline to report a failure, e.g. one that shows
// only in the wake of a known one, and still make it known.
//
// Time: MaxDuration bounds the search, its clock stopped while a failure is
// reproduced, shrunk and recorded; each failure shrinks within
// PropertyConfig.ShrinkTime (rapid) and the property's own pass (for the
// sequences, 15s at most), so a run takes at most MaxDuration plus
// MaxDistinct shrinks.
//
// A property uses it in three places (Known serves its settle function):
//
//	func (p *prop) check(t *rapid.T) {           // the rapid property
//		done, ok := p.search.Case(t)              // first: numbers and counts the case
//		if !ok {
//			return                                // the time budget is spent
//		}
//		defer func() { done(steps) }()            // steps the case ran
//		…                                         // after each step that failed checks:
//		if c := p.search.Fatal(checks); len(c) > 0 {
//			t.Fatalf("%s: …", c[0])               // the same words on every run of the case
//		}                                         // else known failures: counted, go on
//	}
//	search := NewSearch(cfg)
//	search.Run(cfg, p.check, func(r Round) []string { … record r; return its checks })
//
// While rapid reproduces and shrinks a round's failure ([Search.Searching]
// is false), only the checks that failure named fail a case, so shrinking
// cannot wander to another bug. Case counts only search cases: shrinking's
// reruns are not part of the budget. A Search serves one run; it is safe
// for the property's goroutines.
type Search struct {
	mu       sync.Mutex
	budget   int       // search cases in all, over every round
	deadline time.Time // zero: no bound on time
	known    map[string]int
	target   []string // the round's failure: the only checks fatal while rapid shrinks it
	found    bool     // the round met its failure: what runs now is rapid reproducing and shrinking it
	foundAt  time.Time
	searched int // search cases of every round
	// calls counts the search cases of the round; failCall is the index of
	// the one that failed, -1 while none did (for its seed).
	calls, failCall int
	rounds          int
	after           afterFirst
}

// afterFirst counts the search that went on after the first failure.
type afterFirst struct{ sequences, steps int }

// Round is what one failing rapid round left: rapid's report and the seed
// of the case that failed (-rapid.seed reruns it first).
type Round struct {
	Output string
	Seed   uint64
	Flaky  bool // the failure did not reproduce
}

// NewSearch returns the search of a run with budget cfg.
func NewSearch(cfg PropertyConfig) *Search {
	s := &Search{budget: searchBudget(cfg.Sequences), known: map[string]int{}, failCall: -1}
	if cfg.MaxDuration > 0 {
		s.deadline = time.Now().Add(cfg.MaxDuration)
	}
	return s
}

// Case begins one case of the property: call it first in the property, and
// call what it returns, with the steps the case ran, when the case ends.
// When it returns false the time budget is spent and there is no failure
// to shrink: the case must return at once (it is not counted).
func (s *Search) Case(t *rapid.T) (func(steps int), bool) {
	s.mu.Lock()
	if !s.found && s.timeUp() {
		s.mu.Unlock()
		return nil, false
	}
	k, search := -1, !s.found
	if search {
		k = s.calls
		s.calls++
	}
	s.mu.Unlock()
	return func(steps int) {
		if !search {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.searched++
		if s.rounds > 1 {
			s.after.sequences++
			if !t.Failed() {
				s.after.steps += steps // a failing case counts by its minimal sequence
			}
		}
		if t.Failed() && s.failCall < 0 {
			s.failCall = k
		}
	}, true
}

// Fatal is called after each step of a case that failed checks, with those
// checks. It returns the ones that fail the case for rapid, in order: name
// the first in t.Fatalf. Nil means no new failure: while searching, every
// check is a known one (each counted as a repeat); while rapid shrinks,
// none is the round's. The case may then go on.
func (s *Search) Fatal(checks []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.found {
		return slices.DeleteFunc(slices.Clone(checks), func(c string) bool { return !slices.Contains(s.target, c) })
	}
	var fatal []string
	for _, c := range checks {
		if _, ok := s.known[c]; !ok && !slices.Contains(fatal, c) {
			fatal = append(fatal, c)
		}
	}
	if len(fatal) == 0 {
		for _, c := range checks {
			s.known[c]++
		}
		return nil
	}
	s.found, s.target, s.foundAt = true, fatal, time.Now()
	return fatal
}

// Searching reports whether the round is still searching, as opposed to
// rapid reproducing and shrinking the failure it met.
func (s *Search) Searching() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.found
}

// Known reports whether check is a failure an earlier round recorded.
func (s *Search) Known(check string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.known[check]
	return ok
}

// Idle reports whether a case should do nothing: the time budget is spent
// and the round has no failure to shrink.
func (s *Search) Idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.found && s.timeUp()
}

func (s *Search) timeUp() bool { return !s.deadline.IsZero() && time.Now().After(s.deadline) }

// Run runs prop under rapid in rounds, each on the cases left of the budget
// and from the seed after the last round's, until a round passes, the
// budget is spent or [MaxDistinct] rounds have failed. After a round that
// failed it calls settle, which records the failure from the property's own
// state and returns the checks it names (known from then on), or nil to
// end the search (nothing could be recorded, the run was aborted). It
// returns the base seed of the first round.
func (s *Search) Run(cfg PropertyConfig, prop func(*rapid.T), settle func(Round) []string) uint64 {
	var first uint64
	for failed := 0; failed < MaxDistinct; failed++ {
		left := s.budget - s.searched
		if left <= 0 || s.timeUp() {
			break
		}
		rc := cfg
		rc.Sequences, rc.round = left, s.rounds
		s.begin()
		name := cfg.name
		if name == "" {
			name = PropertyName
		}
		tb := &recorderTB{name: "scimloop/" + name, log: cfg.Log}
		base := withRapid(rc, func() { rapid.Check(tb, prop) })
		if s.rounds == 1 {
			first = base
		}
		if !tb.Failed() {
			break
		}
		out := tb.output()
		checks := settle(Round{Output: out, Seed: s.seedOf(out, base), Flaky: strings.Contains(out, "flaky test")})
		if len(checks) == 0 {
			break
		}
		s.learn(checks)
		s.pauseClock()
		// The next round starts past every seed this one tried.
		cfg.Seed = failingSeed(base, s.calls)
	}
	return first
}

// begin starts a round.
func (s *Search) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rounds++
	s.found, s.target, s.calls, s.failCall, s.foundAt = false, nil, 0, -1, time.Time{}
}

// pauseClock moves the time budget's end on by the time the round spent on
// its failure since it met it: MaxDuration bounds the search, and shrinking
// each failure has bounds of its own.
func (s *Search) pauseClock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.deadline.IsZero() && !s.foundAt.IsZero() {
		s.deadline = s.deadline.Add(time.Since(s.foundAt))
	}
}

// learn makes checks known: later cases that fail only these end quietly.
func (s *Search) learn(checks []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range checks {
		if _, ok := s.known[c]; !ok {
			s.known[c] = 0
		}
	}
}

// seedOf is the seed of the round's failing case: the one rapid's report
// names (-rapid.seed=N), else worked out from the case's index.
func (s *Search) seedOf(output string, base uint64) uint64 {
	if seed, ok := reportedSeed(output); ok {
		return seed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failCall < 0 {
		return base
	}
	return failingSeed(base, s.failCall)
}

// Repeats is how many later search cases met check again, once it was
// known (counted, not fatal).
func (s *Search) Repeats(check string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.known[check]
}

// Searched is the number of search cases run, over every round.
func (s *Search) Searched() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.searched
}

// AfterFirst is the search cases run after the first failure was
// recorded, and the steps of those that did not fail for rapid (a failure
// counts by its minimal sequence).
func (s *Search) AfterFirst() (sequences, steps int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.after.sequences, s.after.steps
}
