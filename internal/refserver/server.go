package refserver

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The faults of the whole server (input, errors, headers, timing): each
// name, and its line in the table faults.go gathers, beside the code that
// checks it with s.fault.
const (
	fUserNameCaseSensitive   = "username-case-sensitive"
	fDuplicateValuesKept     = "duplicate-values-kept"
	fMalformedJSONReturns500 = "malformed-json-returns-500"
	fErrorStatusAsNumber     = "error-status-as-number"
	fActiveStringRejected    = "active-string-rejected"
	fNoSCIMContentType       = "no-scim-content-type"
	fNoWWWAuthenticate       = "no-www-authenticate"
	fSlow                    = "slow"
)

var serverFaults = []Fault{
	conformance(fUserNameCaseSensitive, "userName uniqueness and userName filters are case-sensitive"),
	should(fDuplicateValuesKept, "a repeated (type, value) pair in emails or phoneNumbers is stored and returned twice"),
	should(fMalformedJSONReturns500, "an unparsable request body answers 500 instead of 400 invalidSyntax"),
	conformance(fErrorStatusAsNumber, "error bodies carry status as a JSON number instead of a string"),
	idp(fActiveStringRejected, "entra-legacy", "boolean attributes reject Entra's \"True\"/\"False\" strings with 400"),
	should(fNoSCIMContentType, "responses are labelled application/json instead of application/scim+json"),
	conformance(fNoWWWAuthenticate, "401 responses carry no WWW-Authenticate header"),
	chaos(fSlow, "every request is delayed by 50ms"),
}

// Limits advertised in /ServiceProviderConfig.
const (
	maxBodyBytes      = 1 << 20 // cap for every request body (and bulk.maxPayloadSize)
	maxBulkOperations = 100
	maxResults        = 200 // filter.maxResults: the largest page served
	defaultPageSize   = 100 // page size when no count is given
	timeLayout        = "2006-01-02T15:04:05.000000000Z07:00"
)

// Config configures a reference server.
type Config struct {
	Token         string           // when non-empty, requests need "Authorization: Bearer <Token>"; discovery is public
	BasePath      string           // path prefix served, e.g. "/scim/v2"; "" = root
	Faults        []string         // fault names to enable (see Faults)
	Without       []string         // capabilities the server lacks (see Capabilities)
	Personalities []string         // limitations of real servers to take on (see Personalities)
	Now           func() time.Time // clock; nil = time.Now
	Seed          int64            // seed for chaos faults (flaky-5xx, flaky-429)
	// CursorOnly turns index paging off (RFC 9865 §4: pagination.index
	// false, defaultPaginationMethod cursor), as the cursor-only
	// personality does, for tests that configure the server directly.
	CursorOnly bool
	// CursorDefault keeps index paging but advertises cursor as the
	// default pagination method, for clients that follow the default.
	CursorDefault bool
	// InteropProfile keeps draft-zollner-scim-interop-profile's own rules
	// (profilerules.go): ServiceProviderConfig claims
	// interopProfileConformant, and a PATCH operation without path answers
	// 400 invalidSyntax.
	InteropProfile bool
	// RateLimit answers about one request in five with 429 and Retry-After
	// (seeded, never twice in a row for the same request), as a server
	// under its rate limit does; the IPSIE profile judges those answers.
	RateLimit bool
}

// Server is an http.Handler serving SCIM 2.0.
type Server struct {
	cfg      Config
	base     string
	faults   map[string]bool
	without  map[string]bool // capabilities switched off
	personas map[string]bool // personalities taken on
	st       *store
	started  time.Time

	handler http.Handler // serve, wrapped by the enabled wire faults
	chaos   *chaosState  // flaky-5xx, flaky-429

	cursorKey []byte // seals the cursors this server issues (cursor.go)

	// bufs holds answer buffers for reuse: a list page is some 100 kB,
	// and a buffer grown anew for each one doubled the garbage a walk of
	// a large store leaves the collector.
	bufs sync.Pool
}

// maxPooledBuffer bounds the buffers bufs keeps.
const maxPooledBuffer = 1 << 20

// New builds a server. It fails when cfg names an unknown fault.
func New(cfg Config) (*Server, error) {
	fs, err := parseFaults(cfg.Faults)
	if err != nil {
		return nil, err
	}
	without, err := parseWithout(cfg.Without)
	if err != nil {
		return nil, err
	}
	personas, err := parsePersonalities(cfg.Personalities)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base := strings.TrimRight(cfg.BasePath, "/")
	if base != "" && !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	s := &Server{
		cfg:      cfg,
		base:     base,
		faults:   fs,
		without:  without,
		personas: personas,
		st:       newStore(nil),
		chaos:    newChaosState(cfg.Seed),

		cursorKey: newCursorKey(),
	}
	if !fs[fUserNameCaseSensitive] {
		s.st.foldName = s.fold()
	}
	s.started = s.now()
	s.handler = http.HandlerFunc(s.serve)
	for _, wf := range wireFaults {
		if fs[wf.Name] {
			s.handler = wf.wrap(s.handler, cfg.Token)
		}
	}
	return s, nil
}

func (s *Server) fault(name string) bool { return s.faults[name] }

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

func (s *Server) inputOpts() inputOpts {
	return inputOpts{strictBool: s.fault(fActiveStringRejected), keepDuplicates: s.fault(fDuplicateValuesKept),
		emptyCanonical: s.fault(fEmptyCanonicalValues), truncDecimal: s.fault(fDecimalTruncated), rewriteZone: s.fault(fDateTimeRewritten)}
}

// baseURL is the absolute URL of the service root for this request.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + s.base
}

// ServeHTTP serves a SCIM request, through the enabled wire faults.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// serve routes a SCIM request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.fault(fSlow) {
		time.Sleep(50 * time.Millisecond)
	}
	if s.chaosAnswer(w, r) || s.rateLimited(w, r) {
		return
	}
	p := r.URL.Path
	if s.base != "" {
		if p != s.base && !strings.HasPrefix(p, s.base+"/") {
			s.writeError(w, notFound("no SCIM endpoint at %s", p))
			return
		}
		p = strings.TrimPrefix(p, s.base)
	}
	segs := splitPath(p)
	if len(segs) > 0 && isDiscovery(segs[0]) {
		s.routeDiscovery(w, r, segs)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	if err := s.lacking(r, segs); err != nil {
		s.writeError(w, err)
		return
	}
	if s.wantsAsync(r, segs) {
		s.serveAsync(w, r, segs)
		return
	}
	s.route(w, r, segs)
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func isDiscovery(seg string) bool {
	switch strings.ToLower(seg) {
	case "serviceproviderconfig", "resourcetypes", "schemas":
		return true
	}
	return false
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if ok && strings.EqualFold(scheme, "Bearer") &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.cfg.Token)) == 1 {
		return true
	}
	if !s.fault(fNoWWWAuthenticate) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scimloop", error="invalid_token"`)
	}
	detail := "missing bearer token"
	if h != "" {
		detail = "invalid bearer token"
	}
	s.writeError(w, errf(http.StatusUnauthorized, "", "%s", detail))
	return false
}

// route dispatches an authenticated request.
func (s *Server) route(w http.ResponseWriter, r *http.Request, segs []string) {
	if len(segs) == 0 {
		// The service root: queries across all resource types.
		s.methods(w, r, map[string]func(){http.MethodGet: func() { s.handleList(w, r, nil) }})
		return
	}
	first := strings.ToLower(segs[0])
	if len(segs) == 1 && first == ".search" {
		s.methods(w, r, map[string]func(){http.MethodPost: func() { s.handleSearch(w, r, nil) }})
		return
	}
	var rt *resourceType
	switch first {
	case "users":
		rt = defs.userRT
	case "groups":
		rt = defs.groupRT
	case "bulk":
		if len(segs) == 1 {
			s.methods(w, r, map[string]func(){http.MethodPost: func() { s.handleBulk(w, r) }})
			return
		}
	case "me":
		// Without a personality too: a shared bearer token names no subject
		// for /Me to stand for (RFC 7644 §3.11 allows 501).
		s.writeError(w, errf(http.StatusNotImplemented, "", "/Me is not supported by this service provider"))
		return
	}
	if rt == nil {
		s.writeError(w, notFound("no SCIM endpoint at /%s", strings.Join(segs, "/")))
		return
	}
	switch {
	case len(segs) == 1:
		s.methods(w, r, map[string]func(){
			http.MethodGet:  func() { s.handleList(w, r, rt) },
			http.MethodPost: func() { s.handleCreate(w, r, rt) },
		})
	case len(segs) == 2 && segs[1] == ".search":
		s.methods(w, r, map[string]func(){http.MethodPost: func() { s.handleSearch(w, r, rt) }})
	case len(segs) == 2:
		id := segs[1]
		s.methods(w, r, map[string]func(){
			http.MethodGet:    func() { s.handleGet(w, r, rt, id) },
			http.MethodPut:    func() { s.handleReplace(w, r, rt, id) },
			http.MethodPatch:  func() { s.handlePatch(w, r, rt, id) },
			http.MethodDelete: func() { s.handleDelete(w, r, rt, id) },
		})
	default:
		s.writeError(w, notFound("no SCIM endpoint at /%s", strings.Join(segs, "/")))
	}
}

// methods runs the handler for r.Method, or answers 405 with an Allow header.
func (s *Server) methods(w http.ResponseWriter, r *http.Request, hs map[string]func()) {
	if h, ok := hs[r.Method]; ok {
		h()
		return
	}
	if r.Method == http.MethodHead {
		if h, ok := hs[http.MethodGet]; ok {
			h()
			return
		}
	}
	allow := make([]string, 0, len(hs))
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, ok := hs[m]; ok {
			allow = append(allow, m)
		}
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.writeError(w, errf(http.StatusMethodNotAllowed, "", "method %s is not allowed here; allowed: %s", r.Method, strings.Join(allow, ", ")))
}

func (s *Server) contentType() string {
	if s.fault(fNoSCIMContentType) {
		return "application/json"
	}
	return "application/scim+json"
}

// writeJSON writes a JSON response with the SCIM media type.
func (s *Server) writeJSON(w http.ResponseWriter, status int, body any) {
	buf, _ := s.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			s.bufs.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(buf).Encode(errf(status, "", "encoding response: %v", err).body(s.fault(fErrorStatusAsNumber)))
	}
	w.Header().Set("Content-Type", s.contentType())
	w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) writeError(w http.ResponseWriter, e *scimError) {
	s.writeJSON(w, e.status, e.body(s.fault(fErrorStatusAsNumber)))
}

// readJSON reads a request body (capped at limit bytes) as a JSON object.
func (s *Server) readJSON(r *http.Request, limit int64) (map[string]any, *scimError) {
	if r.Body == nil {
		return nil, badRequest(stInvalidSyntax, "request body is empty")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errf(http.StatusRequestEntityTooLarge, "", "request body exceeds %d bytes", limit)
		}
		return nil, badRequest(stInvalidSyntax, "reading request body: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, errf(http.StatusRequestEntityTooLarge, "", "request body exceeds the maximum payload size of %d bytes", limit)
	}
	return s.decodeObject(data)
}

func (s *Server) decodeObject(data []byte) (map[string]any, *scimError) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	err := dec.Decode(&v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON value")
	}
	if err == nil {
		if _, ok := v.(map[string]any); !ok {
			err = fmt.Errorf("expected a JSON object, got %s", jsonKind(v))
		}
	}
	if err != nil {
		if s.fault(fMalformedJSONReturns500) {
			return nil, errf(http.StatusInternalServerError, "", "internal error: %v", err)
		}
		return nil, badRequest(stInvalidSyntax, "request body is not a valid JSON object: %v", err)
	}
	return v.(map[string]any), nil
}

// checkSchemas verifies the "schemas" member of a protocol message or a
// resource: present, an array of strings, containing want.
func checkSchemas(body map[string]any, want string) *scimError {
	k, ok := lookupKey(body, "schemas")
	if !ok {
		return badRequest(stInvalidSyntax, "the \"schemas\" attribute is missing; expected %q", want)
	}
	arr, ok := body[k].([]any)
	if !ok {
		return badRequest(stInvalidSyntax, "\"schemas\" must be an array of URIs")
	}
	found := false
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return badRequest(stInvalidSyntax, "\"schemas\" must be an array of URIs")
		}
		if strings.EqualFold(s, want) {
			found = true
		}
	}
	if !found {
		return badRequest(stInvalidSyntax, "\"schemas\" does not contain %q", want)
	}
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }
