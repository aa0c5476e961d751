//go:build race

package harness

// raceEnabled is true under -race, where the fault sweep of
// TestEveryCheckSeenToFail would take minutes; it runs in plain go test.
const raceEnabled = true
