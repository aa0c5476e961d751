//go:build race

package harness

// seenFailUnderRace is false: with -race the fault sweep of
// TestEveryCheckSeenToFail takes minutes, so it runs in plain go test only.
const seenFailUnderRace = false
