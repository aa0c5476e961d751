package refserver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// This file holds asynchronous requests (RFC 9967 §2.5.1.1): a POST, PUT,
// PATCH or DELETE on a resource sent with "Prefer: respond-async" is
// performed, then answered 202 Accepted with no body, a Set-Txn header and
// a Location. The work is done before the answer (the RFC lets the server
// choose when to complete), so a read right after sees it; a refused
// request keeps its normal error answer, which the RFC also allows.

// capAsync is the capability name of asynchronous requests: advertised as
// securityEvents.asyncRequest "request" (RFC 9967 §4), switched off with
// Config.Without like the others.
const capAsync = "asyncRequest"

// The faults of asynchronous requests.
const (
	fAsyncBody          = "async-202-with-body"
	fAsyncNoSetTxn      = "async-202-no-set-txn"
	fAsyncSameSetTxn    = "async-set-txn-constant"
	fAsyncNoLocation    = "async-202-no-location"
	fAsyncCreateDropped = "async-create-dropped"
	fAsyncUpdateDropped = "async-update-dropped"
	fAsyncEmpty200      = "async-answers-200-empty"
)

var asyncFaults = []Fault{
	conformance(fAsyncBody, "a 202 answer to Prefer: respond-async carries the resource as a body"),
	conformance(fAsyncNoSetTxn, "a 202 answer to Prefer: respond-async has no Set-Txn header"),
	conformance(fAsyncSameSetTxn, "every 202 answer carries the same Set-Txn value, so no event can be told apart"),
	conformance(fAsyncNoLocation, "a 202 answer to Prefer: respond-async has no Location header"),
	conformance(fAsyncCreateDropped, "a create sent with Prefer: respond-async is answered 202 but never performed"),
	conformance(fAsyncUpdateDropped, "a PUT or PATCH sent with Prefer: respond-async is answered 202 but never performed"),
	conformance(fAsyncEmpty200, "a write sent with Prefer: respond-async is performed but answered 200 with no body, neither the normal answer nor 202"),
}

// constantTxn is the Set-Txn value of fAsyncSameSetTxn.
const constantTxn = "00000000000000000000000000000000"

// securityEvents is the ServiceProviderConfig attribute of RFC 9967 §4,
// or nil when the server has no asynchronous requests (then it is absent).
func (s *Server) securityEvents() map[string]any {
	if !s.supports(capAsync) {
		return nil
	}
	return map[string]any{"asyncRequest": "request", "eventUris": []any{"urn:ietf:params:scim:event:misc:asyncresp"}}
}

// wantsAsync reports whether r asks for an asynchronous answer the server
// gives: a write on /Users or /Groups (Bulk is left synchronous: its
// per-operation completions travel as events only) with respond-async
// among its Prefer preferences.
func (s *Server) wantsAsync(r *http.Request, segs []string) bool {
	if !s.supports(capAsync) || len(segs) == 0 || len(segs) > 2 {
		return false
	}
	switch strings.ToLower(segs[0]) {
	case "users", "groups":
	default:
		return false
	}
	switch r.Method {
	case http.MethodPost:
		if len(segs) != 1 {
			return false
		}
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		if len(segs) != 2 || segs[1] == ".search" {
			return false
		}
	default:
		return false
	}
	return prefersAsync(r.Header)
}

// prefersAsync reports whether a Prefer header names respond-async
// (RFC 7240 §2: comma-separated preferences, each possibly with parameters).
func prefersAsync(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			tok, _, _ := strings.Cut(p, ";")
			tok, _, _ = strings.Cut(tok, "=")
			if strings.EqualFold(strings.TrimSpace(tok), "respond-async") {
				return true
			}
		}
	}
	return false
}

// serveAsync performs the write into a buffer and answers 202 Accepted with
// no body, Set-Txn, Preference-Applied and a Location; a refusal is passed
// on as the normal answer.
func (s *Server) serveAsync(w http.ResponseWriter, r *http.Request, segs []string) {
	rec := &bufferedAnswer{header: http.Header{}, status: http.StatusOK}
	dropped := (r.Method == http.MethodPost && s.fault(fAsyncCreateDropped)) ||
		((r.Method == http.MethodPut || r.Method == http.MethodPatch) && s.fault(fAsyncUpdateDropped))
	if !dropped {
		s.route(rec, r, segs)
	}
	if rec.status < 200 || rec.status > 299 {
		rec.copyTo(w)
		return
	}
	if s.fault(fAsyncEmpty200) {
		w.WriteHeader(http.StatusOK)
		return
	}
	loc := s.asyncLocation(r, rec, dropped)
	if !s.fault(fAsyncNoLocation) {
		w.Header().Set("Location", loc)
	}
	if !s.fault(fAsyncNoSetTxn) {
		w.Header().Set("Set-Txn", s.newTxn())
	}
	w.Header().Set("Preference-Applied", "respond-async")
	if s.fault(fAsyncBody) && rec.body.Len() > 0 {
		w.Header().Set("Content-Type", s.contentType())
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(rec.body.Bytes())
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// asyncLocation is the normal SCIM location of the written resource (RFC
// 9967 §2.5.1.1 option b): the create's Location, the body's meta.location,
// else the request's own URL. A dropped create gets an id never issued.
func (s *Server) asyncLocation(r *http.Request, rec *bufferedAnswer, dropped bool) string {
	if loc := rec.header.Get("Location"); loc != "" {
		return loc
	}
	if loc := gjson.GetBytes(rec.body.Bytes(), "meta.location").String(); loc != "" {
		return loc
	}
	u := s.baseURL(r) + strings.TrimPrefix(r.URL.Path, s.base)
	if dropped && r.Method == http.MethodPost {
		u = strings.TrimRight(u, "/") + "/" + s.newTxn()
	}
	return u
}

// newTxn returns a fresh Set-Txn value: 128 random bits in hex.
func (s *Server) newTxn() string {
	if s.fault(fAsyncSameSetTxn) {
		return constantTxn
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// bufferedAnswer holds a handler's answer so that serveAsync can replace it.
type bufferedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (b *bufferedAnswer) Header() http.Header { return b.header }

func (b *bufferedAnswer) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedAnswer) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// copyTo sends the held answer unchanged.
func (b *bufferedAnswer) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
