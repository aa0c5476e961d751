package fakeidp

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/scimloop/scimloop/reports"
)

// Recorder numbers and keeps every exchange of a run, credentials redacted.
// It is safe for concurrent use.
type Recorder struct {
	mu        sync.Mutex
	exchanges []*Exchange
	secrets   []string
	retries   int
	keep      bool
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{keep: true} }

func (r *Recorder) addSecrets(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= 4 && !contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	// Longest first, so a secret that contains another is scrubbed whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
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

// add redacts ex, numbers it and keeps it.
func (r *Recorder) add(ex *Exchange) *Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	ex.ReqHeader = r.redactHeader(ex.ReqHeader)
	ex.RespHeader = r.redactHeader(ex.RespHeader)
	ex.ReqBody = r.scrub(redactBody(ex.ReqBody))
	ex.RespBody = r.scrub(redactBody(ex.RespBody))
	ex.URL = string(r.scrub([]byte(ex.URL)))
	ex.Seq = len(r.exchanges) + 1
	r.exchanges = append(r.exchanges, ex)
	return ex
}

func (r *Recorder) redactHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := http.Header(reports.RedactHeaders(h))
	for k, vs := range out {
		for i, v := range vs {
			vs[i] = string(r.scrub([]byte(v)))
		}
		out[k] = vs
	}
	return out
}

// scrub replaces every known secret in b.
func (r *Recorder) scrub(b []byte) []byte {
	for _, s := range r.secrets {
		if bytes.Contains(b, []byte(s)) {
			b = bytes.ReplaceAll(b, []byte(s), []byte(redacted))
		}
	}
	return b
}

// Scrub replaces every known secret in s: for text the harness writes that did
// not come through an exchange (error messages, logs).
func (r *Recorder) Scrub(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.scrub([]byte(s)))
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

func writeHeaders(b *strings.Builder, h http.Header, names ...string) {
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

// redactBody runs the full redaction only on bodies that may hold a secret:
// most SCIM bodies name no password or token, and scanning them all would be
// most of the client's per-request cost.
func redactBody(b []byte) []byte {
	for _, word := range [...]string{"password", "token", "secret"} {
		if containsFold(b, word) {
			return reports.RedactBody(b)
		}
	}
	return b
}

// containsFold reports whether b contains the lower-case ASCII word in any case.
func containsFold(b []byte, word string) bool {
	for i := 0; i+len(word) <= len(b); i++ {
		if b[i]|0x20 != word[0] {
			continue
		}
		j := 1
		for j < len(word) && b[i+j]|0x20 == word[j] {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}
