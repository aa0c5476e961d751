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
	mu        sync.Mutex
	exchanges []*Exchange // each points into a slab
	// slab holds the unused slots of the newest block of exchanges and arena
	// the unused bytes of the newest block of response bodies. A run keeps
	// every exchange, so keeping them as a few large blocks instead of one
	// small object each (or two, with its body) spares the allocator and the
	// garbage collector most of their work; blocks grow with the run, so a
	// recorder that sees one exchange stays small.
	slab  []Exchange
	arena []byte
	// secrets are the literal secret values, longest first. The slice is
	// replaced, never changed in place, so a copy taken under mu can be read
	// without it.
	secrets []string
	retries int
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{} }

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

// add redacts ex, numbers it and keeps a copy, which it returns. The
// redaction runs outside the lock, so that concurrent scenarios do not queue
// behind each other's bodies.
// packedWith is the secrets the client packed ex's headers redacted with
// (nil when it did not): while they are still the known ones, the headers
// need no second pass.
func (r *Recorder) add(ex *Exchange, packedWith []string) *Exchange {
	secrets := r.knownSecrets()
	ex.URL = redact.URL(ex.URL, secrets)
	if packedWith == nil || !sameSecrets(packedWith, secrets) {
		ex.ReqHeader = ex.ReqHeader.redacted(secrets)
		ex.RespHeader = ex.RespHeader.redacted(secrets)
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
	if len(r.slab) == 0 {
		r.slab = make([]Exchange, min(max(len(r.exchanges), minSlab), maxSlab))
	}
	kept := &r.slab[0]
	r.slab = r.slab[1:]
	*kept = *ex
	kept.Seq = len(r.exchanges) + 1
	r.exchanges = append(r.exchanges, kept)
	return kept
}

// Block sizes of the recorder's slabs (exchanges) and arena (bytes).
const (
	minSlab      = 4
	maxSlab      = 256
	minArena     = 4 << 10
	maxArena     = 256 << 10
	maxArenaBody = maxArena / 8 // a larger body is allocated on its own
)

// bodyBuffer returns a buffer of n bytes for a response body. A small one
// comes from the arena: it is kept with its exchange anyway. Its capacity is
// n, so that appending to it never writes over another body.
func (r *Recorder) bodyBuffer(n int) []byte {
	if n > maxArenaBody {
		return make([]byte, n)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.arena) < n {
		r.arena = make([]byte, max(min(max(2*cap(r.arena), minArena), maxArena), n))
	}
	buf := r.arena[:n:n]
	r.arena = r.arena[n:]
	return buf
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

// Exchanges returns the recorded exchanges in order.
func (r *Recorder) Exchanges() []*Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Exchange(nil), r.exchanges...)
}

// Len returns how many exchanges were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.exchanges)
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
