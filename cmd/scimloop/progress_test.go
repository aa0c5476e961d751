package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/harness"
)

func TestProgressLine(t *testing.T) {
	t.Setenv("COLUMNS", "80")
	var b bytes.Buffer
	p := newProgressLine(&b)
	p.event(harness.ProgressEvent{Step: harness.StepScenarioStart, Scenario: "user-lifecycle", Index: 2, Total: 9, Passed: 10, Failed: 1, Requests: 40})
	first := b.String()
	assert.Equal(t, "\rscenario 2/9 user-lifecycle … · 10 passed, 1 failed, 40 requests", first)

	b.Reset()
	p.event(harness.ProgressEvent{Step: harness.StepDone, Passed: 12, Failed: 1, Requests: 50})
	got := b.String()
	assert.True(t, strings.HasPrefix(got, "\rdone · 12 passed, 1 failed, 50 requests"), got)
	assert.Equal(t, len([]rune(first)), len([]rune(got)), "a shorter line must pad over the longer one")

	b.Reset()
	p.setPrefix("[run 1/12: rfc, seed 1] ")
	p.event(harness.ProgressEvent{Step: harness.StepScenarioDone, Scenario: strings.Repeat("x", 80), Index: 1, Total: 1})
	assert.LessOrEqual(t, len([]rune(strings.TrimRight(b.String(), " "))), 80, "the line fits COLUMNS")
	assert.Contains(t, b.String(), "[run 1/12: rfc, seed 1] scenario 1/1")

	b.Reset()
	p.clear()
	assert.Regexp(t, `^\r +\r$`, b.String())
	b.Reset()
	p.clear()
	assert.Empty(t, b.String(), "clearing twice writes nothing")
	var nilBar *progressLine
	nilBar.clear() // no progress line: nothing to do, no panic
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	var b bytes.Buffer
	assert.False(t, wantProgress(&b, &b, false), "buffers are not terminals")
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a regular file is not a terminal")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, wantProgress(w, w, false), "a pipe is not a terminal")
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		assert.True(t, isTerminal(tty))
		assert.False(t, wantProgress(tty, tty, true), "--quiet turns progress off")
	}

	// A run whose output is not a terminal prints no carriage return.
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	code, stdout, stderr := runCmd(t, "run", "--out", t.TempDir(), "--skip", "sequences")
	assert.Equal(t, exitOK, code, stderr)
	assert.NotContains(t, stdout+stderr, "\r")
}
