package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/scimloop/scimloop/harness"
)

// isTerminal reports whether w is a terminal (a character device). Pipes,
// files and buffers are not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// wantProgress reports whether to draw the progress line: not with --quiet,
// and only when both stdout and stderr are terminals, so CI logs and
// redirected output never see carriage returns.
func wantProgress(stdout, stderr io.Writer, quiet bool) bool {
	return !quiet && isTerminal(stdout) && isTerminal(stderr)
}

// progressLine draws one updating status line on a terminal: the scenario,
// its position, and the checks passed and failed so far. Each update
// rewrites the line in place with a carriage return and pads over what the
// previous one left.
type progressLine struct {
	mu     sync.Mutex
	w      io.Writer
	width  int    // longest line drawn, in runes
	max    int    // terminal width budget, in runes
	prefix string // e.g. "[entra, seed 42 · run 3/12] "
	shown  bool
}

func newProgressLine(w io.Writer) *progressLine {
	max := 100
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 20 {
		max = n - 1
	}
	return &progressLine{w: w, max: max}
}

// setPrefix sets text shown before every update, such as the certification
// run's dialect and seed.
func (p *progressLine) setPrefix(s string) {
	p.mu.Lock()
	p.prefix = s
	p.mu.Unlock()
}

// event renders a harness progress event; it is the callback given to
// harness.WithProgress.
func (p *progressLine) event(ev harness.ProgressEvent) {
	p.draw(progressText(ev))
}

// progressText is the status line for one event, without the prefix.
func progressText(ev harness.ProgressEvent) string {
	counts := fmt.Sprintf("%d passed, %d failed, %d requests", ev.Passed, ev.Failed, ev.Requests)
	switch ev.Step {
	case harness.StepDiscovery:
		return "discovering the server (ServiceProviderConfig, ResourceTypes, Schemas)"
	case harness.StepScenarioStart, harness.StepScenarioTick:
		return fmt.Sprintf("scenario %d/%d %s … · %s", ev.Index, ev.Total, ev.Scenario, counts)
	case harness.StepScenarioDone:
		return fmt.Sprintf("scenario %d/%d %s done · %s", ev.Index, ev.Total, ev.Scenario, counts)
	case harness.StepCleanup:
		return "cleaning up what the run created · " + counts
	case harness.StepDone:
		return "done · " + counts
	}
	return string(ev.Step) + " · " + counts
}

func (p *progressLine) draw(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := p.prefix + text
	if n := utf8.RuneCountInString(line); n > p.max {
		line = string([]rune(line)[:p.max-1]) + "…"
	}
	n := utf8.RuneCountInString(line)
	pad := ""
	if p.width > n {
		pad = strings.Repeat(" ", p.width-n)
	}
	p.width = max(p.width, n)
	fmt.Fprint(p.w, "\r"+line+pad)
	p.shown = true
}

// clear blanks the line and returns the cursor to its start, so that what is
// printed next starts on a clean line.
func (p *progressLine) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.width)+"\r")
	p.width, p.shown = 0, false
}
