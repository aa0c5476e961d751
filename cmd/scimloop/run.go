package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/redact"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// runFlags are the flags of "scimloop run".
type runFlags struct {
	url          string
	out          string
	tokenFile    string
	headers      []string
	insecureHTTP bool
	timeout      time.Duration
	maxBody      int64
	strict       bool
	dialect      string
	only, skip   []string
	seed         int64
	faults       []string
	personas     []string // --personality: limitations of real servers for the embedded server
	quiet        bool
	profile      string // certify --profile (profile.go)
	maxResources int
	rps          float64
	conn         connFlags // TLS trust, client certificates, OAuth2 (connect.go)
	seq          seqFlags  // budget of the property-based sequences (replay.go)
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the checks against a SCIM server (the embedded reference server by default)",
		Long: `Run scimloop's scenarios against a SCIM 2.0 service provider and write
results.json (the canonical result), junit.xml, report.html, summary.md and
trace.har to --out. With $GITHUB_STEP_SUMMARY set, the Markdown summary is
also appended to that file. On a terminal a progress line shows the
scenario and the checks passed and failed so far (not with --quiet).

Without --url it starts the embedded reference server on a free loopback port
and tests that. Credentials come from SCIMLOOP_TOKEN (a bearer token),
--token-file, or --header "Authorization: ...". Plain http is allowed only to
loopback hosts unless --insecure-http is given.

Before any check, one authenticated GET /Users makes sure the credentials
work, and /ServiceProviderConfig must answer as SCIM; otherwise the run stops
without judging anything and says how to fix it.

Exit codes: 0 every MUST-level check passed (SHOULD failures are warnings
unless --strict); 1 a MUST-level failure; 2 a usage error (also: the server
wants credentials and none were given, or --url is not the SCIM base and a
better one was found); 3 the target could not be reached, refused the
credentials given, or the run could not complete (also when the harness itself
failed: a panic or an internal error, named in the report).`,
		Example: `  scimloop run
  SCIMLOOP_TOKEN=... scimloop run --url https://scim.example.com/scim/v2 --out report
  scimloop run --fault ignore-if-match --only conditional-requests
  scimloop run --dialect entra-legacy --fault legacy-remove-removes-all
  scimloop run --dialect all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRun(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f, os.Args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "SCIM base URL of the server under test (default: the embedded reference server)")
	fl.StringVar(&f.out, "out", "./scimloop-report", "directory for the reports: results.json, junit.xml, report.html, summary.md, trace.har")
	f.registerClient(cmd)
	fl.BoolVar(&f.strict, "strict", false, "make SHOULD-level failures fail the run")
	fl.StringVar(&f.dialect, "dialect", "rfc", "request dialect: rfc, entra, entra-legacy, okta, or all (every dialect, plus a convergence check); IdP-compatibility failures fail the run unless rfc")
	fl.StringSliceVar(&f.only, "only", nil, "run only these scenarios (comma-separated)")
	fl.StringSliceVar(&f.skip, "skip", nil, "skip these scenarios (comma-separated)")
	fl.Int64Var(&f.seed, "seed", 1, "seed for generated values")
	fl.StringSliceVar(&f.faults, "fault", nil, "with the embedded server: enable named faults (see scimloop faults)")
	f.registerPersonality(cmd)
	fl.BoolVar(&f.quiet, "quiet", false, "print only the verdict line")
	f.seq.register(cmd)
	return cmd
}

// connection is where the requests go and how: the target, the client
// options (credentials, limits, TLS), the secrets to keep out of every output,
// the base of reproduce commands, and what stops an embedded server.
type connection struct {
	target  harness.Target
	opts    []fakeidp.Option
	secrets []string
	repro   string
	stop    func()
	// credentials says whether any were given (always, for the embedded server).
	credentials bool
}

// resolveTarget connects to --url, or, without it, starts the embedded
// reference server with faults and a random token. A URL that the client
// would refuse (plain http to a remote host, say) is a usage error.
func (f runFlags) resolveTarget(stderr io.Writer, faults []string) (connection, error) {
	opts, secrets, err := authOptions(f)
	if err != nil {
		return connection{}, err
	}
	opts = append(opts, fakeidp.WithTimeout(f.timeout), fakeidp.WithMaxBody(f.maxBody), fakeidp.WithRateLimit(f.rps))
	if f.insecureHTTP {
		opts = append(opts, fakeidp.WithInsecureHTTP())
		fmt.Fprintln(stderr, "scimloop: warning: --insecure-http: requests and credentials may travel unencrypted")
	}
	if f.url != "" {
		if len(faults) > 0 {
			return connection{}, usageErr("--fault applies to the embedded server only; start a faulty server with: scimloop serve --fault %s", strings.Join(faults, ","))
		}
		if err := f.personalityWithURL(); err != nil {
			return connection{}, err
		}
		if _, err := fakeidp.NewClient(f.url, opts...); err != nil {
			return connection{}, usageErr("%v", err)
		}
		return connection{target: harness.Target{URL: f.url}, opts: opts, secrets: secrets,
			repro: "scimloop run --url " + safeURL(f.url, secrets), stop: func() {}, credentials: len(secrets) > 0}, nil
	}
	token := randomToken()
	u, stop, err := startEmbedded(token, faults, f.personas)
	if err != nil {
		return connection{}, err
	}
	repro := "scimloop run"
	if len(faults) > 0 {
		repro += " --fault " + strings.Join(faults, ",")
	}
	if len(f.personas) > 0 {
		repro += " --personality " + strings.Join(f.personas, ",")
	}
	return connection{target: harness.Target{URL: u}, opts: append(opts, fakeidp.WithBearer(token)),
		secrets: append(secrets, token), repro: repro, stop: stop, credentials: true}, nil
}

// registerClient registers the flags that say how to reach the server and how
// hard to load it, shared by run and certify.
func (f *runFlags) registerClient(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.tokenFile, "token-file", "", "read the bearer token from this file")
	fl.StringArrayVar(&f.headers, "header", nil, `extra request header "Name: value" (repeatable), e.g. "Authorization: Basic ..."`)
	fl.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow plain http (and credentials over it) to non-loopback hosts")
	fl.DurationVar(&f.timeout, "timeout", fakeidp.DefaultTimeout, "timeout for each request, body included")
	fl.Int64Var(&f.maxBody, "max-body", fakeidp.DefaultMaxBody, "largest response body accepted, in bytes (at most 1 GiB)")
	fl.IntVar(&f.maxResources, "max-resources", 0, "cap on resources a run may create, Bulk included (0: no cap)")
	fl.Float64Var(&f.rps, "rps", 0, "cap on requests per second (0: no cap)")
	f.conn.register(cmd) // TLS trust, client certificates, OAuth2
}

func runRun(parent context.Context, stdout, stderr io.Writer, f runFlags, argv []string) error {
	if parent == nil {
		parent = context.Background()
	}
	if f.dialect != fakeidp.DialectAll {
		if _, err := fakeidp.ParseDialect(f.dialect); err != nil {
			return usageErr("--dialect: %v", err)
		}
	}
	if err := f.seq.validate(); err != nil {
		return err
	}
	conn, err := f.resolveTarget(stderr, f.faults)
	if err != nil {
		return err
	}
	defer conn.stop()
	target, clientOpts, secrets, reproBase := conn.target, conn.opts, conn.secrets, conn.repro
	if f.seed != 1 {
		reproBase += fmt.Sprintf(" --seed %d", f.seed)
	}

	ctx, abort, stopSignals := interruptible(parent, stderr)
	defer stopSignals()

	opts := []harness.Option{
		harness.WithClientOptions(clientOpts...), harness.WithSeed(f.seed), harness.WithDialect(f.dialect),
		harness.WithOnly(f.only...), harness.WithSkip(f.skip...), harness.WithMaxResources(f.maxResources),
		harness.WithAbort(abort), harness.WithCommand(redactArgs(argv, secrets), reproBase),
	}
	if f.strict {
		opts = append(opts, harness.WithStrict())
	}
	var seqReplays replays
	opts = append(opts, f.seq.options(target.URL, f.out, &seqReplays)...)
	var bar *progressLine
	if wantProgress(stdout, stderr, f.quiet) {
		bar = newProgressLine(stderr)
		opts = append(opts, harness.WithProgress(bar.event))
	}
	run, runErr := harness.Execute(ctx, target, opts...)
	bar.clear()
	if err := writeReports(f.out, run); err != nil {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("writing reports: %v", err)}
	}
	if err := appendStepSummary(func(w io.Writer) error { return reports.WriteMarkdown(w, run) }); err != nil {
		fmt.Fprintln(stderr, "scimloop: warning:", err)
	}
	printSummary(stdout, run, f.out, f.quiet)
	seqReplays.print(stdout, run.Feedback, replayTarget(f), f.quiet)
	if err := harnessExit(runErr); err != nil {
		return err
	}
	switch {
	case run.Verdict.MustFailures > 0:
		return &exitError{code: exitFailed, err: errors.New("")}
	case runErr != nil:
		if err, ok := preflightExit(runErr, conn.credentials, secrets); ok {
			return err // nothing was judged; the message names the fix
		}
		return &exitError{code: exitIncomplete, err: runErr}
	case run.Verdict.Errored > 0:
		return &exitError{code: exitIncomplete, err: fmt.Errorf("%d checks could not be judged (status error); see %s", run.Verdict.Errored, filepath.Join(f.out, "results.json"))}
	}
	return nil
}

// authOptions builds the client's credentials from SCIMLOOP_TOKEN,
// --token-file and --header, and returns the secrets to keep out of output.
func authOptions(f runFlags) ([]fakeidp.Option, []string, error) {
	var opts []fakeidp.Option
	var secrets []string
	token := os.Getenv("SCIMLOOP_TOKEN")
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return nil, nil, usageErr("--token-file: %v", err)
		}
		token = strings.TrimSpace(string(b))
		if token == "" {
			return nil, nil, usageErr("--token-file %s is empty", f.tokenFile)
		}
	}
	if token != "" {
		opts = append(opts, fakeidp.WithBearer(token))
		secrets = append(secrets, token)
	}
	for _, h := range f.headers {
		name, value, ok := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return nil, nil, usageErr("--header %q: want \"Name: value\"", h)
		}
		opts = append(opts, fakeidp.WithHeader(name, value))
		secrets = append(secrets, value)
	}
	more, moreSecrets, err := f.conn.options(hasAuth(token, f.headers), f.insecureHTTP)
	if err != nil {
		return nil, nil, err
	}
	return append(opts, more...), append(secrets, moreSecrets...), nil
}

// redactArgs renders the command line with secret header values removed.
func redactArgs(argv, secrets []string) string {
	secrets = redact.Secrets(1, secrets...)
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = redact.String(a, secrets)
	}
	if len(out) > 0 {
		out[0] = "scimloop"
	}
	return strings.Join(out, " ")
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startEmbedded serves the reference server on a free loopback port.
func startEmbedded(token string, faults, personalities []string) (string, func(), error) {
	srv, err := refserver.New(refserver.Config{Token: token, BasePath: basePath, Faults: faults, Personalities: personalities, Seed: 1})
	if errors.Is(err, refserver.ErrUnknownFault) {
		return "", nil, usageErr("%v (see scimloop faults)", err)
	} else if err != nil {
		return "", nil, usageErr("%v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, &exitError{code: exitIncomplete, err: fmt.Errorf("starting the embedded server: %v", err)}
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String() + basePath, stop, nil
}

// reportFiles are the files "run" writes, by report format.
var reportFiles = []struct{ format, name string }{
	{"json", "results.json"},
	{"junit", "junit.xml"},
	{"html", "report.html"},
	{"md", "summary.md"},
	{"har", "trace.har"},
}

func writeReports(dir string, run *reports.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, rf := range reportFiles {
		if err := writeFile(filepath.Join(dir, rf.name), func(w io.Writer) error { return reports.Render(rf.format, w, run) }); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes through a temporary file and renames it into place.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".scimloop-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// printFailures prints the first line of each failed check's first
// finding and the curl commands that reproduce it (the token from
// $SCIMLOOP_TOKEN); a check that failed or could not be judged only because
// another failed is printed under that root cause, not as a failure of its own.
func printFailures(w io.Writer, run *reports.Run) {
	roots, under := reports.GroupByCause(run)
	for _, c := range roots {
		if c.Status != reports.StatusFail || len(c.Findings) == 0 {
			continue
		}
		first := strings.SplitN(c.Findings[0].Message, "\n", 2)[0]
		fmt.Fprintf(w, "  FAIL %-6s %s\n", c.Level, first)
		for _, cmd := range c.Findings[0].Curl {
			fmt.Fprintf(w, "         curl: %s\n", cmd)
		}
		for _, d := range under[c.ID] {
			fmt.Fprintf(w, "       caused by %s: %s %s %s\n", c.ID, strings.ToUpper(string(d.Status)), d.Level, d.ID)
		}
	}
}

func printSummary(w io.Writer, run *reports.Run, out string, quiet bool) {
	fmt.Fprintln(w, run.Summary())
	if quiet {
		return
	}
	if line := run.FilterLine(); line != "" {
		fmt.Fprintln(w, line)
	}
	for _, e := range run.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	printFailures(w, run)
	for _, l := range run.Leftovers {
		fmt.Fprintf(w, "  leftover: %s %s (%s): %s\n", l.Type, l.ID, l.Name, l.Error)
	}
	names := make([]string, len(reportFiles))
	for i, rf := range reportFiles {
		names[i] = filepath.Join(out, rf.name)
	}
	fmt.Fprintf(w, "reports: %s\n", strings.Join(names, ", "))
}
