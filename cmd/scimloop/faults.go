package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/internal/refserver"
)

func newFaultsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "faults",
		Short: "List the reference server's named faults: name, kind, description",
		Long: `List the reference server's named faults, one per line:
name<TAB>kind<TAB>description, kind being "conformance" (a run against it
must fail) or "chaos" (it stresses the client; the run must complete).
Enable them with "scimloop serve --fault a,b" or "scimloop run --fault a,b".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, f := range refserver.Faults() {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", f.Name, f.Kind, f.Description)
			}
			return nil
		},
	}
}
