package harness

import "testing"

// SetCertifyBudget lowers the sequence budget of Certify for the rest of the
// test, so that tests of the merge need not pay for the published budget.
func SetCertifyBudget(t *testing.T, sequences, steps int) {
	old := certifyBudget
	certifyBudget.sequences, certifyBudget.steps = sequences, steps
	t.Cleanup(func() { certifyBudget = old })
}
