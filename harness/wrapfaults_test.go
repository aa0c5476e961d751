package harness

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/scimloop/scimloop/internal/refserver"
)

// This file holds wire faults: realistic server bugs injected around the
// reference server by rewriting its requests or answers, for the checks the
// server's own named faults (internal/refserver) do not reach. Each is a
// real run against the reference server with one bug; TestEveryCheckSeenToFail
// asserts which checks it makes fail.

// wireFault is one bug: req may rewrite a request (or answer it itself),
// resp may rewrite an answer. Both get the fault's own state.
type wireFault struct {
	name string
	want []string // checks that must fail with this fault
	req  func(st *wireState, r *http.Request, body []byte) (newBody []byte, status int, answer []byte)
	resp func(st *wireState, r *http.Request, reqBody []byte, status int, h http.Header, body []byte) (int, []byte)
}

type wireState struct {
	mu    sync.Mutex
	seen  map[string]bool
	names map[string]string
	last  string
	next  http.Handler
}

func (st *wireState) remember(k string) (before bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.seen == nil {
		st.seen = map[string]bool{}
	}
	before = st.seen[k]
	st.seen[k] = true
	return before
}

func (st *wireState) knows(k string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.seen[k]
}

// get reads a resource straight from the reference server, with r's credentials.
func (st *wireState) get(r *http.Request, path string) (int, []byte) {
	g := httptest.NewRequest(http.MethodGet, path, nil)
	g.Header.Set("Authorization", r.Header.Get("Authorization"))
	rec := httptest.NewRecorder()
	st.next.ServeHTTP(rec, g)
	return rec.Code, rec.Body.Bytes()
}

// wrap serves h with fault f applied.
func (f wireFault) wrap(h http.Handler) http.Handler {
	st := &wireState{next: h}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
		}
		if f.req != nil {
			nb, status, answer := f.req(st, r, body)
			if status != 0 {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(status)
				_, _ = w.Write(answer)
				return
			}
			if nb != nil {
				body = nb
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, out := rec.Code, rec.Body.Bytes()
		if f.resp != nil {
			status, out = f.resp(st, r, body, status, rec.Header(), out)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(status)
		_, _ = w.Write(out)
	})
}

// Helpers for rewriting JSON.

func decode(b []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func encode(m map[string]any) []byte {
	b, _ := json.Marshal(m)
	return b
}

// eachResource applies fn to a resource body or to every resource of a ListResponse.
func eachResource(body []byte, fn func(m map[string]any)) []byte {
	m := decode(body)
	if m == nil {
		return body
	}
	if rs, ok := m["Resources"].([]any); ok {
		for _, r := range rs {
			if rm, ok := r.(map[string]any); ok {
				fn(rm)
			}
		}
	} else if m["id"] != nil {
		fn(m)
	}
	return encode(m)
}

func onUsers(r *http.Request) bool {
	p := strings.ToLower(r.URL.Path)
	return strings.Contains(p, "/users") && !strings.Contains(p, ".search")
}
func onGroups(r *http.Request) bool { return strings.Contains(strings.ToLower(r.URL.Path), "/groups") }
func pathHas(r *http.Request, s string) bool {
	return strings.Contains(strings.ToLower(r.URL.Path), strings.ToLower(s))
}

func scimError(status int, scimType, detail string) []byte {
	m := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		m["scimType"] = scimType
	}
	return encode(m)
}

// respOn rewrites answers to requests that match, resource by resource.
func respOn(match func(r *http.Request) bool, fn func(m map[string]any)) func(*wireState, *http.Request, []byte, int, http.Header, []byte) (int, []byte) {
	return func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		if status >= 300 || !match(r) {
			return status, body
		}
		return status, eachResource(body, fn)
	}
}

// listOn rewrites ListResponse answers to requests that match.
func listOn(match func(r *http.Request) bool, fn func(r *http.Request, m map[string]any)) func(*wireState, *http.Request, []byte, int, http.Header, []byte) (int, []byte) {
	return func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		m := decode(body)
		if status != 200 || m == nil || !match(r) {
			return status, body
		}
		if _, ok := m["totalResults"]; !ok {
			return status, body
		}
		fn(r, m)
		return status, encode(m)
	}
}

func always(*http.Request) bool { return true }

// refuseWhen answers requests that match with a 400 before the server sees them.
func refuseWhen(match func(r *http.Request, body []byte) bool) func(*wireState, *http.Request, []byte) ([]byte, int, []byte) {
	return func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
		if match(r, body) {
			return nil, 400, scimError(400, "invalidValue", "not supported by this server")
		}
		return nil, 0, nil
	}
}

// swallowErrors answers a refused write to an existing user with 200 and the
// unchanged resource, as servers that ignore what they do not understand do.
func swallowErrors(method string) func(*wireState, *http.Request, []byte, int, http.Header, []byte) (int, []byte) {
	return func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		if r.Method != method || status < 400 || status >= 500 || !onUsers(r) || strings.Count(strings.Trim(r.URL.Path, "/"), "/") < 3 {
			return status, body
		}
		code, cur := st.get(r, r.URL.Path)
		if code != 200 {
			return status, body
		}
		return 200, cur
	}
}

// fixUserBody rewrites create bodies into valid ones, as a lenient server
// that defaults what is missing would.
func fixUserBody(fn func(m map[string]any) bool) func(*wireState, *http.Request, []byte) ([]byte, int, []byte) {
	return func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
		if r.Method != http.MethodPost || !(onUsers(r) || onGroups(r)) || pathHas(r, ".search") {
			return nil, 0, nil
		}
		m := decode(body)
		if m == nil || !fn(m) {
			return nil, 0, nil
		}
		return encode(m), 0, nil
	}
}

var _ = refserver.Faults // the named faults live there; these complement them
