package scenarios

// All returns the deterministic scenarios in the order they run: one
// explicit list, so a reader sees everything the run exercises.
func All() []*Scenario {
	return []*Scenario{
		&discovery,
		&userLifecycle,
		&groupMembership,
		&conditionalRequests,
		&httpBasics,
		&authChecksScenario,
		&capabilityHonesty,
		&negativeInputs,
		&filters,
		&paging,
		&cursorPagination,
		&projection,
		&search,
		&replaceAndDelete,
		&patchOps,
		&bulk,
		&discoveryMore,
		&resourceSchema,
		&idpDialects,
		&asyncRequests,
		&profileRules,
	}
}
