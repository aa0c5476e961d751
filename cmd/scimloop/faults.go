package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/internal/refserver"
)

const faultsUsage = `List the reference server's named faults, one per line:

  name<TAB>kind<TAB>description

Each fault is a realistic bug of real SCIM servers. Its kind says what a run
against it must show:

  conformance  breaks a MUST-level rule: "scimloop run --fault NAME" fails
               (exit 1) on at least one MUST-level check, and results.json
               shows which.
  should       breaks only SHOULD-level rules: a plain run passes with
               warnings (exit 0); "scimloop run --strict --fault NAME" fails
               (exit 1) on a SHOULD-level check.
  idp          breaks only what a real identity provider sends: a run with
               that IdP's dialect (named in the description, or use
               --dialect entra, entra-legacy or okta) fails on an IdP-level
               check, which with a dialect chosen fails the run (exit 1).
  chaos        stresses the client (errors to retry, latency): the run
               completes (exit 0 or 1, never 2 or 3) and the report shows the
               retries and latencies.
  profile      breaks only a rule of a certification profile's document (named
               in the description) that the RFCs leave open: a plain run
               passes; "scimloop certify --profile NAME --url URL" of
               "scimloop serve --fault F" fails on a check of the profile's
               own area.

Enable faults with "scimloop serve --fault a,b" or "scimloop run --fault a,b".

Examples:
  scimloop faults
  scimloop run --fault ignore-if-match
  scimloop run --strict --fault no-scim-content-type
  scimloop run --dialect entra-legacy --fault patch-op-case-sensitive`

func newFaultsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "faults",
		Short: "List the reference server's named faults: name, kind, description",
		Long:  faultsUsage,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, f := range refserver.Faults() {
				desc := f.Description
				if f.Kind == refserver.KindIDP {
					desc += " (dialect " + f.Dialect + ")"
				}
				if f.Kind == refserver.KindProfile {
					desc += " (judged under certify --profile " + f.Profile + ")"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", f.Name, f.Kind, desc)
			}
			return nil
		},
	}
}
