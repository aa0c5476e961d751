package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/internal/refserver"
)

const personalitiesUsage = `List the reference server's personalities, one per line: name, then
what it does.

A personality is a limitation of a real SCIM server that RFC 7643 and
RFC 7644 allow, unlike a fault: a run against it should pass. They combine,
and apply to the embedded server of run, certify and replay, and to serve.`

func newPersonalitiesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "personalities",
		Short: "List the reference server's personalities: correct but limited real-server behaviours",
		Long:  personalitiesUsage,
		Example: `  scimloop personalities
  scimloop run --personality filters-eq-and-only,patch-204
  scimloop serve --personality strict-schemas`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, p := range refserver.Personalities() {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", p.Name, p.Description)
			}
			return nil
		},
	}
}

// registerPersonality registers --personality, for the embedded server.
func (f *runFlags) registerPersonality(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&f.personas, "personality", nil, "with the embedded server: take on named personalities, correct but limited servers (see scimloop personalities)")
}

// personalityWithURL is the usage error for --personality with --url.
func (f *runFlags) personalityWithURL() error {
	if len(f.personas) == 0 {
		return nil
	}
	return usageErr("--personality applies to the embedded server only; start one with: scimloop serve --personality %s", strings.Join(f.personas, ","))
}
