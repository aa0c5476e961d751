package main

import (
	"errors"

	"github.com/scimloop/scimloop/harness"
)

// harnessExit is exit 3 when the harness itself failed during the run (a
// panic, an internal error): whatever the verdicts say, they cannot be
// trusted, so it comes before the exit for MUST failures.
func harnessExit(runErr error) error {
	if errors.Is(runErr, harness.ErrHarness) {
		return &exitError{code: exitIncomplete, err: runErr}
	}
	return nil
}
