package sequences

import (
	"net/http"
	"slices"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// metaKey is the key of a resource's remembered meta: its type and id, so
// that a server which gives a User and a Group one id (against RFC 7643
// §3.1, schema-id-unique's finding) does not make their metas look like one
// resource's.
func metaKey(typ, id string) string { return typ + "/" + id }

// metaKeys is metaKey of each id.
func metaKeys(typ string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = metaKey(typ, id)
	}
	return out
}

// noteMeta records the meta of a resource the first time it is seen (from
// the create answer, when it carries one).
func (m *machine) noteMeta(key string, write, ex *fakeidp.Exchange) {
	mt, err := assertions.ReadMeta(ex.RespBody)
	if err != nil {
		return
	}
	m.res.observe(fakeidp.Get(ex.RespBody, "meta", "created").String())
	m.res.observe(fakeidp.Get(ex.RespBody, "meta", "lastModified").String())
	seenAt := write.Started.Add(write.Latency)
	mt.Observed = seenAt
	m.seen[key] = &seenMeta{created: mt, lastModified: mt, lmRaw: fakeidp.Get(ex.RespBody, "meta", "lastModified").String(), version: assertions.VersionOf(ex)}
}

// judgeMeta judges meta over time for a resource read back after write:
// created never changes; lastModified never moves backwards, and moves
// strictly later on a real change when enough time passed for the server's
// precision; the version changes exactly when the resource did.
func (m *machine) judgeMeta(key string, write, read *fakeidp.Exchange, ch change, sentAt time.Time) {
	mt, err := assertions.ReadMeta(read.RespBody)
	if err != nil {
		return // meta-present judges that, in the deterministic scenarios
	}
	lmRaw := fakeidp.Get(read.RespBody, "meta", "lastModified").String()
	m.res.observe(lmRaw)
	prev := m.seen[key]
	if prev == nil {
		m.noteMeta(key, write, read)
		return
	}
	m.judge("meta-created-stable", assertions.CreatedStable(prev.created, mt), write, read)
	m.judge("meta-lastmodified-monotonic", assertions.LastModifiedMonotonic(prev.lastModified, mt), write, read)
	if ch == realChange && !sentAt.IsZero() {
		after := mt
		after.Observed = sentAt
		if judged, err := assertions.LastModifiedAdvancedAt(prev.lastModified, after, m.res.get()); judged {
			m.judge("meta-lastmodified-advances", err, write, read)
		}
	}
	switch {
	case ch == realChange:
		m.judge("etag-changes-on-update", assertions.VersionMoved(prev.version, write, read), write, read)
	case ch == noChange && !prev.stale && write != nil && write.Method != http.MethodPost:
		m.judge("seq-version-stable-without-change", assertions.VersionStable(prev.version, write, read), write, read)
	}
	if lmRaw != prev.lmRaw {
		prev.lastModified = mt
		prev.lastModified.Observed = write.Started.Add(write.Latency)
		prev.lmRaw = lmRaw
	}
	prev.version = assertions.VersionOf(read)
	prev.stale = false
}

// markStale notes that a resource's version may have moved without the
// machine seeing it (its derived attributes changed): the next no-op is not
// judged against the remembered version.
func (m *machine) markStale(keys ...string) {
	for _, k := range keys {
		if s := m.seen[k]; s != nil {
			s.stale = true
		}
	}
}

// metaChecks judge only a resource's meta (timestamps, version): their
// failure leaves the model the server's state.
var metaChecks = []string{
	"meta-created-stable", "meta-lastmodified-monotonic", "meta-lastmodified-advances",
	"etag-changes-on-update", "seq-version-stable-without-change",
}

// diverges reports whether a failure of check may leave the model behind
// the server's state, so that what follows it in a sequence may only be
// its wake.
func diverges(check string) bool { return !slices.Contains(metaChecks, check) }
