//go:build !race

package harness

const seenFailUnderRace = true
