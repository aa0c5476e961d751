package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/profiles"
)

// listedCheck is the JSON shape of one catalogue entry.
type listedCheck struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Level      string   `json:"level"`
	Keyword    string   `json:"keyword"`           // the RFC sentence's keyword, DERIVED or IDP
	Derived    string   `json:"derived,omitempty"` // for DERIVED: why the level holds
	RFC        string   `json:"rfc"`
	Spec       []string `json:"spec"`
	Capability string   `json:"capability"`
	Area       string   `json:"area"`
	Rule       string   `json:"rule"`
	Aliases    []string `json:"aliases,omitempty"` // former IDs of the check
}

func newListCmd() *cobra.Command {
	var asJSON, uncovered, allLevels bool
	var profile string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the check catalogue, or the requirement rows no check covers",
		Long: `Print the check catalogue: each check's id, level, the keyword of the RFC
sentence it enforces, RFC section, the requirement rows of
docs/requirements.md it covers, and the server capability it needs.
A DERIVED check has no single sentence carrying its level; its line ends with
the justification. IDP checks cite the identity provider's behaviour instead.

With --uncovered, print instead every MUST and SHOULD row of the PROTO,
DISC and SCHEMA areas that no check names, each with the reason (a second
credential is needed, it is not observable from outside, or no check yet),
followed by the coverage. --all-levels widens that to every row whose
failure weighs MUST or SHOULD, DECL and DERIVED rows included.`,
		Example: `  scimloop list
  scimloop list --json | jq '.[] | select(.level == "MUST") | .id'
  scimloop list --uncovered
  scimloop list --profile entra-gallery
  scimloop list --uncovered --all-levels --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if profile != "" {
				p, err := profiles.Lookup(profile)
				if err != nil {
					return usageErr("--profile: %v", err)
				}
				return printProfile(out, p)
			}
			if uncovered {
				return listUncovered(out, asJSON, allLevels)
			}
			if allLevels {
				return usageErr("--all-levels applies to --uncovered")
			}
			checks := assertions.All()
			if asJSON {
				list := make([]listedCheck, 0, len(checks))
				for _, c := range checks {
					list = append(list, listedCheck{ID: c.ID, Title: c.Title, Level: string(c.Level), Keyword: c.Keyword, Derived: c.Derived,
						RFC: c.RFC, Spec: c.Spec, Capability: c.Capability, Area: c.Area, Rule: c.Rule, Aliases: c.Aliases})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLEVEL\tKEYWORD\tRFC\tCAPABILITY\tSPEC\tTITLE")
			for _, c := range checks {
				title := c.Title
				if c.Derived != "" {
					title += " [derived: " + c.Derived + "]"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Level, c.Keyword, c.RFC, dash(c.Capability), strings.Join(c.Spec, ","), title)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the catalogue as a JSON array")
	cmd.Flags().BoolVar(&uncovered, "uncovered", false, "print the MUST and SHOULD requirement rows no check covers, with the reason")
	cmd.Flags().StringVar(&profile, "profile", "", "print the certification profile NAME ("+strings.Join(profiles.Names(), ", ")+"): its document, dialects, seeds, checks and parity table")
	cmd.Flags().BoolVar(&allLevels, "all-levels", false, "with --uncovered: every row weighing MUST or SHOULD, DECL and DERIVED included")
	return cmd
}

// uncoveredRow is the JSON shape of one row of list --uncovered.
type uncoveredRow struct {
	ID      string `json:"id"`
	Level   string `json:"level"`
	Section string `json:"section"`
	Gate    string `json:"gate"`
	Reason  string `json:"reason"`
}

// listUncovered prints the requirement rows no check covers and the coverage.
func listUncovered(out io.Writer, asJSON, allLevels bool) error {
	covered, total, rows := assertions.Coverage(allLevels)
	if asJSON {
		list := make([]uncoveredRow, 0, len(rows))
		for _, u := range rows {
			list = append(list, uncoveredRow{ID: u.Row.ID, Level: u.Row.Level, Section: u.Row.Section, Gate: u.Row.Gate, Reason: u.Reason})
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tLEVEL\tSECTION\tREASON")
	for _, u := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Row.ID, u.Row.Level, u.Row.Section, u.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	scope := "counted MUST and SHOULD rows of PROTO, DISC and SCHEMA"
	if allLevels {
		scope = "rows weighing MUST or SHOULD"
	}
	pct := 0.0
	if total > 0 {
		pct = 100 * float64(covered) / float64(total)
	}
	_, err := fmt.Fprintf(out, "coverage: %d of %d %s covered (%.1f%%); %d uncovered\n", covered, total, scope, pct, len(rows))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
