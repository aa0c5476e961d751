package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/profiles"
	"github.com/scimloop/scimloop/reports"
)

// printProfile prints what the certification profile p runs: the document
// it implements, dialects, seeds, the checks it selects with their level
// under it, and its parity table.
func printProfile(out io.Writer, p profiles.Profile) error {
	fmt.Fprintf(out, "profile:    %s — %s\n", p.Name, p.Title)
	fmt.Fprintf(out, "implements: %s\n", p.Implements)
	fmt.Fprintf(out, "source:     %s\n", p.Source)
	fmt.Fprintf(out, "dialects:   %s\n", strings.Join(p.Dialects, ", "))
	fmt.Fprintf(out, "seeds:      %s\n", seedList(p.Seeds))
	fmt.Fprintf(out, "passes on:  %s\n", p.ServeCommand())
	if len(p.Omit) > 0 {
		fmt.Fprintf(out, "leaves out: %s\n", strings.Join(p.Omit, ", "))
	}
	for _, id := range p.Overridden() {
		fmt.Fprintf(out, "override:   %s is %s under this profile: %s\n", id, p.Levels[id], p.Why[id])
	}
	n := 0
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nCHECK\tLEVEL\tAREA")
	for _, c := range assertions.All() {
		if !p.Selects(c.ID, c.Area) {
			continue
		}
		n++
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.ID, p.Level(c.ID, c.Level), c.Area)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d checks\n", n)
	if len(p.Parity) > 0 {
		fmt.Fprintln(out)
		rows := make([]reports.ParityRow, 0, len(p.Parity))
		for _, t := range p.Parity {
			rows = append(rows, reports.ParityRow{Test: t.Test, Checks: t.Checks, Result: "-", Note: t.Note})
		}
		return writeParity(out, rows)
	}
	return nil
}

// printCertification prints the profile a certification followed and, when
// it has one, its parity table with each row's result.
func printCertification(out io.Writer, run *reports.Run) {
	c := run.Certification
	if c == nil {
		return
	}
	fmt.Fprintf(out, "profile %s: implements %s\n", c.Profile, c.Implements)
	if len(c.Parity) > 0 {
		writeParity(out, c.Parity)
	}
}

// writeParity prints "their test → our checks → result" rows, then why
// each row without checks is not judged.
func writeParity(out io.Writer, rows []reports.ParityRow) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "THEIR TEST OR RULE\tOUR CHECKS\tRESULT")
	for _, r := range rows {
		checks := strings.Join(r.Checks, ",")
		if checks == "" {
			checks = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Test, checks, r.Result)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if len(r.Checks) == 0 && r.Note != "" {
			fmt.Fprintf(out, "  %s: %s\n", r.Test, r.Note)
		}
	}
	return nil
}
