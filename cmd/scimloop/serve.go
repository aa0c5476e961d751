package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/internal/refserver"
)

// basePath is where the reference server serves SCIM.
const basePath = "/scim/v2"

func newServeCmd() *cobra.Command {
	var (
		addr    string
		token   string
		faults  []string
		without []string
		persona []string
		seed    int64
		preload refserver.Preload
		interop bool
		limit   bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the reference SCIM 2.0 server (in memory) under /scim/v2",
		Long: `Serve scimloop's reference SCIM 2.0 service provider: an in-memory server
with Users (and the enterprise extension), Groups, filters, sorting, paging,
PATCH, PUT, Bulk, ETags and the discovery endpoints, under the path /scim/v2.

It is useful on its own for IdP-side development, and with --fault it plays a
buggy server so you can see what scimloop reports. With --without it plays a
correct server that lacks optional features: it advertises them as unsupported
in /ServiceProviderConfig, answers PATCH, /Bulk, filters and password changes
with 501, ignores sortBy, and has no ETags. With --personality it plays a
correct but limited real server (see scimloop personalities). With
--interop-profile and --rate-limit it keeps the certification profiles' own
rules (certify --profile interop, ipsie; scimloop list --profile NAME prints
the serve command each passes on).`,
		Example: `  scimloop serve --addr 127.0.0.1:8080
  scimloop serve --addr 127.0.0.1:8080 --token s3cret --fault ignore-if-match
  scimloop serve --addr 127.0.0.1:8080 --without filter,etag
  scimloop serve --addr 127.0.0.1:8080 --personality filters-eq-and-only,integer-ids`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				token = os.Getenv("SCIMLOOP_SERVE_TOKEN")
			}
			srv, err := refserver.New(refserver.Config{Token: token, BasePath: basePath, Faults: faults, Without: without, Personalities: persona, Seed: seed,
				InteropProfile: interop, RateLimit: limit})
			if errors.Is(err, refserver.ErrUnknownFault) {
				return usageErr("%v (see scimloop faults)", err)
			} else if err != nil {
				return usageErr("%v", err)
			}
			if err := preloadServer(cmd.OutOrStdout(), srv, preload, seed); err != nil {
				return usageErr("%v", err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErr("listen on %s: %v", addr, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "scimloop: serving SCIM at http://%s%s\n", ln.Addr(), basePath)
			return serveUntilSignal(ln, srv)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (keep it on loopback)")
	cmd.Flags().StringVar(&token, "token", "", "require this bearer token (or set SCIMLOOP_SERVE_TOKEN)")
	cmd.Flags().StringSliceVar(&faults, "fault", nil, "enable named faults, comma-separated (see scimloop faults)")
	cmd.Flags().StringSliceVar(&without, "without", nil, "capabilities to lack, comma-separated: "+strings.Join(refserver.Capabilities(), ", "))
	cmd.Flags().StringSliceVar(&persona, "personality", nil, "limitations of real servers to take on, comma-separated (see scimloop personalities)")
	cmd.Flags().BoolVar(&interop, "interop-profile", false, "keep draft-zollner-scim-interop-profile's own rules: claim interopProfileConformant, refuse PATCH operations without path (400 invalidSyntax)")
	cmd.Flags().BoolVar(&limit, "rate-limit", false, "rate-limit: answer about one request in five with 429 and Retry-After (seeded; a retry is never limited twice in a row)")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed for random faults such as flaky-5xx, and for --preload-* memberships")
	cmd.Flags().IntVar(&preload.Users, "preload-users", 0, "start with this many generated users (for reconcile demos and benchmarks)")
	cmd.Flags().IntVar(&preload.Groups, "preload-groups", 0, "start with this many generated groups")
	cmd.Flags().IntVar(&preload.MembersPerGroup, "members-per-group", 0, "members of each preloaded group, drawn with --seed")
	cmd.Flags().IntVar(&preload.Drift, "drift", 0, "perturb the preloaded state N times in each reconcile drift class (see README: Reconciling a tenant)")
	return cmd
}

// preloadServer fills srv as the --preload-* flags ask.
func preloadServer(out io.Writer, srv *refserver.Server, p refserver.Preload, seed int64) error {
	if p == (refserver.Preload{}) {
		return nil
	}
	p.Seed = seed
	start := time.Now()
	if err := srv.Preload(p); err != nil {
		return err
	}
	fmt.Fprintf(out, "scimloop: preloaded %d users, %d groups (%d members each, seed %d, drift %d) in %s\n",
		p.Users, p.Groups, p.MembersPerGroup, seed, p.Drift, time.Since(start).Round(time.Millisecond))
	return nil
}

func serveUntilSignal(ln net.Listener, h http.Handler) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := hs.Shutdown(sctx)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}
