package fakeidp

// Recording returns a client that shares c's connections, credentials and
// options but records into rec: a long-running caller (scimloop watch)
// takes a fresh recorder per cycle, so memory stays flat however long it runs.
func (c *Client) Recording(rec *Recorder) *Client {
	cp := *c
	rec.addSecrets(c.rec.knownSecrets()...)
	cp.rec = rec
	cp.deadlines = &deadlines{}
	cp.sent = &sentHeaders{}
	return &cp
}
