package refserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Wire faults are bugs that live at the edge of a server rather than deep in
// its handlers: an answer reshaped on its way out (a field dropped, a value
// normalised, a status swapped) or a request refused, rewritten or swallowed
// before it reaches the code that would handle it correctly. Each one wraps
// the correct server as a layer of middleware, applied by New when the fault
// is enabled; the handlers themselves stay correct.

// wireFault is one such bug. req may rewrite a request (or answer it
// itself, with a non-zero status); resp may rewrite an answer. Both get the
// fault's own state.
type wireFault struct {
	Fault
	req  func(st *wireState, r *http.Request, body []byte) (newBody []byte, status int, answer []byte)
	resp func(st *wireState, r *http.Request, reqBody []byte, status int, h http.Header, body []byte) (int, []byte)
}

// wireState is what one enabled wire fault remembers between requests.
type wireState struct {
	mu       sync.Mutex
	seen     map[string]bool
	names    map[string]string
	last     string
	defaults int
	token    string       // the server's bearer token ("" = none)
	next     http.Handler // the layer below: the correct server, or another fault
	snaps    map[string]map[string]any
	created  map[string]string // put-takes-readonly-meta: the meta.created a PUT sent, by path
}

// pinCreated keeps the meta.created a PUT of path sent.
func (st *wireState) pinCreated(path, created string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.created == nil {
		st.created = map[string]string{}
	}
	st.created[path] = created
}

// pinnedCreated returns the meta.created a PUT of path sent, if one did.
func (st *wireState) pinnedCreated(path string) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.created[path]
	return c, ok
}

// snapshot keeps a resource as it was created, by id.
func (st *wireState) snapshot(m map[string]any) {
	id, _ := m["id"].(string)
	if id == "" {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.snaps == nil {
		st.snaps = map[string]map[string]any{}
	}
	st.snaps[id] = m
}

// snapshotOf returns the resource as it was created.
func (st *wireState) snapshotOf(id string) (map[string]any, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m, ok := st.snaps[id]
	return m, ok
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

// nextDefault numbers the values a lenient server makes up.
func (st *wireState) nextDefault() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.defaults++
	return strconv.Itoa(st.defaults)
}

// get reads a resource from the layer below, with r's credentials.
func (st *wireState) get(r *http.Request, path string) (int, []byte) {
	g, err := http.NewRequestWithContext(r.Context(), http.MethodGet, path, nil)
	if err != nil {
		return 0, nil
	}
	g.Host = r.Host
	g.Header.Set("Authorization", r.Header.Get("Authorization"))
	rec := newBufferedWriter()
	st.next.ServeHTTP(rec, g)
	return rec.code, rec.body.Bytes()
}

// bufferedWriter holds an answer so that a wire fault can rewrite it.
type bufferedWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func newBufferedWriter() *bufferedWriter {
	return &bufferedWriter{h: http.Header{}, code: http.StatusOK}
}

func (b *bufferedWriter) Header() http.Header         { return b.h }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedWriter) WriteHeader(code int)        { b.code = code }

// wrap serves next with fault f applied.
func (f *wireFault) wrap(next http.Handler, token string) http.Handler {
	st := &wireState{next: next, token: token}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(io.LimitReader(r.Body, 4*maxBodyBytes))
			if err != nil {
				http.Error(w, "reading request body", http.StatusBadRequest)
				return
			}
			body = b
		}
		if f.req != nil {
			nb, status, answer := f.req(st, r, body)
			if status != 0 {
				w.Header().Set("Content-Type", "application/scim+json")
				w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
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
		rec := newBufferedWriter()
		next.ServeHTTP(rec, r)
		status, out := rec.code, rec.body.Bytes()
		if f.resp != nil {
			status, out = f.resp(st, r, body, status, rec.h, out)
		}
		for k, vs := range rec.h {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(status)
		_, _ = w.Write(out)
	})
}

// Helpers for rewriting JSON.

func wireDecode(b []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func wireEncode(m map[string]any) []byte {
	b, _ := json.Marshal(m)
	return b
}

// eachResource applies fn to a resource body or to every resource of a ListResponse.
func eachResource(body []byte, fn func(m map[string]any)) []byte {
	m := wireDecode(body)
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
	return wireEncode(m)
}

func onUsers(r *http.Request) bool {
	p := strings.ToLower(r.URL.Path)
	return strings.Contains(p, "/users") && !strings.Contains(p, ".search")
}

func onGroups(r *http.Request) bool { return strings.Contains(strings.ToLower(r.URL.Path), "/groups") }

func pathHas(r *http.Request, s string) bool {
	return strings.Contains(strings.ToLower(r.URL.Path), strings.ToLower(s))
}

// isUserByID reports whether r addresses one user: .../Users/{id}.
func isUserByID(r *http.Request) bool {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	return len(segs) >= 2 && strings.EqualFold(segs[len(segs)-2], "Users") && onUsers(r)
}

func wireError(status int, scimType, detail string) []byte {
	m := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		m["scimType"] = scimType
	}
	return wireEncode(m)
}

type respFunc = func(*wireState, *http.Request, []byte, int, http.Header, []byte) (int, []byte)
type reqFunc = func(*wireState, *http.Request, []byte) ([]byte, int, []byte)

// respOn rewrites successful answers to requests that match, resource by resource.
func respOn(match func(r *http.Request) bool, fn func(m map[string]any)) respFunc {
	return func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		if status >= 300 || !match(r) {
			return status, body
		}
		return status, eachResource(body, fn)
	}
}

// respOnDoc rewrites the JSON document at a path suffix.
func respOnDoc(suffix string, fn func(m map[string]any)) respFunc {
	return func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		if status != http.StatusOK || !strings.HasSuffix(strings.ToLower(r.URL.Path), suffix) {
			return status, body
		}
		m := wireDecode(body)
		if m == nil {
			return status, body
		}
		fn(m)
		return status, wireEncode(m)
	}
}

// listOn rewrites ListResponse answers to requests that match.
func listOn(match func(r *http.Request) bool, fn func(r *http.Request, m map[string]any)) respFunc {
	return func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		m := wireDecode(body)
		if status != http.StatusOK || m == nil || !match(r) {
			return status, body
		}
		if _, ok := m["totalResults"]; !ok {
			return status, body
		}
		fn(r, m)
		return status, wireEncode(m)
	}
}

func always(*http.Request) bool { return true }

// refuseWhen answers requests that match with a 400 before the server sees them.
func refuseWhen(match func(r *http.Request, body []byte) bool) reqFunc {
	return func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
		if match(r, body) {
			return nil, http.StatusBadRequest, wireError(http.StatusBadRequest, "invalidValue", "not supported by this server")
		}
		return nil, 0, nil
	}
}

// swallowErrors answers a refused write to an existing user with 200 and the
// unchanged resource, as servers that ignore what they do not understand do.
func swallowErrors(method string) respFunc {
	return func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		if r.Method != method || status < 400 || status >= 500 || !isUserByID(r) {
			return status, body
		}
		code, cur := st.get(r, r.URL.Path)
		if code != http.StatusOK {
			return status, body
		}
		return http.StatusOK, cur
	}
}

// fixBody rewrites create bodies into valid ones, as a lenient server that
// defaults what is missing would.
func fixBody(fn func(st *wireState, m map[string]any) bool) reqFunc {
	return func(st *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
		if r.Method != http.MethodPost || !(onUsers(r) || onGroups(r)) || pathHas(r, ".search") {
			return nil, 0, nil
		}
		m := wireDecode(body)
		if m == nil || !fn(st, m) {
			return nil, 0, nil
		}
		return wireEncode(m), 0, nil
	}
}
