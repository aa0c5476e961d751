// Package safety is the only way scimloop talks to a server under test: a
// [Session] sends every request of a run through the [Tracker]'s write gate
// and the retry policy, so that the harness writes only to resources it
// created, never repeats a create blindly, and can delete everything it
// created at the end. It also holds the run's names ([Names]) and the prefix
// sweep that "scimloop cleanup" uses ([Sweep]).
package safety
