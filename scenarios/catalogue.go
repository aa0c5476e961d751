package scenarios

// All returns the deterministic scenarios in the order they run: one
// explicit list, so a reader sees everything the run exercises.
func All() []*Scenario {
	return []*Scenario{
		&discovery,
		&userLifecycle,
		&groupMembership,
		&conditionalRequests,
	}
}
