// Package reports holds the canonical result of a scimloop run ([Run]) and
// the pure writers that render it: JSON (the artifact), JUnit XML, HTML,
// Markdown and HAR.
//
// Every writer is a func(io.Writer, *Run) error with no I/O of its own and no
// clock: a Run read back from results.json renders to the same bytes.
package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Status is the outcome of one check.
type Status string

// Check statuses. A failed check is always StatusFail; what the failure means
// comes from its Level.
const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusSkip  Status = "skip"  // not applicable: Reason says why
	StatusError Status = "error" // could not run: a precondition broke
)

// Level is the normative weight of a check.
type Level string

// Check levels, mapped from the requirement levels as docs/architecture.md says.
const (
	LevelMust   Level = "MUST"   // a failure fails the run
	LevelShould Level = "SHOULD" // a warning unless strict
	LevelMay    Level = "MAY"    // recorded, never fails
	LevelIDP    Level = "IDP"    // IdP compatibility verdict
)

// Run is the canonical result of one run: results.json is this value.
type Run struct {
	Tool         string           `json:"tool"`
	Version      string           `json:"version"`
	Catalogue    string           `json:"catalogueVersion,omitempty"`
	Profile      string           `json:"profile,omitempty"` // "run" or "certify"
	Target       string           `json:"target"`
	Started      time.Time        `json:"started"`
	Duration     float64          `json:"durationSeconds"`
	Seed         int64            `json:"seed"`
	Dialect      string           `json:"dialect"`
	Seeds        []int64          `json:"seeds,omitempty"`    // every seed, when the run merges several (certify)
	Dialects     []string         `json:"dialects,omitempty"` // every dialect, when the run merges several (certify)
	Strict       bool             `json:"strict"`
	Prefix       string           `json:"prefix"`
	Command      string           `json:"command,omitempty"` // how to reproduce the run
	Verdict      Verdict          `json:"verdict"`
	Capabilities map[string]bool  `json:"capabilities,omitempty"`
	Checks       []CheckResult    `json:"checks"`
	Scenarios    []ScenarioResult `json:"scenarios"`
	Latency      []OpLatency      `json:"latency,omitempty"`
	// FilterSupport is the filter support matrix (filters.go): one cell per
	// attribute and operator the filter probes tried.
	FilterSupport []FilterSupport `json:"filterSupport,omitempty"`
	Feedback      *Feedback       `json:"feedback,omitempty"`
	Leftovers     []Leftover      `json:"leftovers,omitempty"`
	Errors        []string        `json:"errors,omitempty"` // infrastructure problems
	Coverage      []RowCoverage   `json:"coverage,omitempty"`
	Exchanges     []Exchange      `json:"exchanges,omitempty"`
	// ExchangesFile, when set, names the file next to results.json that holds
	// the exchanges instead (a certification bundle's exchanges.json.gz):
	// [ReadFile] loads it into Exchanges.
	ExchangesFile string `json:"exchangesFile,omitempty"`

	// SchemaCoverage is, per resource type, how much of the declared
	// schema the schema properties exercised (schemacoverage.go).
	SchemaCoverage map[string]SchemaCoverage `json:"schemaCoverage,omitempty"`

	// Certification names the certification profile a certify run followed
	// (profile.go).
	Certification *Certification `json:"certification,omitempty"`
}

// Verdict is the run's outcome, given per mode.
type Verdict struct {
	Result       string `json:"result"`    // "pass" or "fail" (strict RFC mode)
	IdPCompat    string `json:"idpCompat"` // "pass", "fail" or "n/a"
	MustFailures int    `json:"mustFailures"`
	Warnings     int    `json:"warnings"` // SHOULD failures
	Passed       int    `json:"passed"`
	Failed       int    `json:"failed"`
	Skipped      int    `json:"skipped"`
	Errored      int    `json:"errored"`
	Incomplete   bool   `json:"incomplete,omitempty"` // the run could not complete
}

// Summary is the run's one-line verdict, as the binary prints it and
// harness.Run logs it. The IdP verdict is named when it is not a pass, so
// that failures outside the RFC verdict never go unexplained.
func (r *Run) Summary() string {
	v := r.Verdict
	verdict := strings.ToUpper(v.Result)
	if v.Incomplete {
		verdict = "INCOMPLETE"
	}
	line := fmt.Sprintf("scimloop %s: %s — %d passed, %d failed (%d MUST, %d SHOULD warnings), %d skipped, %d errors",
		r.Target, verdict, v.Passed, v.Failed, v.MustFailures, v.Warnings, v.Skipped, v.Errored)
	if roots, under := GroupByCause(r); len(under) > 0 {
		// The counts keep every consequence; this says how few bugs they are.
		n := 0
		for _, cs := range under {
			n += len(cs)
		}
		line += fmt.Sprintf(" — %s to fix: the other %d only follow from %s", plural(len(roots), "root cause"), n, pronoun(len(roots)))
	}
	if v.IdPCompat == "fail" {
		line += "; IdP compatibility: FAIL"
	}
	return line
}

// CheckResult is one check aggregated over every scenario that ran it: it
// fails if it failed anywhere.
type CheckResult struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Level      Level    `json:"level"`
	RFC        string   `json:"rfc"`
	Spec       []string `json:"spec"`
	Area       string   `json:"area,omitempty"`
	Capability string   `json:"capability,omitempty"`
	Rule       string   `json:"rule,omitempty"`
	Aliases    []string `json:"aliases,omitempty"` // former IDs of the check
	Status     Status   `json:"status"`
	Reason     string   `json:"reason,omitempty"` // why skipped or errored
	// CausedBy, on a failed or errored check, names the failing checks it is
	// only a consequence of (see [ScenarioCheck.CausedBy]); empty when it
	// failed on its own anywhere.
	CausedBy []string  `json:"causedBy,omitempty"`
	Findings []Finding `json:"findings"`
}

// Finding is one observed misbehaviour, explained: what was sent, what came
// back, what was wanted, and how to reproduce it.
type Finding struct {
	Check     string `json:"check"`
	Scenario  string `json:"scenario"`
	Message   string `json:"message"`
	Exchanges []int  `json:"exchanges,omitempty"` // Exchange.Seq values that prove it
	Excerpt   string `json:"excerpt,omitempty"`   // request/response text, redacted
	Repro     string `json:"repro,omitempty"`     // a command that reproduces it
	// Curl resends the first exchanges without scimloop, one command per
	// exchange in the order of Exchanges (see [Curl]); credentials come
	// from the environment, never from the command.
	Curl []string `json:"curl,omitempty"`
}

// ScenarioResult is one scenario's run.
type ScenarioResult struct {
	Name     string          `json:"name"`
	Area     string          `json:"area,omitempty"`
	Dialect  string          `json:"dialect,omitempty"`
	Seed     int64           `json:"seed,omitempty"` // set when the run merges several seeds (certify)
	Status   Status          `json:"status"`
	Reason   string          `json:"reason,omitempty"`
	Duration float64         `json:"durationSeconds"`
	Checks   []ScenarioCheck `json:"checks"`
}

// ScenarioCheck is one check's outcome within one scenario.
type ScenarioCheck struct {
	ID     string `json:"id"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// CausedBy names the failing checks of the same scenario this failure
	// or error is only a consequence of: the same refusal judged again, or a
	// check left unjudged because the scenario stopped when its cause failed.
	CausedBy []string  `json:"causedBy,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
}

// OpLatency summarises the latency of one kind of operation, in milliseconds.
type OpLatency struct {
	Op    string  `json:"op"` // e.g. "POST /Users"
	Count int     `json:"count"`
	P50   float64 `json:"p50Ms"`
	P90   float64 `json:"p90Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

// Feedback carries the feedback-loop signals of property runs.
type Feedback struct {
	Sequences    int            `json:"sequences"`
	Steps        int            `json:"steps"`
	Confirmed    map[string]int `json:"confirmed,omitempty"` // op kind -> mutations confirmed by read-back
	Unconfirmed  map[string]int `json:"unconfirmed,omitempty"`
	ModelCounts  map[string]int `json:"modelCounts,omitempty"`  // "users", "groups", "memberships"
	ServerCounts map[string]int `json:"serverCounts,omitempty"` // as the server reported
	MemberDrift  []string       `json:"memberDrift,omitempty"`  // member by member
	Retries      int            `json:"retries,omitempty"`
	Seed         int64          `json:"seed,omitempty"`
	MinimalSteps int            `json:"minimalSteps,omitempty"` // the first failure's
	ReplayFiles  []string       `json:"replayFiles,omitempty"`
	// Failures are the distinct failures found, each with a minimal
	// sequence of its own: the search goes on after a failure.
	Failures []SequenceFailure `json:"failures,omitempty"`
	// SequencesAfterFailure and StepsAfterFailure count the search that
	// ran after the first failure was recorded.
	SequencesAfterFailure int `json:"sequencesAfterFailure,omitempty"`
	StepsAfterFailure     int `json:"stepsAfterFailure,omitempty"`
}

// SequenceFailure is one distinct failure of a property run.
type SequenceFailure struct {
	Checks       []string `json:"checks"` // the checks it failed that no earlier failure had
	Seed         int64    `json:"seed"`   // the failing case's: -rapid.seed reruns it first
	MinimalSteps int      `json:"minimalSteps"`
	Flaky        bool     `json:"flaky,omitempty"`   // it did not reproduce
	Repeats      int      `json:"repeats,omitempty"` // later sequences that met it again
	ReplayFile   string   `json:"replayFile,omitempty"`
}

// Leftover is a resource the run created but could not delete.
type Leftover struct {
	Type  string `json:"type"` // "User" or "Group"
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Error string `json:"error"`
}

// RowCoverage says what a run did with one requirement row.
type RowCoverage struct {
	ID     string   `json:"id"`
	Level  string   `json:"level"`
	Status string   `json:"status"` // "pass", "fail", "skip", "not-run", "uncovered"
	Checks []string `json:"checks,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

// Exchange is one recorded HTTP request and response, credentials redacted.
type Exchange struct {
	Seq             int                 `json:"seq"`
	Scenario        string              `json:"scenario,omitempty"`
	Started         time.Time           `json:"started"`
	Method          string              `json:"method"`
	URL             string              `json:"url"`
	RequestHeaders  map[string][]string `json:"requestHeaders,omitempty"`
	RequestBody     string              `json:"requestBody,omitempty"`
	Status          int                 `json:"status"`
	ResponseHeaders map[string][]string `json:"responseHeaders,omitempty"`
	ResponseBody    string              `json:"responseBody,omitempty"`
	Truncated       bool                `json:"truncated,omitempty"`       // a body is incomplete
	RequestBodyCut  int                 `json:"requestBodyCut,omitempty"`  // bytes [CapBodies] left out
	ResponseBodyCut int                 `json:"responseBodyCut,omitempty"` // bytes [CapBodies] left out
	LatencyMs       float64             `json:"latencyMs"`
	Attempt         int                 `json:"attempt,omitempty"`
	Error           string              `json:"error,omitempty"`
}

// WriteJSON writes run as indented JSON: the results.json artifact.
func WriteJSON(w io.Writer, run *Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(run)
}

// ReadJSON reads a Run written by WriteJSON.
func ReadJSON(r io.Reader) (*Run, error) {
	var run Run
	if err := json.NewDecoder(r).Decode(&run); err != nil {
		return nil, err
	}
	return &run, nil
}

// pronoun is "it" for one, "them" for more.
func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
