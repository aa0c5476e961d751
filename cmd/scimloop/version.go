package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/harness"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the harness and catalogue versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "scimloop %s (catalogue %s)\n", harness.Version, harness.CatalogueVersion)
			return nil
		},
	}
}
