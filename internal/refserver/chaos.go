package refserver

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"io"
	"net/http"
	"sync"
)

// The faults of chaos (errors a client must retry): each name, and its line
// in the table faults.go gathers, beside the code that checks it with
// s.fault.
const (
	fFlaky5xx = "flaky-5xx"
	fFlaky429 = "flaky-429"
)

var chaosFaults = []Fault{
	chaos(fFlaky5xx, "about 20% of requests answer 503 with Retry-After: 0 (a retry of the same request never twice in a row; seeded)"),
	chaos(fFlaky429, "about 20% of requests answer 429 with Retry-After: 0 or 1 (a retry of the same request never twice in a row; seeded)"),
}

// chaosRate is the share of requests a chaos fault answers with an error.
const chaosRate = 0.2

// maxChaosMemo bounds how many distinct requests chaos remembers.
const maxChaosMemo = 1 << 16

// chaosState decides which requests the chaos faults (flaky-5xx,
// flaky-429) answer with an error. The decision is a hash of the seed, the
// request (method, path, query, body) and how often that request was seen,
// so it does not depend on what other requests run concurrently; and a
// request that got a chaos answer gets a real one when it is retried.
type chaosState struct {
	mu   sync.Mutex
	seed int64
	seen map[uint64]chaosMemo
}

type chaosMemo struct {
	n    uint32 // times this request was seen
	last bool   // the last answer to it was a chaos answer
}

func newChaosState(seed int64) *chaosState {
	return &chaosState{seed: seed, seen: map[uint64]chaosMemo{}}
}

// draw returns a pseudo-random number for the request, or ok false when it
// must get a real answer.
func (c *chaosState) draw(key uint64) (roll uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.seen[key]
	if len(c.seen) >= maxChaosMemo {
		c.forget()
	}
	defer func() { c.seen[key] = m }()
	m.n++
	if m.last {
		m.last = false
		return 0, false
	}
	h := fnv.New64a()
	var b [20]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(c.seed))
	binary.LittleEndian.PutUint64(b[8:16], key)
	binary.LittleEndian.PutUint32(b[16:], m.n)
	_, _ = h.Write(b[:])
	roll = h.Sum64()
	m.last = float64(roll>>11)/float64(1<<53) < chaosRate
	return roll, m.last
}

// forget drops what is not needed to keep the "never twice in a row"
// promise: the requests whose last answer was real (lock held).
func (c *chaosState) forget() {
	for k, m := range c.seen {
		if !m.last {
			delete(c.seen, k)
		}
	}
}

// requestKey hashes what makes a retry the same request. It reads the body
// and puts it back.
func requestKey(r *http.Request) uint64 {
	h := fnv.New64a()
	for _, p := range []string{r.Method, r.URL.Path, r.URL.RawQuery} {
		_, _ = io.WriteString(h, p)
		_, _ = h.Write([]byte{0})
	}
	if r.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		_ = r.Body.Close()
		_, _ = h.Write(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return h.Sum64()
}

// chaosAnswer answers r with a chaos fault's error and reports true, or
// reports false when r gets a real answer.
func (s *Server) chaosAnswer(w http.ResponseWriter, r *http.Request) bool {
	var enabled []string
	for _, f := range []string{fFlaky5xx, fFlaky429} {
		if s.fault(f) {
			enabled = append(enabled, f)
		}
	}
	if len(enabled) == 0 {
		return false
	}
	roll, ok := s.chaos.draw(requestKey(r))
	if !ok {
		return false
	}
	switch enabled[roll%uint64(len(enabled))] {
	case fFlaky429:
		w.Header().Set("Retry-After", retryAfterFor(roll))
		s.writeError(w, errf(http.StatusTooManyRequests, "", "too many requests (flaky-429 fault)"))
	default:
		w.Header().Set("Retry-After", "0")
		s.writeError(w, errf(http.StatusServiceUnavailable, "", "temporarily unavailable (flaky-5xx fault)"))
	}
	return true
}
