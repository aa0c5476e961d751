package fakeidp

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/scimloop/scimloop/internal/redact"
)

// Recorder numbers and keeps every exchange of a run, credentials redacted.
// It is safe for concurrent use.
type Recorder struct {
	mu sync.Mutex
	// records are the exchanges, in order, kept pointer-free (see
	// records.go), in chunks of recordChunk; their text and bytes are
	// copied into blocks: arena blocks, cut as the exchanges come, and
	// bodies too large for one. Names and errors are kept once, on the side.
	records     [][]record
	count       int
	blocks      [][]byte
	current     int32  // the arena block being cut; -1 before the first
	arena       []byte // its rest
	arenaBlock  int    // its size: blocks grow with the run, so that a recorder that sees one exchange stays small
	nextBlock   readyBlocks[byte]
	nextRecords readyBlocks[record]
	mem         *offHeap // where blocks and records are mapped
	names       []string
	nameIndex   map[string]int32
	errs        []error
	// secrets are the literal secret values, longest first. The slice is
	// replaced, never changed in place, so a copy taken under mu can be read
	// without it.
	secrets []string
	retries int
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	r := &Recorder{current: -1}
	r.mem = newOffHeap(r)
	return r
}

func (r *Recorder) addSecrets(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= redact.MinSecretLen && !slices.Contains(r.secrets, s) {
			r.secrets = redact.Secrets(redact.MinSecretLen, append(slices.Clone(r.secrets), secrets...)...)
			return
		}
	}
}

// knownSecrets returns the literal secrets known now.
func (r *Recorder) knownSecrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.secrets
}

func (r *Recorder) countRetry() {
	r.mu.Lock()
	r.retries++
	r.mu.Unlock()
}

// Retries returns how many requests were retried.
func (r *Recorder) Retries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.retries
}

// add redacts ex, numbers it and keeps a copy of it, and returns ex with
// its Seq and Started as Exchanges makes them. The redaction runs outside
// the lock, so that concurrent scenarios do not queue behind each other's
// bodies.
// packedWith is the secrets the client packed ex's headers redacted with
// (nil when it did not): while they are still the known ones, the headers
// need no second pass. sharedReqHeader says that ex's request header is
// the one its client sends every time, kept once for all of them.
func (r *Recorder) add(ex *Exchange, packedWith []string, sharedReqHeader bool) *Exchange {
	secrets := r.knownSecrets()
	ex.URL = redact.URL(ex.URL, secrets)
	if packedWith == nil || !sameSecrets(packedWith, secrets) {
		ex.ReqHeader = ex.ReqHeader.redacted(secrets)
		ex.RespHeader = ex.RespHeader.redacted(secrets)
		sharedReqHeader = false
	}
	ex.ReqBody = redact.Body(ex.ReqBody, secrets)
	ex.RespBody = redact.Body(ex.RespBody, secrets)
	if ex.Err != nil {
		if msg := redact.String(ex.Err.Error(), secrets); msg != ex.Err.Error() {
			ex.Err = &scrubbedError{msg: msg, err: ex.Err}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := record{
		started:   unixNano(ex.Started),
		latency:   ex.Latency,
		scenario:  r.intern(ex.Scenario),
		method:    r.intern(ex.Method),
		status:    int32(ex.Status),
		attempt:   int32(ex.Attempt),
		truncated: ex.Truncated,
	}
	rec.url = r.placeString(ex.URL)
	if h := ex.ReqHeader.packed; sharedReqHeader && h != "" {
		rec.reqHeader = span{internedSpan, r.intern(h), int32(len(h))}
	} else {
		rec.reqHeader = r.placeString(h)
	}
	rec.reqBody = r.place(ex.ReqBody)
	rec.respHeader = r.placeString(ex.RespHeader.packed)
	rec.respBody = r.place(ex.RespBody)
	if ex.Err != nil {
		r.errs = append(r.errs, ex.Err)
		rec.err = int32(len(r.errs))
	}
	r.keepRecord(rec)
	ex.Seq, ex.Started = r.count, unixTime(rec.started) // as Exchanges makes it
	return ex
}

// scrubbedError is an error whose text had a secret in it: it shows the
// redacted text and still unwraps to the original for errors.Is.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// Scrub replaces every known secret in s: for text the harness writes that did
// not come through an exchange (error messages, logs).
func (r *Recorder) Scrub(s string) string {
	return redact.String(s, r.knownSecrets())
}

// Exchanges returns the recorded exchanges in order. Each call makes them
// anew, copies of what the recorder keeps: an exchange's number, not its
// address, is what identifies it.
func (r *Recorder) Exchanges() []*Exchange { return r.ExchangesFrom(0) }

// ExchangesFrom returns the exchanges recorded after the first n, in order.
func (r *Recorder) ExchangesFrom(n int) []*Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	n = min(max(n, 0), r.count)
	exs := make([]Exchange, r.count-n)
	out := make([]*Exchange, len(exs))
	size := 0
	for i := range exs {
		size += r.copySize(n + i)
	}
	buf := make([]byte, size) // one copy for them all
	for i := range exs {
		buf = r.copyOut(n+i, &exs[i], buf)
		out[i] = &exs[i]
	}
	return out
}

// Len returns how many exchanges were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Excerpt renders an exchange as request and response text for a finding,
// bodies cut to limit bytes.
func Excerpt(ex *Exchange, limit int) string {
	if ex == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(ex.Method + " " + ex.URL + "\n")
	writeHeaders(&b, ex.ReqHeader, "If-Match", "If-None-Match", "Content-Type", "Authorization")
	if len(ex.ReqBody) > 0 {
		b.Write(cut(ex.ReqBody, limit))
		b.WriteString("\n")
	}
	if ex.Err != nil && ex.Status == 0 {
		b.WriteString("→ no response: " + ex.Err.Error() + "\n")
		return b.String()
	}
	b.WriteString("→ " + strconv.Itoa(ex.Status) + " " + http.StatusText(ex.Status) + "\n")
	writeHeaders(&b, ex.RespHeader, "Content-Type", "ETag", "Location", "Retry-After", "WWW-Authenticate")
	if len(ex.RespBody) > 0 {
		b.Write(cut(ex.RespBody, limit))
		b.WriteString("\n")
	}
	if ex.Truncated {
		b.WriteString("(response body over the size limit; cut)\n")
	}
	return b.String()
}

func writeHeaders(b *strings.Builder, h Headers, names ...string) {
	for _, n := range names {
		if v := h.Values(n); len(v) > 0 {
			b.WriteString(n + ": " + strings.Join(v, ", ") + "\n")
		}
	}
}

func cut(b []byte, limit int) []byte {
	if limit > 0 && len(b) > limit {
		return append(append([]byte(nil), b[:limit]...), []byte("… (cut)")...)
	}
	return b
}
