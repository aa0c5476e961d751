package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/sequences"
)

// seqFlags are the budget flags of the property-based sequences on "run".
type seqFlags struct {
	sequences   int
	steps       int
	shrinkTime  time.Duration
	maxDuration time.Duration
}

// Budgets when the flags are left at 0: a loopback server answers in
// microseconds, a remote one in tens of milliseconds.
var (
	loopbackBudget = seqFlags{sequences: 100, steps: 30, shrinkTime: 5 * time.Second, maxDuration: 12 * time.Second}
	remoteBudget   = seqFlags{sequences: 25, steps: 20, shrinkTime: 60 * time.Second, maxDuration: 3 * time.Minute}
)

func (s *seqFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVar(&s.sequences, "sequences", 0, "property-generated sequences to run (0: 100 against a loopback server, 25 against a remote one; --skip sequences for none)")
	fl.IntVar(&s.steps, "steps", 0, "average steps per sequence (0: 30 loopback, 20 remote)")
	fl.DurationVar(&s.shrinkTime, "shrink-time", 0, "bound on shrinking each distinct failing sequence (0: 5s loopback, 60s remote)")
	fl.DurationVar(&s.maxDuration, "max-duration", 0, "bound on the search for failing sequences, which goes on after a failure to find every distinct one (0: 12s loopback, 3m remote)")
}

// budget fills the flags left at 0 for the target.
func (s seqFlags) budget(targetURL string) seqFlags {
	def := remoteBudget
	if u, err := url.Parse(targetURL); err == nil && fakeidp.IsLoopback(u.Hostname()) {
		def = loopbackBudget
	}
	if s.sequences == 0 {
		s.sequences = def.sequences
	}
	if s.steps == 0 {
		s.steps = def.steps
	}
	if s.shrinkTime == 0 {
		s.shrinkTime = def.shrinkTime
	}
	if s.maxDuration == 0 {
		s.maxDuration = def.maxDuration
	}
	return s
}

func (s seqFlags) validate() error {
	switch {
	case s.sequences < 0:
		return usageErr("--sequences %d: want 0 or more", s.sequences)
	case s.steps < 0:
		return usageErr("--steps %d: want 0 or more", s.steps)
	case s.shrinkTime < 0 || s.maxDuration < 0:
		return usageErr("--shrink-time and --max-duration must not be negative")
	}
	return nil
}

// replays remembers the replay files a run wrote, to print them.
type replays struct {
	dir   string
	files []*sequences.ReplayFile
	paths []string
}

// options returns the harness options of the sequences against targetURL;
// replay files are written under out/replay.
func (s seqFlags) options(targetURL, out string, r *replays) []harness.Option {
	b := s.budget(targetURL)
	r.dir = filepath.Join(out, "replay")
	return []harness.Option{
		harness.WithSequences(b.sequences), harness.WithSteps(b.steps),
		harness.WithShrinkTime(b.shrinkTime), harness.WithMaxDuration(b.maxDuration),
		harness.WithReplayWriter(r.write),
	}
}

func (r *replays) write(f *sequences.ReplayFile) (string, error) {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(r.dir, f.FileName())
	if err := writeFile(path, f.Write); err != nil {
		return "", err
	}
	r.files = append(r.files, f)
	r.paths = append(r.paths, path)
	return path, nil
}

// print shows how far the sequences searched, each failing sequence and how
// to replay it.
func (r *replays) print(w io.Writer, fb *reports.Feedback, target string, quiet bool) {
	if target == "(the embedded server)" {
		target = ""
	}
	if fb != nil && len(fb.Failures) > 0 {
		fmt.Fprintf(w, "sequences: %d run, %d distinct failures; after the first, the search ran %d more sequences (%d steps)\n",
			fb.Sequences, len(fb.Failures), fb.SequencesAfterFailure, fb.StepsAfterFailure)
	}
	for i, f := range r.files {
		if f.Schema != nil {
			printSchemaCase(w, f, quiet)
			fmt.Fprintf(w, "  replay: %s\n", strings.TrimSpace("scimloop replay "+r.paths[i]+" "+target))
			continue
		}
		kind := "minimal failing sequence"
		if f.Flaky {
			kind = "failing sequence (did not reproduce: flaky)"
		}
		fmt.Fprintf(w, "  %s, %d steps (seed %d), failing %s:\n", kind, len(f.Steps), f.Seed, strings.Join(f.Checks, ", "))
		if !quiet {
			for j, st := range f.Steps {
				fmt.Fprintf(w, "    %2d. %s\n", j+1, st)
			}
		}
		fmt.Fprintf(w, "  replay: %s\n", strings.TrimSpace("scimloop replay "+r.paths[i]+" "+target))
	}
}

// printSchemaCase shows the minimal case of a schema-property failure.
func printSchemaCase(w io.Writer, f *sequences.ReplayFile, quiet bool) {
	sc := f.Schema
	fmt.Fprintf(w, "  minimal failing schema case (%s, %s property), %d requests (seed %d), failing %s:\n",
		sc.Type, sc.Property, len(sc.Requests), f.Seed, strings.Join(f.Checks, ", "))
	if !quiet {
		for j, st := range sc.Requests {
			fmt.Fprintf(w, "    %2d. %s\n", j+1, st)
		}
	}
}

func newReplayCmd() *cobra.Command {
	var (
		f runFlags
	)
	cmd := &cobra.Command{
		Use:   "replay FILE [--url URL]",
		Short: "Rerun a failing sequence or schema case from a replay file; exit 1 when the failure reproduces",
		Long: `Rerun the steps of a replay file written by "scimloop run" (under
<out>/replay/) against a SCIM server, as one sequence of its own: fresh
resources named with a new run prefix, each step judged against the IdP's
model, the final state reconciled, and everything it created deleted.
A schema-property file (schema-seed….json) reruns its minimal case the
same way: the resource created, then its updates, projection or filter,
each judged as the run judged it.

Without --url it starts the embedded reference server (with --fault, a
faulty one). Credentials and TLS options are those of "scimloop run".

Exit codes: 0 the sequence passed (the failure did not reproduce); 1 it
failed (reproduced); 2 a usage error or an unreadable file; 3 the target
could not be reached or the replay could not complete.`,
		Example: `  scimloop replay scimloop-report/replay/sequence-seed1-group-members-match-model.json --url http://127.0.0.1:8080/scim/v2
  scimloop replay FILE --fault remove-member-removes-all`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "SCIM base URL of the server (default: the embedded reference server)")
	fl.StringVar(&f.tokenFile, "token-file", "", "read the bearer token from this file (default: $SCIMLOOP_TOKEN)")
	fl.StringArrayVar(&f.headers, "header", nil, `extra request header "Name: value" (repeatable)`)
	fl.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow plain http (and credentials over it) to non-loopback hosts")
	fl.DurationVar(&f.timeout, "timeout", fakeidp.DefaultTimeout, "timeout for each request, body included")
	fl.StringVar(&f.dialect, "dialect", "", "request dialect (default: the file's)")
	fl.StringSliceVar(&f.faults, "fault", nil, "with the embedded server: enable named faults (see scimloop faults)")
	f.registerPersonality(cmd)
	f.conn.register(cmd)
	return cmd
}

func runReplay(parent context.Context, stdout, stderr io.Writer, f runFlags, path string) error {
	if parent == nil {
		parent = context.Background()
	}
	fh, err := os.Open(path)
	if err != nil {
		return usageErr("%v", err)
	}
	file, err := sequences.ReadReplay(fh)
	fh.Close()
	if err != nil {
		return usageErr("%s: %v", path, err)
	}
	clientOpts, _, err := authOptions(f)
	if err != nil {
		return err
	}
	clientOpts = append(clientOpts, fakeidp.WithTimeout(f.timeout), fakeidp.WithMaxBody(fakeidp.DefaultMaxBody))
	if f.insecureHTTP {
		clientOpts = append(clientOpts, fakeidp.WithInsecureHTTP())
	}
	target := harness.Target{URL: f.url}
	if f.url == "" {
		token := randomToken()
		u, stop, err := startEmbedded(token, f.faults, f.personas)
		if err != nil {
			return err
		}
		defer stop()
		target.URL = u
		clientOpts = append(clientOpts, fakeidp.WithBearer(token))
	} else if len(f.faults) > 0 {
		return usageErr("--fault applies to the embedded server only; start a faulty server with: scimloop serve --fault %s", strings.Join(f.faults, ","))
	} else if err := f.personalityWithURL(); err != nil {
		return err
	} else if _, err := fakeidp.NewClient(f.url, clientOpts...); err != nil {
		return usageErr("%v", err)
	}
	dialect := f.dialect
	if dialect == "" {
		dialect = file.Dialect
	}
	if dialect == "" {
		dialect = fakeidp.DialectRFC
	}
	if _, err := fakeidp.ParseDialect(dialect); err != nil {
		return usageErr("--dialect: %v", err)
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()

	what, kind := fmt.Sprintf("%d steps", len(file.Steps)), "sequence"
	if file.Schema != nil {
		what = fmt.Sprintf("the minimal %s case of the %s property, %d requests", file.Schema.Type, file.Schema.Property, len(file.Schema.Requests))
		kind = "case"
	}
	fmt.Fprintf(stdout, "scimloop replay %s: %s against %s\n", path, what, target.URL)
	res, err := harness.Replay(ctx, target, file, harness.WithClientOptions(clientOpts...), harness.WithDialect(dialect))
	if res == nil {
		return &exitError{code: exitIncomplete, err: err}
	}
	for _, l := range res.Leftovers {
		fmt.Fprintf(stderr, "  leftover: %s %s (%s): %s\n", l.Type, l.ID, l.Name, l.Error)
	}
	if res.Failed() {
		for _, fd := range res.Findings {
			fmt.Fprintf(stdout, "  FAIL %s at %s: %s\n", fd.Check, replayWhere(file, fd), fd.Message)
		}
		fmt.Fprintf(stdout, "REPRODUCED: the %s failed (the file recorded %s)\n", kind, strings.Join(file.Checks, ", "))
		return &exitError{code: exitFailed, err: errors.New("")}
	}
	if err != nil {
		return &exitError{code: exitIncomplete, err: err}
	}
	if file.Schema != nil {
		fmt.Fprintf(stdout, "NOT REPRODUCED: all %d requests of the case passed\n", res.Steps)
		return nil
	}
	fmt.Fprintf(stdout, "NOT REPRODUCED: all %d steps and the reconciliation passed\n", res.Steps)
	return nil
}

// replayWhere says where in the replay a finding was made.
func replayWhere(file *sequences.ReplayFile, fd sequences.ReplayFinding) string {
	switch {
	case file.Schema != nil:
		return "the case"
	case fd.Step == 0 || fd.Step > len(file.Steps):
		return "the final reconciliation"
	}
	return fmt.Sprintf("step %d (%s)", fd.Step, file.Steps[fd.Step-1].Op)
}

// replayTarget is how "scimloop replay" reaches the server "run" tested.
func replayTarget(f runFlags) string {
	if f.url != "" {
		return "--url " + f.url
	}
	var flags []string
	if len(f.faults) > 0 {
		flags = append(flags, "--fault "+strings.Join(f.faults, ","))
	}
	if len(f.personas) > 0 {
		flags = append(flags, "--personality "+strings.Join(f.personas, ","))
	}
	if len(flags) > 0 {
		return strings.Join(flags, " ")
	}
	return "(the embedded server)"
}
