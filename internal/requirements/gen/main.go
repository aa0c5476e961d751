// Command gen regenerates internal/requirements/rows.tsv from the
// requirements catalogue:
//
//	go run ./internal/requirements/gen -out internal/requirements/rows.tsv
//
// It reads docs/requirements.md unless -in names another file.
//
// Warnings about rows it cannot classify go to stderr; the exit status is 1
// only when the catalogue cannot be read or holds no rows.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/scimloop/scimloop/internal/requirements"
)

func main() {
	in := flag.String("in", "docs/requirements.md", "requirements catalogue (markdown)")
	out := flag.String("out", "internal/requirements/rows.tsv", "output file; - for stdout")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, warnings, err := requirements.ParseMarkdown(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(os.Stderr, "warning: %s:%s\n", in, w[len("line "):])
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no requirement rows found", in)
	}
	data := requirements.FormatTSV(rows)
	if out == "-" {
		_, err = os.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %d rows to %s\n", len(rows), out)
	return nil
}
