package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/reconcile"
	"github.com/scimloop/scimloop/watch"
)

// watchFlags are the flags of "scimloop watch".
type watchFlags struct {
	run         runFlags
	cfg         watch.Config
	metricsAddr string
	logFormat   string
	source      reconcileFlags // --source, --match, --scope, --strict-source
}

// sourceReconciler is the reconcile engine as the watcher's Reconciler: the
// tenant against --source, drift counted by class, nothing kept between calls.
type sourceReconciler struct{ cfg reconcile.Config }

func (r sourceReconciler) Reconcile(ctx context.Context) (watch.DriftCounts, error) {
	m, err := reconcile.Counts(ctx, r.cfg)
	return watch.DriftCounts(m), err
}

func newWatchCmd() *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch --url URL",
		Short: "Watch a live tenant: a canary cycle every tick, confirmed, measured, reconciled, alerted",
		Long: `Watch a live SCIM tenant. Every tick (--every) a canary user and group, named
with a watch prefix, live one small life: create, update, add and remove a
member, deactivate, delete. Every mutation is confirmed by reading it back
(polling up to --confirm-timeout, so an eventually consistent server is
measured, not failed). A failed or unconfirmed mutation, a read-back
mismatch, a burst of 5xx answers, a latency spike or a count mismatch is an
anomaly: it is counted, logged, written as a HAR incident file, alerted, and
reconciles what the watcher owns at once.

Metrics and a status page are served on --metrics-addr (/metrics, /). The
state (the canaries owned, so a crash never orphans one, the tick history,
the anomalies) is kept in --state; "scimloop watch status --state FILE"
prints it. The target being down or slow never stops the watcher: it backs
off and says so in scimloop_target_up. SIGTERM or Ctrl-C finishes the
current step, deletes the canaries and exits 0.

Credentials and TLS options are those of "scimloop run".`,
		Example: `  SCIMLOOP_TOKEN=... scimloop watch --url https://scim.example.com/scim/v2 --every 1m --state /var/lib/scimloop/watch.db
  scimloop watch --url http://127.0.0.1:8080/scim/v2 --every 5s --alert-webhook http://127.0.0.1:9000/hook
  scimloop watch status --state /var/lib/scimloop/watch.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWatch(cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.run.url, "url", "", "SCIM base URL of the server to watch (required)")
	fl.StringVar(&f.run.tokenFile, "token-file", "", "read the bearer token from this file (default: $SCIMLOOP_TOKEN)")
	fl.StringArrayVar(&f.run.headers, "header", nil, `extra request header "Name: value" (repeatable)`)
	fl.BoolVar(&f.run.insecureHTTP, "insecure-http", false, "allow plain http (and credentials over it) to non-loopback hosts")
	fl.DurationVar(&f.run.timeout, "timeout", fakeidp.DefaultTimeout, "timeout for each request, body included")
	fl.Float64Var(&f.run.rps, "rps", 0, "cap on requests per second (0: no cap)")
	f.run.conn.register(cmd)
	fl.DurationVar(&f.cfg.Every, "every", watch.DefaultEvery, "tick cadence: one canary cycle per tick")
	fl.DurationVar(&f.cfg.ReconcileEvery, "reconcile-every", watch.DefaultReconcileEvery, "cadence of the reconcile of what the watcher owns")
	fl.DurationVar(&f.cfg.ConfirmTimeout, "confirm-timeout", watch.DefaultConfirmTimeout, "how long a mutation may take to show in a read")
	fl.DurationVar(&f.cfg.LatencyThreshold, "latency-threshold", watch.DefaultLatencyThreshold, "a request slower than this is a latency spike")
	fl.IntVar(&f.cfg.ErrorBurst, "error-burst", watch.DefaultErrorBurst, "this many 5xx or unanswered requests in one tick are a burst")
	fl.IntVar(&f.cfg.Retention, "retention", watch.DefaultRetention, "ticks and anomalies the state keeps")
	fl.DurationVar(&f.cfg.MaxBackoff, "max-backoff", watch.DefaultMaxBackoff, "longest wait between ticks while the target is down")
	fl.StringVar(&f.cfg.StatePath, "state", "scimloop-watch.db", "SQLite state file")
	fl.StringVar(&f.cfg.AlertWebhook, "alert-webhook", "", "post Alertmanager-compatible JSON (firing and resolved) to this URL")
	fl.StringVar(&f.cfg.IncidentDir, "incident-dir", "", "write a HAR file of the last exchanges here when an anomaly fires (default: beside --state)")
	fl.IntVar(&f.cfg.FlightSize, "flight-size", watch.DefaultFlightSize, "exchanges the flight recorder keeps for an incident file")
	fl.StringVar(&f.source.source, "source", "", "also reconcile the tenant against this source of truth at --reconcile-every (see scimloop reconcile)")
	fl.StringVar(&f.source.match, "match", "", "match key for --source: externalId, userName or id (default: externalId, else userName)")
	fl.StringVar(&f.source.scope, "scope", "", `with --source: "all", "source", or a SCIM filter on Users`)
	fl.BoolVar(&f.source.strictSource, "strict-source", false, "with --source: a bad source row is fatal")
	fl.StringVar(&f.metricsAddr, "metrics-addr", "127.0.0.1:9464", `serve /metrics and the status page here ("" for none)`)
	fl.StringVar(&f.logFormat, "log", "json", "log format on stderr: json or text")
	cmd.AddCommand(newWatchStatusCmd())
	return cmd
}

func newWatchStatusCmd() *cobra.Command {
	var (
		state string
		n     int
	)
	cmd := &cobra.Command{
		Use:   "status --state FILE",
		Short: "Print the last ticks and the open anomalies of a watcher's state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(state); err != nil {
				return usageErr("--state: %v", err)
			}
			if err := watch.PrintStatus(cmd.OutOrStdout(), state, n); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&state, "state", "scimloop-watch.db", "SQLite state file of the watcher")
	cmd.Flags().IntVarP(&n, "last", "n", 20, "how many ticks to print")
	return cmd
}

func runWatch(stdout, stderr io.Writer, f watchFlags) error {
	if f.run.url == "" {
		return usageErr("watch needs --url")
	}
	if f.cfg.Every <= 0 || f.cfg.ConfirmTimeout <= 0 || f.cfg.ReconcileEvery <= 0 {
		return usageErr("--every, --confirm-timeout and --reconcile-every must be positive")
	}
	opts, _, err := authOptions(f.run)
	if err != nil {
		return err
	}
	opts = append(opts, fakeidp.WithTimeout(f.run.timeout), fakeidp.WithMaxBody(fakeidp.DefaultMaxBody), fakeidp.WithRateLimit(f.run.rps))
	if f.run.insecureHTTP {
		opts = append(opts, fakeidp.WithInsecureHTTP())
	}
	c, err := fakeidp.NewClient(f.run.url, opts...)
	if err != nil {
		return usageErr("%v", err)
	}
	var h slog.Handler = slog.NewJSONHandler(stderr, nil)
	if f.logFormat == "text" {
		h = slog.NewTextHandler(stderr, nil)
	} else if f.logFormat != "json" {
		return usageErr("--log %q: want json or text", f.logFormat)
	}
	cfg := f.cfg
	cfg.Client, cfg.Log = c, slog.New(h)
	if f.source.source != "" {
		src, err := readReconcileSource(stderr, f.source)
		if err != nil {
			return err
		}
		cfg.Source = sourceReconciler{reconcile.Config{Client: c, Source: src, SourceName: f.source.source, Scope: f.source.scope, Version: harness.Version}}
	}
	if cfg.IncidentDir == "" {
		cfg.IncidentDir = dirOf(cfg.StatePath)
	}
	w, err := watch.New(cfg)
	if err != nil {
		return usageErr("%v", err)
	}
	defer w.Close()
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() { <-sigs; close(stop) }()
	if f.metricsAddr != "" {
		ln, err := net.Listen("tcp", f.metricsAddr)
		if err != nil {
			return usageErr("--metrics-addr %s: %v", f.metricsAddr, err)
		}
		fmt.Fprintf(stdout, "scimloop watch: metrics and status at http://%s/ (canary prefix %s)\n", ln.Addr(), w.Prefix())
		go func() {
			if err := w.Serve(ln, stop); err != nil && !errors.Is(err, net.ErrClosed) {
				cfg.Log.Error("metrics", "error", err.Error())
			}
		}()
	}
	start := time.Now()
	err = w.Run(stop)
	fmt.Fprintf(stdout, "scimloop watch: stopped after %s; canaries deleted\n", time.Since(start).Round(time.Second))
	return err
}

// dirOf is the directory of a file path ("." for a bare name).
func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:max(i, 1)]
		}
	}
	return "."
}
