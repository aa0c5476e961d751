package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/reports"
)

// TestRunExitHarnessFailure: a run whose harness failed exits 3, even when
// MUST checks failed too (those verdicts cannot be trusted).
func TestRunExitHarnessFailure(t *testing.T) {
	run := &reports.Run{Verdict: reports.Verdict{MustFailures: 2}}
	err := runExit(run, fmt.Errorf("%w: %w: scenario x: harness error: panic: boom", harness.ErrIncomplete, harness.ErrHarness), t.TempDir())
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitIncomplete || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("runExit = %v, want exit %d naming the panic", err, exitIncomplete)
	}
	if err := runExit(run, nil, t.TempDir()); !errors.As(err, &ee) || ee.code != exitFailed {
		t.Fatalf("runExit without a harness failure = %v, want exit %d", err, exitFailed)
	}
}
