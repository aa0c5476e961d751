package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/reports"
)

const reportLong = `Render a report from results.json, the canonical result that "scimloop run",
"scimloop certify" and "scimloop reconcile" write. Every other report is
derived from it, so a report can be rendered again later, in any format,
without running again.

Arguments:
  RESULTS   a results.json written by scimloop, or the directory that holds
            it ("-" reads standard input). A certification bundle's
            results.json keeps its exchanges in exchanges.json.gz next to
            it; that file is read too. A reconcile's results.json renders
            as reconcile reports: the drift by class, per-group membership
            tables, one JUnit testcase per drifted resource.

Formats:
  html    one self-contained page: verdict, failing checks, latency histograms
  junit   JUnit XML for CI (the dialect of Jenkins, GitLab and Surefire)
  md      a Markdown summary, e.g. for $GITHUB_STEP_SUMMARY
  har     HAR 1.2 of every recorded exchange, credentials redacted
  json    results.json again (normalised, with the exchanges inline)

The report goes to standard output unless --out names a file.
Exit codes: 0 written; 2 the file cannot be read or is not a scimloop
results.json, or the format is unknown; 3 the output cannot be written.`

func newReportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "report RESULTS --format html|junit|md|har|json [--out FILE]",
		Short: "Render a report (html, junit, md, har, json) from a results.json of run, certify or reconcile",
		Long:  reportLong,
		Example: `  scimloop report scimloop-report/results.json --format html --out report.html
  scimloop report results.json --format md >> "$GITHUB_STEP_SUMMARY"
  scimloop report results.json --format junit --out junit.xml
  scimloop report scimloop-reconcile --format html --out drift.html`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("report takes one results.json, got %d arguments (see scimloop report --help)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.InOrStdin(), cmd.OutOrStdout(), args[0], format, out)
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "report format: "+strings.Join(reports.Formats(), ", "))
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the report to this file instead of standard output")
	return cmd
}

func runReport(stdin io.Reader, stdout io.Writer, path, format, out string) error {
	if !validFormat(format) {
		return usageErr("--format %q: valid formats are %s", format, strings.Join(reports.Formats(), ", "))
	}
	render, err := readReport(stdin, path)
	if err != nil {
		return usageErr("%v", err)
	}
	if out == "" {
		bw := bufio.NewWriter(stdout)
		if err := render(format, bw); err != nil {
			return &exitError{code: exitIncomplete, err: err}
		}
		if err := bw.Flush(); err != nil {
			return &exitError{code: exitIncomplete, err: err}
		}
		return nil
	}
	if err := writeFile(out, func(w io.Writer) error { return render(format, w) }); err != nil {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("writing %s: %v", out, err)}
	}
	return nil
}

func validFormat(format string) bool {
	for _, f := range reports.Formats() {
		if f == format {
			return true
		}
	}
	return false
}

// readReport reads a results.json ("-" is stdin; a directory stands for
// the results.json in it) and returns what renders it: a run's or a
// certification's result, or a reconcile's ("kind": "reconcile").
func readReport(stdin io.Reader, path string) (func(format string, w io.Writer) error, error) {
	name := "standard input"
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		if st, serr := os.Stat(path); serr == nil && st.IsDir() {
			path = filepath.Join(path, "results.json")
		}
		name = path
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	var head struct{ Tool, Kind string }
	if err := json.Unmarshal(data, &head); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s is not valid JSON (at byte %d): %v", name, se.Offset, err)
		}
		return nil, fmt.Errorf("%s is not a scimloop results.json: %v", name, err)
	}
	if head.Tool != "scimloop" {
		return nil, fmt.Errorf("%s is not a scimloop results.json (no \"tool\": \"scimloop\")", name)
	}
	switch head.Kind {
	case "":
		run, err := readResults(data, name, path)
		if err != nil {
			return nil, err
		}
		return func(format string, w io.Writer) error { return reports.Render(format, w, run) }, nil
	case "reconcile":
		rec, err := reports.ReadReconcile(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		return func(format string, w io.Writer) error { return reports.RenderReconcile(format, w, rec) }, nil
	}
	return nil, fmt.Errorf("%s holds a scimloop %q result; report renders the results of run, certify and reconcile", name, head.Kind)
}

// readResults decodes the results.json of a run or a certification, with
// the exchanges a bundle keeps beside it.
func readResults(data []byte, name, path string) (*reports.Run, error) {
	run, err := reports.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not a scimloop results.json: %v", name, err)
	}
	if path == "-" && run.ExchangesFile != "" {
		return nil, fmt.Errorf("%s keeps its exchanges in %s next to it; give the path of the results.json instead of -", name, run.ExchangesFile)
	}
	if err := run.LoadExchanges(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return run, nil
}

// appendStepSummary appends the Markdown summary write writes to the file
// named by $GITHUB_STEP_SUMMARY, when that variable is set, so that GitHub
// Actions shows it on the job's page.
func appendStepSummary(write func(io.Writer) error) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %v", err)
	}
	werr := write(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY %s: %v", path, werr)
	}
	return nil
}
