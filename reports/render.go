package reports

import (
	"fmt"
	"io"
	"strings"
)

// writers maps each format name to its writer.
var writers = map[string]func(io.Writer, *Run) error{
	"har":   WriteHAR,
	"html":  WriteHTML,
	"json":  WriteJSON,
	"junit": WriteJUnit,
	"md":    WriteMarkdown,
}

// Formats returns the names of the formats [Render] accepts, sorted.
func Formats() []string {
	return sortedKeys(writers)
}

// Render writes run to w in the named format: "har" ([WriteHAR]), "html"
// ([WriteHTML]), "json" ([WriteJSON]), "junit" ([WriteJUnit]) or "md"
// ([WriteMarkdown]). An unknown format is an error that names the valid ones.
//
// Typical usage:
//
//	if err := reports.Render("junit", f, run); err != nil {
//		return err
//	}
func Render(format string, w io.Writer, run *Run) error {
	write, ok := writers[format]
	if !ok {
		return fmt.Errorf("reports: unknown format %q (valid formats: %s)", format, strings.Join(Formats(), ", "))
	}
	if run == nil {
		return fmt.Errorf("reports: Render(%q): nil Run", format)
	}
	return write(w, run)
}
