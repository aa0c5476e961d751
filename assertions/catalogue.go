package assertions

import "slices"

// All returns the whole catalogue, in a stable order: one explicit list of
// the area tables, so a reader sees everything that can be judged here.
func All() []Check {
	return slices.Concat(
		discoveryChecks,
		resourceChecks,
		lifecycleChecks,
		etagChecks,
		groupChecks,
		errorChecks,
		sequenceChecks,
		safetyChecks,
		httpChecks,
		authChecks,
		capabilityChecks,
		negativeChecks,
		filterChecks,
		pageChecks,
		cursorChecks,
		projectionChecks,
		searchChecks,
		putChecks,
		patchChecks,
		bulkChecks,
		discoveryMoreChecks,
		schemaChecks,
		dialectChecks,
		schemaPropChecks,
		asyncChecks,
		interopChecks,
		ipsieChecks,
	)
}

// InArea returns the IDs of the checks of the named areas, in catalogue
// order: a scenario lists the checks of the areas it owns with it, so a
// check added to an area's table is judged by its owner with no other edit.
func InArea(areas ...string) []string {
	var ids []string
	for _, c := range All() {
		if slices.Contains(areas, c.Area) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}
