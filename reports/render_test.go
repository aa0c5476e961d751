package reports

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestFormats(t *testing.T) {
	want := []string{"har", "html", "json", "junit", "md"}
	if got := Formats(); !slices.Equal(got, want) {
		t.Errorf("Formats() = %q, want %q", got, want)
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	err := Render("pdf", &bytes.Buffer{}, fixtureRun())
	if err == nil {
		t.Fatal(`Render("pdf") = nil error, want an error`)
	}
	for _, f := range append(Formats(), `"pdf"`) {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("Render error %q does not name %s", err, f)
		}
	}
}

func TestRenderDispatches(t *testing.T) {
	run := fixtureRun()
	writers := map[string]func(*bytes.Buffer) error{
		"har":   func(b *bytes.Buffer) error { return WriteHAR(b, run) },
		"html":  func(b *bytes.Buffer) error { return WriteHTML(b, run) },
		"json":  func(b *bytes.Buffer) error { return WriteJSON(b, run) },
		"junit": func(b *bytes.Buffer) error { return WriteJUnit(b, run) },
		"md":    func(b *bytes.Buffer) error { return WriteMarkdown(b, run) },
	}
	for _, f := range Formats() {
		var viaRender, direct bytes.Buffer
		if err := Render(f, &viaRender, run); err != nil {
			t.Fatalf("Render(%q): %v", f, err)
		}
		if err := writers[f](&direct); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(viaRender.Bytes(), direct.Bytes()) {
			t.Errorf("Render(%q) differs from its writer", f)
		}
	}
}

// TestStrictRun checks that in a strict run SHOULD failures count as
// failures in every human-facing writer.
func TestStrictRun(t *testing.T) {
	run := fixtureRun()
	run.Strict = true
	md := renderMarkdown(t, run)
	failing := md[strings.Index(md, "### Failing checks"):strings.Index(md, "### Warnings")]
	if !strings.Contains(failing, "`if-match-412` | SHOULD") {
		t.Errorf("strict run: SHOULD failure not among the failing checks:\n%s", failing)
	}
	junit := string(renderJUnit(t, run))
	if !strings.Contains(junit, `message="SHOULD-level failure, failing the run because it is strict: if-match-412`) {
		t.Error("strict run: JUnit message does not say the SHOULD failure fails the run")
	}
	page := renderHTML(t, run)
	if !strings.Contains(page, `<div class="check" id="check-if-match-412">`) {
		t.Error("strict run: HTML does not list the SHOULD failure as failing")
	}
}
