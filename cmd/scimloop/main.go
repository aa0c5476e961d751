// Command scimloop is the SCIM 2.0 conformance and feedback-loop harness.
//
//	scimloop run [--url URL]        run the checks (embedded reference server by default)
//	scimloop certify --out DIR      certify with the fixed profile and write an evidence bundle
//	scimloop report FILE --format F render a report (html, junit, md, har, json) from results.json
//	scimloop cleanup --url URL --prefix P  delete what a killed run left (only names with its prefix)
//	scimloop serve --addr ADDR      serve the reference SCIM server
//	scimloop list [--json]          print the check catalogue
//	scimloop faults                 list the reference server's faults
//	scimloop watch --url URL        watch a live tenant: canaries, metrics, alerts
//	scimloop reconcile --url URL --source FILE  report drift against a source of truth (read-only)
//
// Exit codes: 0 every MUST-level check passed; 1 a MUST-level failure;
// 2 a usage or configuration error; 3 the target could not be reached or the
// run could not complete.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK         = 0
	exitFailed     = 1
	exitUsage      = 2
	exitIncomplete = 3
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs the command line args and returns the exit code.
func execute(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "scimloop:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown flags, commands, arguments.
	fmt.Fprintln(stderr, "scimloop:", err)
	return exitUsage
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "scimloop",
		Short: "SCIM 2.0 conformance and feedback-loop harness",
		Long: `scimloop plays an identity provider against a SCIM 2.0 service provider:
it provisions users and groups, confirms every change by reading it back,
checks status codes, ETags and meta over time, and reports every failure
with the request, the response, the rule and the RFC section.

With no --url, "scimloop run" tests the embedded reference server.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr("%v (see %s --help)", err, c.CommandPath()) })
	root.AddCommand(newRunCmd(), newServeCmd(), newListCmd(), newFaultsCmd(), newPersonalitiesCmd(), newVersionCmd())
	root.AddCommand(newCertifyCmd(), newReportCmd())
	root.AddCommand(newCleanupCmd())
	root.AddCommand(newReplayCmd())
	root.AddCommand(newWatchCmd())
	root.AddCommand(newReconcileCmd())
	return root
}
