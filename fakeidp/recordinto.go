package fakeidp

// RecordInto returns a client that shares c's connections, credentials,
// timeout and rate limit but records into rec. A long read-only walk
// (reconcile) records each request into a recorder of its own, so that no
// response body outlives its comparison and memory follows the source, not
// the number of exchanges.
func (c *Client) RecordInto(rec *Recorder) *Client {
	cp := *c
	cp.rec = rec
	rec.addSecrets(c.secrets...)
	return &cp
}
