package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/harness"
)

// TestHarnessFailureExits3: a run whose harness failed (Execute's error
// wraps harness.ErrHarness; see harness's TestHarnessPanicIsAnError for the
// panics that cause it) exits 3 with the panic's text, before MUST failures
// are considered; any other run error is left to the usual exits.
func TestHarnessFailureExits3(t *testing.T) {
	err := harnessExit(fmt.Errorf("%w: %w: scenario x: harness error: panic: boom", harness.ErrIncomplete, harness.ErrHarness))
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitIncomplete || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("harnessExit = %v, want exit %d naming the panic", err, exitIncomplete)
	}
	for _, other := range []error{nil, fmt.Errorf("%w: cancelled", harness.ErrIncomplete)} {
		if err := harnessExit(other); err != nil {
			t.Errorf("harnessExit(%v) = %v, want nil", other, err)
		}
	}
}
