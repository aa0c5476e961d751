package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/reconcile"
	"github.com/scimloop/scimloop/reports"
)

type reconcileFlags struct {
	conn         runFlags
	source       string
	export       string
	match        string
	scope        string
	groupScope   string
	search       bool
	strictSource bool
	plan         string
	pageSize     int
	concurrency  int
}

func newReconcileCmd() *cobra.Command {
	var f reconcileFlags
	cmd := &cobra.Command{
		Use:   "reconcile --url URL --source FILE [--out DIR] | --url URL --export FILE",
		Short: "Compare a source of truth with a SCIM server and report the drift (read-only)",
		Long: `Compare what should be (a source of truth: an IdP export as JSON Lines of SCIM
Users and Groups, a SCIM ListResponse, or CSV) with what a SCIM server holds,
and report the drift by class, most risky first:

  access-lingers          active on the server, inactive or absent at the source
  membership-not-granted  a group member the source does not grant (member by member)
  missing                 a source user or group the server does not have
  missing-membership      a membership the source grants that the server lacks
  attribute-drift         an attribute that differs (path: want/got)
  duplicate               two server resources for one source key
  extra                   a server resource in scope that the source does not name

Reconcile only reads: GET, and POST /.search with --search. Users are
matched by externalId when the source row has one, else by userName; groups
by externalId, else displayName; --match forces one key. A group's
members[].value names the member by its match key. Values compare with the
server's /Schemas (names case-insensitive, caseExact, multi-valued as sets
keyed by type and value, readOnly ignored, empty = absent). Anything the
walk did not find is looked up again before it is called missing.

CSV columns (header row required): ` + strings.Join(reconcile.CSVColumns(), ", ") + `.
emails holds values separated by ";" (an e-mail may be
"work:ann@example.com"); active is true/false/yes/no/1/0 or empty.
` + reconcile.CSVGroupsHelp + `

--export FILE writes the server's state as a source (JSON Lines, Users then
Groups, members by match key): reconciling a server against its own export
reports no drift. --plan FILE writes the SCIM requests that would converge
the server, and plan.sh beside it (needs only sh and curl; the token is
read from $SCIMLOOP_TOKEN when it runs); nothing is applied.

With $GITHUB_STEP_SUMMARY set, the Markdown summary is also appended to
that file.

Exit codes: 0 in sync; 1 drift; 2 a usage error (or a bad source row with
--strict-source); 3 incomplete (something could not be read).`,
		Example: `  scimloop reconcile --url http://127.0.0.1:8080/scim/v2 --export tenant.jsonl
  SCIMLOOP_TOKEN=... scimloop reconcile --url https://scim.example.com/scim/v2 --source idp.jsonl --out drift
  scimloop reconcile --url URL --source users.csv --scope 'userName sw "acme-"' --plan drift/plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReconcile(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.conn.url, "url", "", "SCIM base URL of the server (required)")
	fl.StringVar(&f.source, "source", "", "the source of truth: .jsonl/.json (SCIM resources or a ListResponse) or .csv")
	fl.StringVar(&f.export, "export", "", "write the server's state to this file as a source (JSON Lines) instead of reconciling")
	fl.StringVar(&f.conn.out, "out", "scimloop-reconcile", "directory for results.json, summary.md, junit.xml, report.html, trace.har")
	fl.StringVar(&f.match, "match", "", "match key for every row: externalId, userName (groups: displayName) or id (default: externalId, else userName/displayName)")
	fl.StringVar(&f.scope, "scope", reconcile.ScopeAll, `what extras are looked for in: "all", "source" (only what the source names), or a SCIM filter on Users such as 'userName sw "acme-"'`)
	fl.StringVar(&f.groupScope, "scope-groups", "", "with a filter --scope: a SCIM filter on Groups (default: all groups)")
	fl.BoolVar(&f.search, "search", false, "list with POST /.search instead of GET")
	fl.BoolVar(&f.strictSource, "strict-source", false, "a bad source row is fatal (exit 2) instead of counted and reported")
	fl.StringVar(&f.plan, "plan", "", "write the converging SCIM requests to this file (plan.json) and a curl script beside it (.sh)")
	fl.IntVar(&f.pageSize, "page-size", 200, "resources asked per page (count)")
	fl.IntVar(&f.concurrency, "concurrency", 4, "pages and reads in flight")
	fl.Float64Var(&f.conn.rps, "rps", 0, "cap on requests per second (0: no cap)")
	fl.StringVar(&f.conn.tokenFile, "token-file", "", "read the bearer token from this file (default: $SCIMLOOP_TOKEN)")
	fl.StringArrayVar(&f.conn.headers, "header", nil, `extra request header "Name: value" (repeatable)`)
	fl.BoolVar(&f.conn.insecureHTTP, "insecure-http", false, "allow plain http (and credentials over it) to non-loopback hosts")
	fl.DurationVar(&f.conn.timeout, "timeout", fakeidp.DefaultTimeout, "timeout for each request, body included")
	fl.BoolVar(&f.conn.quiet, "quiet", false, "no progress line")
	f.conn.conn.register(cmd)
	return cmd
}

func reconcileClient(f reconcileFlags) (*fakeidp.Client, error) {
	if f.conn.url == "" {
		return nil, usageErr("reconcile needs --url")
	}
	opts, _, err := authOptions(f.conn)
	if err != nil {
		return nil, err
	}
	opts = append(opts, fakeidp.WithTimeout(f.conn.timeout), fakeidp.WithMaxBody(64<<20))
	if f.conn.insecureHTTP {
		opts = append(opts, fakeidp.WithInsecureHTTP())
	}
	c, err := fakeidp.NewClient(f.conn.url, opts...)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return c, nil
}

func runReconcile(parent context.Context, stdout, stderr io.Writer, f reconcileFlags) error {
	if parent == nil {
		parent = context.Background()
	}
	if (f.source == "") == (f.export == "") {
		return usageErr("reconcile needs --source FILE (reconcile) or --export FILE (write a source), not both")
	}
	if f.pageSize <= 0 || f.concurrency <= 0 || f.conn.rps < 0 {
		return usageErr("--page-size and --concurrency must be positive, --rps not negative")
	}
	c, err := reconcileClient(f)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var line *progressLine
	if wantProgress(stdout, stderr, f.conn.quiet) {
		line = newProgressLine(stderr)
		defer line.clear()
	}
	if f.export != "" {
		return runExport(ctx, stdout, c, f, line)
	}
	src, err := readReconcileSource(stderr, f)
	if err != nil {
		return err
	}
	cfg := reconcile.Config{Client: c, Source: src, SourceName: f.source, Scope: f.scope, GroupScope: f.groupScope,
		Search: f.search, PageSize: f.pageSize, Concurrency: f.concurrency, RPS: f.conn.rps, Plan: f.plan != "", Version: harness.Version}
	if line != nil {
		cfg.Progress = func(p reconcile.Progress) { line.draw(reconcileProgressText(p)) }
	}
	rep, err := reconcile.Run(ctx, cfg)
	if err != nil {
		return usageErr("%v", err)
	}
	line.clear()
	if err := writeReconcileReports(f, rep); err != nil {
		return &exitError{code: exitIncomplete, err: err}
	}
	if err := appendStepSummary(func(w io.Writer) error { return reports.WriteReconcileMarkdown(w, &rep.Reconcile) }); err != nil {
		fmt.Fprintln(stderr, "scimloop: warning:", err)
	}
	fmt.Fprintln(stdout, reconcileSummary(rep, f.conn.out))
	switch rep.Verdict {
	case reports.ReconcileIncomplete:
		return &exitError{code: exitIncomplete, err: fmt.Errorf("incomplete: %s", strings.Join(rep.Incomplete, "; "))}
	case reports.ReconcileDrift:
		return &exitError{code: exitFailed, err: errors.New("")}
	}
	return nil
}

// readReconcileSource parses the source; bad rows are listed on stderr
// (the first ten) and fatal only with --strict-source.
func readReconcileSource(stderr io.Writer, f reconcileFlags) (*reconcile.Source, error) {
	fh, err := os.Open(f.source)
	if err != nil {
		return nil, usageErr("--source: %v", err)
	}
	defer fh.Close()
	src, err := reconcile.ReadSource(fh, f.source, f.match)
	if err != nil {
		return nil, usageErr("--source %s: %v", f.source, err)
	}
	for i, e := range src.Errors {
		if i == 10 {
			fmt.Fprintf(stderr, "scimloop: … (all %d in results.json)\n", src.ErrorCount)
			break
		}
		fmt.Fprintf(stderr, "scimloop: %s line %d: %s\n", f.source, e.Line, e.Error)
	}
	if src.ErrorCount > 0 && f.strictSource {
		return nil, usageErr("--strict-source: %s has %d bad rows", f.source, src.ErrorCount)
	}
	return src, nil
}

func reconcileProgressText(p reconcile.Progress) string {
	secs := p.Elapsed.Seconds()
	text := fmt.Sprintf("reconcile %s · %d pages · %d read · %d compared", p.Phase, p.Pages, p.Read, p.Compared)
	if secs > 0.5 && p.Read > 0 {
		rate := float64(p.Read) / secs
		text += fmt.Sprintf(" · %.0f/s", rate)
		if p.Total > p.Read {
			text += " · ETA " + (time.Duration(float64(p.Total-p.Read)/rate) * time.Second).Round(time.Second).String()
		}
	}
	return text
}

func reconcileSummary(rep *reconcile.Report, out string) string {
	var parts []string
	for _, c := range reports.DriftClasses() {
		if n := rep.Counts[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	counts := "no drift"
	if len(parts) > 0 {
		counts = strings.Join(parts, ", ")
	}
	s := rep.Stats
	return fmt.Sprintf("scimloop reconcile: %s · %s · %d users and %d groups read in %.1f s (%d requests) · reports in %s",
		rep.Verdict, counts, s.ServerUsers, s.ServerGroups, rep.Duration, s.Requests, out)
}

func writeReconcileReports(f reconcileFlags, rep *reconcile.Report) error {
	if err := os.MkdirAll(f.conn.out, 0o755); err != nil {
		return err
	}
	for _, fl := range []struct{ name, format string }{
		{"results.json", "json"}, {"summary.md", "md"}, {"junit.xml", "junit"}, {"report.html", "html"}, {"trace.har", "har"},
	} {
		write := func(w io.Writer) error { return reports.RenderReconcile(fl.format, w, &rep.Reconcile) }
		if err := writeFile(filepath.Join(f.conn.out, fl.name), write); err != nil {
			return err
		}
	}
	if f.plan == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(f.plan), 0o755); err != nil {
		return err
	}
	if err := writeFile(f.plan, func(w io.Writer) error { return reconcile.WritePlanJSON(w, rep.Plan) }); err != nil {
		return err
	}
	script := strings.TrimSuffix(f.plan, filepath.Ext(f.plan)) + ".sh"
	return writeFile(script, func(w io.Writer) error { return reconcile.WritePlanScript(w, rep.Plan) })
}

func runExport(ctx context.Context, stdout io.Writer, c *fakeidp.Client, f reconcileFlags, line *progressLine) error {
	fh, err := os.Create(f.export)
	if err != nil {
		return usageErr("--export: %v", err)
	}
	cfg := reconcile.ExportConfig{Client: c, PageSize: f.pageSize, Concurrency: f.concurrency, RPS: f.conn.rps, Search: f.search}
	if line != nil {
		cfg.Progress = func(p reconcile.Progress) { line.draw(reconcileProgressText(p)) }
	}
	start := time.Now()
	st, err := reconcile.Export(ctx, cfg, fh)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	line.clear()
	if err != nil {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("export to %s is incomplete: %v", f.export, err)}
	}
	fmt.Fprintf(stdout, "scimloop reconcile: exported %d users and %d groups (%d memberships) to %s in %.1f s\n",
		st.Users, st.Groups, st.Memberships, f.export, time.Since(start).Seconds())
	return nil
}
