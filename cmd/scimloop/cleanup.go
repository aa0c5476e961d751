package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

func newCleanupCmd() *cobra.Command {
	var (
		f      runFlags
		prefix string
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "cleanup --url URL --prefix scimloop-<run id>-",
		Short: "Delete what a killed run left on a server: only resources named with its prefix",
		Long: `Delete the Users and Groups a scimloop run left behind (a run killed with
SIGKILL, or one whose cleanup was aborted), and nothing else.

The prefix is the run's, as results.json shows it ("prefix":
"scimloop-k3x9q2-"); anything else is refused, so a typo cannot wipe a
tenant. Resources are listed with a "sw" filter on userName and
displayName, every listed name is checked again here (servers that ignore
the filter list everything), and each resource is read back before it is
deleted, so a server that lists wrong ids cannot make cleanup delete
someone else's resource. Groups go first, then users.

Credentials and TLS options are those of "scimloop run".

Exit codes: 0 nothing of the prefix is left; 2 a usage error; 3 something
could not be listed or deleted (listed on stderr).`,
		Example: `  SCIMLOOP_TOKEN=... scimloop cleanup --url https://scim.example.com/scim/v2 --prefix scimloop-k3x9q2-
  scimloop cleanup --url http://127.0.0.1:8080/scim/v2 --prefix scimloop-k3x9q2- --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCleanup(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f, prefix, dryRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "SCIM base URL of the server (required)")
	fl.StringVar(&prefix, "prefix", "", `the run prefix to delete, e.g. "scimloop-k3x9q2-" (required; see results.json "prefix")`)
	fl.BoolVar(&dryRun, "dry-run", false, "list what would be deleted, delete nothing")
	fl.StringVar(&f.tokenFile, "token-file", "", "read the bearer token from this file (default: $SCIMLOOP_TOKEN)")
	fl.StringArrayVar(&f.headers, "header", nil, `extra request header "Name: value" (repeatable)`)
	fl.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow plain http (and credentials over it) to non-loopback hosts")
	fl.DurationVar(&f.timeout, "timeout", fakeidp.DefaultTimeout, "timeout for each request, body included")
	fl.Float64Var(&f.rps, "rps", 0, "cap on requests per second (0: no cap)")
	f.conn.register(cmd)
	return cmd
}

func runCleanup(parent context.Context, stdout, stderr io.Writer, f runFlags, prefix string, dryRun bool) error {
	if parent == nil {
		parent = context.Background()
	}
	if f.url == "" {
		return usageErr("cleanup needs --url")
	}
	if err := safety.CheckSweepPrefix(prefix); err != nil {
		return usageErr("--prefix: %v", err)
	}
	opts, _, err := authOptions(f)
	if err != nil {
		return err
	}
	opts = append(opts, fakeidp.WithTimeout(f.timeout), fakeidp.WithMaxBody(fakeidp.DefaultMaxBody), fakeidp.WithRateLimit(f.rps))
	if f.insecureHTTP {
		opts = append(opts, fakeidp.WithInsecureHTTP())
	}
	c, err := fakeidp.NewClient(f.url, opts...)
	if err != nil {
		return usageErr("%v", err)
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	rep := safety.Sweep(ctx, c, prefix, safety.SweepOptions{DryRun: dryRun, Cursor: safety.PrefersCursors(ctx, c)})

	verb := "deleted"
	if dryRun {
		verb = "would delete"
	}
	for _, d := range rep.Deleted {
		fmt.Fprintf(stdout, "%s %s %s (%s)\n", verb, d.Type, d.ID, d.Name)
	}
	for _, r := range rep.Refused {
		fmt.Fprintf(stdout, "left alone %s %s (%s): %s\n", r.Type, r.ID, r.Name, c.Recorder().Scrub(r.Error))
	}
	for _, l := range rep.Left {
		fmt.Fprintf(stderr, "could not delete %s %s (%s): %s\n", l.Type, l.ID, l.Name, c.Recorder().Scrub(l.Error))
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(stderr, "error: %s\n", c.Recorder().Scrub(e))
	}
	fmt.Fprintf(stdout, "scimloop cleanup %s: %d %s, %d not deleted, %d left alone (not this run's), in %s\n",
		prefix, len(rep.Deleted), verb, len(rep.Left), len(rep.Refused), time.Since(start).Round(time.Millisecond))
	if len(rep.Left) > 0 || len(rep.Errors) > 0 {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("cleanup of %s is incomplete: %d resources not deleted, %d errors", prefix, len(rep.Left), len(rep.Errors))}
	}
	return nil
}
