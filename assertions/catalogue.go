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
	)
}
