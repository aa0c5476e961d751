package watch

import "time"

// AnomalyKind is what went wrong; the kinds are a fixed set, so each is a
// bounded label value of scimloop_anomalies_total.
type AnomalyKind string

// The anomalies a tick or a reconcile can raise. Each triggers a reconcile
// at once (except those a reconcile itself raises) and an incident file.
const (
	// A mutation was refused (non-2xx) or got no answer.
	MutationFailed AnomalyKind = "mutation_failed"
	// A mutation was acknowledged but a read did not show it within
	// --confirm-timeout (a delete still readable, a member not added).
	MutationUnconfirmed AnomalyKind = "mutation_unconfirmed"
	// A read showed the change but something else wrong with it (another
	// userName, a meta.lastModified that did not advance).
	ReadbackMismatch AnomalyKind = "readback_mismatch"
	// ErrorBurst: --error-burst or more 5xx answers or unanswered requests in one tick.
	ErrorBurst AnomalyKind = "error_burst"
	// LatencySpike: a request slower than --latency-threshold.
	LatencySpike AnomalyKind = "latency_spike"
	// CountMismatch: a count that should be exact is not (a canary name
	// listed twice, leftovers with the watch prefix).
	CountMismatch AnomalyKind = "count_mismatch"
)

var anomalyKinds = []AnomalyKind{MutationFailed, MutationUnconfirmed, ReadbackMismatch, ErrorBurst, LatencySpike, CountMismatch}

// Anomaly is one anomaly raised.
type Anomaly struct {
	Kind     AnomalyKind
	Op       string // the operation, e.g. "delete"; "" when none
	Resource string // "User" or "Group"; "" when none
	Detail   string // what was seen, without credentials
	At       time.Time
}

// Outcomes of a mutation and of a tick.
const (
	outcomeOK          = "ok"
	outcomeFailed      = "failed"
	outcomeUnconfirmed = "unconfirmed"
	outcomeAnomaly     = "anomaly"
	outcomeDown        = "down"
)

// driftLeftover counts canaries the server still lists after the watcher
// deleted (or meant to delete) them.
const driftLeftover = "leftover"
