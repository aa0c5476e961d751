package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/assertions"
)

// listedCheck is the JSON shape of one catalogue entry.
type listedCheck struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Level      string   `json:"level"`
	RFC        string   `json:"rfc"`
	Spec       []string `json:"spec"`
	Capability string   `json:"capability"`
	Area       string   `json:"area"`
	Rule       string   `json:"rule"`
}

func newListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the check catalogue",
		Example: `  scimloop list
  scimloop list --json | jq '.[] | select(.level == "MUST") | .id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			checks := assertions.All()
			if asJSON {
				list := make([]listedCheck, 0, len(checks))
				for _, c := range checks {
					list = append(list, listedCheck{ID: c.ID, Title: c.Title, Level: string(c.Level), RFC: c.RFC,
						Spec: c.Spec, Capability: c.Capability, Area: c.Area, Rule: c.Rule})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLEVEL\tRFC\tCAPABILITY\tSPEC\tTITLE")
			for _, c := range checks {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Level, c.RFC, dash(c.Capability), strings.Join(c.Spec, ","), c.Title)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the catalogue as a JSON array")
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
