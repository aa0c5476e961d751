// Package fakeidp is the identity-provider actor of scimloop: a [Client] that
// speaks SCIM over HTTP and records every request as a numbered [Exchange],
// and a [Directory] that models what the IdP believes it provisioned.
//
// The client never follows redirects, never sends credentials over plain
// http to a non-loopback host (unless told to), bounds every request by a
// timeout and every response by a size limit, and redacts credentials before
// anything is recorded.
package fakeidp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/scimloop/scimloop/internal/redact"
)

// Defaults for a Client.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxBody     = 8 << 20 // 8 MiB
	DefaultMaxRetries  = 3
	maxRetryAfter      = 5 * time.Second
	scimContentType    = "application/scim+json"
	maxRecordedBodyLen = 64 << 10
)

// scimContentTypeValue is the value of the Accept and Content-Type headers
// of every request, shared: net/http only reads a request's header, and a
// slice with no room to spare is copied by whoever appends to it.
var scimContentTypeValue = []string{scimContentType}

// ErrBodyTooLarge reports a response body over the client's size limit.
var ErrBodyTooLarge = errors.New("response body exceeds the size limit")

// Client sends SCIM requests to one service provider and records them.
// A Client is safe for concurrent use.
type Client struct {
	base         *url.URL
	plainBase    string // base as text for plain paths (see plainBase); "" when it cannot be
	http         *http.Client
	auth         string   // full Authorization header value, never recorded
	authHeader   []string // auth as a header value, shared by every request (see scimContentTypeValue)
	header       http.Header
	timeout      time.Duration
	maxBody      int64
	maxRetries   int
	insecureHTTP bool
	scenario     string
	limiter      *rate.Limiter
	rec          *Recorder
	secrets      []string // literal values scrubbed from anything recorded
	sleep        func(context.Context, time.Duration) error
	tokenSource  func(context.Context) (string, error)
	deadlines    *deadlines   // shared by the copies for one scenario
	sent         *sentHeaders // shared by the copies with the same credentials and recorder
	media        *bodyMedia   // shared by all copies
	optErr       error        // the first error an option met (an unreadable --ca-cert, say)
}

// setOptErr keeps the first error an Option met; NewClient returns it.
func (c *Client) setOptErr(err error) {
	if c.optErr == nil {
		c.optErr = err
	}
}

// Option configures a Client.
type Option func(*Client)

// WithBearer authenticates with "Authorization: Bearer token".
func WithBearer(token string) Option {
	return func(c *Client) {
		c.auth = "Bearer " + token
		c.secrets = append(c.secrets, token)
	}
}

// WithBasic authenticates with HTTP basic credentials.
func WithBasic(user, password string) Option {
	return func(c *Client) {
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
		c.secrets = append(c.secrets, password, strings.TrimPrefix(c.auth, "Basic "))
	}
}

// WithAuthorization sends value as the full Authorization header.
func WithAuthorization(value string) Option {
	return func(c *Client) {
		c.auth = value
		c.secrets = append(c.secrets, value)
		if _, cred, ok := strings.Cut(value, " "); ok {
			c.secrets = append(c.secrets, cred)
		}
	}
}

// WithTokenSource fetches a bearer token before each request (OAuth2 client
// credentials with refresh). Tokens it returns are scrubbed from recordings.
func WithTokenSource(src func(context.Context) (string, error)) Option {
	return func(c *Client) { c.tokenSource = src }
}

// WithHeader adds a header to every request. Header values are treated as
// secrets when name is an authentication header.
func WithHeader(name, value string) Option {
	return func(c *Client) {
		if strings.EqualFold(name, "Authorization") {
			WithAuthorization(value)(c)
			return
		}
		c.header.Add(name, value)
		if redact.IsSecretHeader(name) {
			c.secrets = append(c.secrets, value)
		}
	}
}

// WithTimeout bounds each request, body included. Requests that start
// within a tenth of d of each other share one deadline, so a request gets
// at least d and at most a tenth more.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithMaxBody bounds each response body.
// It is at most 1 GiB, which is more than any SCIM answer needs.
func WithMaxBody(n int64) Option { return func(c *Client) { c.maxBody = min(n, maxKept) } }

// WithMaxRetries sets how often 429 and 503 answers are retried.
func WithMaxRetries(n int) Option { return func(c *Client) { c.maxRetries = n } }

// WithHTTPClient sends through hc (for example an httptest server's Client).
// Redirects are still never followed.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		cp := *hc
		c.http = &cp
	}
}

// WithInsecureHTTP allows plain http to hosts other than loopback.
func WithInsecureHTTP() Option { return func(c *Client) { c.insecureHTTP = true } }

// WithRateLimit caps the request rate (requests per second; 0 = no cap).
// Requests are spaced evenly, without bursts: the first goes at once, each
// later one at least 1/rps after the one before.
func WithRateLimit(rps float64) Option {
	return func(c *Client) {
		if rps > 0 {
			c.limiter = rate.NewLimiter(rate.Limit(rps), 1)
		}
	}
}

// WithRecorder records into rec instead of a new Recorder.
func WithRecorder(rec *Recorder) Option { return func(c *Client) { c.rec = rec } }

// NewClient returns a client for the SCIM base URL (for example
// "https://example.com/scim/v2").
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %v", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want an absolute http or https URL", baseURL)
	}
	c := &Client{
		base:       u,
		plainBase:  plainBase(u),
		http:       &http.Client{},
		header:     http.Header{},
		timeout:    DefaultTimeout,
		maxBody:    DefaultMaxBody,
		maxRetries: DefaultMaxRetries,
		sleep:      sleepCtx,
		deadlines:  &deadlines{},
		sent:       &sentHeaders{},
		media:      &bodyMedia{},
	}
	for _, o := range opts {
		o(c)
	}
	if c.rec == nil {
		c.rec = NewRecorder()
	}
	if c.optErr != nil {
		return nil, c.optErr
	}
	c.authHeader = []string{c.auth}
	if pw, ok := u.User.Password(); ok {
		c.secrets = append(c.secrets, pw) // net/http sends it as basic auth
	}
	c.rec.addSecrets(c.secrets...)
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) && !c.insecureHTTP {
		return nil, fmt.Errorf("base URL %q: plain http is allowed only to loopback hosts; use https, or --insecure-http to send requests (and credentials) unencrypted", baseURL)
	}
	// Never follow redirects: a redirect could carry credentials to another host.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// IsLoopback reports whether host names this machine's loopback interface.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL returns the SCIM base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// Recorder returns the recorder shared by this client and its scenario forks.
func (c *Client) Recorder() *Recorder { return c.rec }

// HasCredentials reports whether the client authenticates its requests.
func (c *Client) HasCredentials() bool { return c.auth != "" || c.tokenSource != nil }

// Timeout returns the per-request timeout.
func (c *Client) Timeout() time.Duration { return c.timeout }

// ForScenario returns a client that shares the connection pool and recorder
// and labels its exchanges with the scenario name.
func (c *Client) ForScenario(name string) *Client {
	cp := *c
	cp.scenario = name
	cp.deadlines = &deadlines{} // a scenario has a context of its own
	return &cp
}

// WithoutAuth returns a client that sends no credentials, or, when auth is
// non-empty, sends it as the Authorization header instead: for 401 checks.
func (c *Client) WithoutAuth(auth string) *Client {
	cp := *c
	cp.auth, cp.authHeader = auth, []string{auth}
	cp.tokenSource = nil
	cp.sent = &sentHeaders{}
	return &cp
}

// Request is one SCIM request.
type Request struct {
	Method string
	Path   string      // relative to the base URL, e.g. "/Users/123"
	Query  url.Values  // optional
	Body   []byte      // nil for none
	Header http.Header // extra headers for this request
	// Retry allows retrying a 429 or 503 answer. Callers leave it false for a
	// POST unless they look the resource up before each retry (see BeforeRetry).
	Retry bool
	// BeforeRetry, when set, runs before each retry; if it reports done, the
	// request is not retried and its exchange is returned.
	BeforeRetry func(ctx context.Context) (done *Exchange, err error)
	// Tried is how many times the caller already sent this request and is
	// sending it again on its own (after a reset connection, say): the
	// exchanges' Attempt counts those tries too.
	Tried int
}

// Exchange is one recorded request and its response. Credentials are
// redacted; the response body is capped by the client's size limit.
type Exchange struct {
	Seq        int
	Scenario   string
	Started    time.Time
	Method     string
	URL        string
	ReqHeader  Headers
	ReqBody    []byte
	Status     int // 0 when no response came
	RespHeader Headers
	RespBody   []byte
	Latency    time.Duration
	Attempt    int  // 1 for the first try
	Truncated  bool // the response body was over the size limit
	Err        error
}

// Header returns the response header value for name.
func (e *Exchange) Header(name string) string {
	if e == nil {
		return ""
	}
	return e.RespHeader.Get(name)
}

// String is a one-line summary: "#12 PATCH /Users/7 → 200".
func (e *Exchange) String() string {
	if e == nil {
		return "(no exchange)"
	}
	if e.Err != nil {
		return fmt.Sprintf("#%d %s %s → error: %v", e.Seq, e.Method, e.URL, e.Err)
	}
	return fmt.Sprintf("#%d %s %s → %d", e.Seq, e.Method, e.URL, e.Status)
}

// Do sends req, retrying 429 and 503 answers as req allows, and returns the
// last exchange. The error is non-nil when no usable response came (transport
// failure, timeout, a body over the limit); the exchange is recorded anyway.
func (c *Client) Do(ctx context.Context, req Request) (*Exchange, error) {
	for attempt := 1; ; attempt++ {
		ex, err := c.once(ctx, req, max(req.Tried, 0)+attempt)
		if err == nil && c.media.refused(req, ex) {
			continue // sent again, labelled application/json (see bodyMedia)
		}
		if err != nil || !retryable(ex.Status) || !req.Retry || attempt > c.maxRetries {
			return ex, err
		}
		if err := c.sleep(ctx, backoff(attempt, ex.Header("Retry-After"))); err != nil {
			return ex, err
		}
		c.rec.countRetry()
		if req.BeforeRetry != nil {
			done, err := req.BeforeRetry(ctx)
			if err != nil {
				return ex, err
			}
			if done != nil {
				return done, nil
			}
		}
	}
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// backoff honours Retry-After (seconds or an HTTP date), capped, else grows
// exponentially with jitter.
func backoff(attempt int, retryAfter string) time.Duration {
	if retryAfter != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 {
			if s >= int(maxRetryAfter/time.Second) {
				return maxRetryAfter // also keeps a huge value from overflowing
			}
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(retryAfter); err == nil {
			return min(max(time.Until(t), 0), maxRetryAfter)
		}
	}
	d := 50 * time.Millisecond << (attempt - 1)
	return min(d+rand.N(d/2+1), maxRetryAfter)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once sends req one time and records the exchange. It keeps the hot path
// lean: the request's header values are shared and its URL is not parsed
// again, the response header is packed and redacted in one pass, and its
// body read in one buffer of its announced size; the recorder keeps copies
// outside the Go heap (see records.go).
func (c *Client) once(ctx context.Context, req Request, attempt int) (*Exchange, error) {
	ex := &Exchange{Scenario: c.scenario, Method: req.Method, URL: c.url(req), Attempt: attempt}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			ex.Started, ex.Err = time.Now(), err
			return c.rec.add(ex, nil, false), err
		}
	}
	ex.ReqBody, ex.Started = req.Body, time.Now()
	if d, ok := ctx.Deadline(); !ok || d.Sub(ex.Started) > c.timeout { // else the caller's sooner deadline is bound enough
		ctx = c.deadlines.bound(ctx, ex.Started, c.timeout)
	}
	hreq, err := c.newRequest(ctx, ex.URL, req)
	if err != nil {
		ex.Err = err
		return c.rec.add(ex, nil, false), err
	}
	secrets := c.rec.knownSecrets() // after newRequest: a fresh token is among them
	shared := len(req.Header) == 0  // the request header is the one every plain request sends
	ex.ReqHeader = c.sent.pack(hreq.Header, shared, secrets)
	resp, err := c.send(hreq)
	if err != nil {
		ex.Latency = time.Since(ex.Started)
		if ue, ok := errors.AsType[*url.Error](err); ok {
			ue.URL = redact.URL(ue.URL, nil) // error text is only scrubbed of literal secrets later
		}
		ex.Err = describeTransportError(err, c.timeout)
		return c.rec.add(ex, secrets, shared), ex.Err
	}
	defer resp.Body.Close()
	ex.Status = resp.StatusCode
	ex.RespHeader = packHeaders(resp.Header, true, secrets)
	data, err := readBody(resp, c.maxBody)
	ex.Latency = time.Since(ex.Started)
	if int64(len(data)) > c.maxBody {
		ex.RespBody = data[:c.maxBody]
		ex.Truncated = true
		ex.Err = fmt.Errorf("%s %s: %w (%d bytes)", req.Method, redact.URL(ex.URL, nil), ErrBodyTooLarge, c.maxBody)
		return c.rec.add(ex, secrets, shared), ex.Err
	}
	ex.RespBody = data
	if err != nil {
		ex.Err = fmt.Errorf("%s %s: reading the response body: %v", req.Method, redact.URL(ex.URL, nil), describeTransportError(err, c.timeout))
		return c.rec.add(ex, secrets, shared), ex.Err
	}
	return c.rec.add(ex, secrets, shared), nil
}

// newRequest builds the HTTP request for req: SCIM content type, the
// client's and the request's headers, credentials.
func (c *Client) newRequest(ctx context.Context, target string, req Request) (*http.Request, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	u, plain := c.plainURL(req, target)
	if plain {
		target = "" // set below, rather than parsed again
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, target, body)
	if err != nil {
		return nil, err
	}
	if plain {
		*hreq.URL, hreq.Host = u, u.Host
	}
	hreq.Header["Accept"] = scimContentTypeValue
	if req.Body != nil {
		hreq.Header["Content-Type"] = c.media.contentType()
	}
	for k, vs := range c.header {
		hreq.Header[k] = vs[:len(vs):len(vs)] // shared, as scimContentTypeValue is
	}
	for k, vs := range req.Header {
		hreq.Header[k] = slices.Clone(vs)
	}
	if err := c.authorize(ctx, hreq); err != nil {
		return nil, err
	}
	return hreq, nil
}

// send hands hreq to the transport. The client never follows a redirect
// and keeps no cookies, so http.Client's work for them (a copy of every
// request's header among it) buys nothing on the hot path; send does what
// else http.Client would: basic auth from the URL's user info, its error
// for plain HTTP on an https URL, and errors naming the request. A client
// supplied with a cookie jar or a timeout of its own sends through it.
func (c *Client) send(hreq *http.Request) (*http.Response, error) {
	if c.http.Jar != nil || c.http.Timeout > 0 {
		return c.http.Do(hreq)
	}
	rt := c.http.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if u := hreq.URL.User; u != nil && hreq.Header.Get("Authorization") == "" {
		pw, _ := u.Password()
		hreq.SetBasicAuth(u.Username(), pw)
	}
	resp, err := rt.RoundTrip(hreq)
	switch {
	case err != nil:
		if rec, ok := errors.AsType[tls.RecordHeaderError](err); ok && string(rec.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, &url.Error{Op: urlErrorOp(hreq.Method), URL: redact.URL(hreq.URL.String(), nil), Err: err}
	case resp == nil:
		return nil, fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", rt)
	case resp.Body == nil:
		resp.Body = http.NoBody
	}
	return resp, nil
}

// urlErrorOp is how http.Client names a method in its errors: "Get".
func urlErrorOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// readBody reads at most limit+1 bytes of the response body, so that the
// caller can tell a body over the limit. A body of announced length is read
// into one buffer of that size, not grown step by step.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > limit {
		return io.ReadAll(io.LimitReader(resp.Body, limit+1))
	}
	buf := make([]byte, n)
	got := 0
	for got < len(buf) {
		m, err := resp.Body.Read(buf[got:])
		got += m
		if err == io.EOF {
			return buf[:got:got], nil
		}
		if err != nil {
			return buf[:got:got], err
		}
	}
	// The announced length is read; anything more is kept, up to the limit.
	var probe [1]byte
	m, err := resp.Body.Read(probe[:])
	if m == 0 {
		if err == io.EOF {
			err = nil
		}
		return buf, err
	}
	rest, err := io.ReadAll(io.LimitReader(resp.Body, limit-n))
	return append(append(buf, probe[0]), rest...), err
}

func (c *Client) authorize(ctx context.Context, hreq *http.Request) error {
	if c.tokenSource != nil {
		tok, err := c.tokenSource(ctx)
		if err != nil {
			return fmt.Errorf("fetching an access token: %v", err)
		}
		c.rec.addSecrets(tok)
		hreq.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	if c.auth != "" {
		hreq.Header["Authorization"] = c.authHeader
	}
	return nil
}

func (c *Client) url(req Request) string {
	p, rawQuery, _ := strings.Cut(req.Path, "?")
	if rawQuery == "" && len(req.Query) == 0 && c.plainBase != "" && isPlainPath(p) {
		return c.plainBase + p // what u.String() below gives, without its work
	}
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + p
	if rawQuery == "" && len(req.Query) == 0 {
		u.RawQuery = ""
		return u.String()
	}
	q := url.Values{}
	if rawQuery != "" {
		q, _ = url.ParseQuery(rawQuery)
	}
	for k, vs := range req.Query {
		q[k] = vs
	}
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return u.String()
}

// plainURL returns target parsed, when url took its plain-path shortcut to
// build it: the base URL with target's path, which is what parsing target
// again would give. It reports false otherwise, and for a host with an
// empty port ("h:"), which net/http would trim.
func (c *Client) plainURL(req Request, target string) (url.URL, bool) {
	p, rawQuery, _ := strings.Cut(req.Path, "?")
	if rawQuery != "" || len(req.Query) != 0 || c.plainBase == "" || !isPlainPath(p) || strings.HasSuffix(c.base.Host, ":") {
		return url.URL{}, false
	}
	u := *c.base
	u.Path = target[len(c.plainBase)-len(strings.TrimRight(c.base.Path, "/")):] // plainBase ends with the base path
	return u, true
}

// plainBase returns the base URL as text to which a plain path can be
// appended, or "" when the base has escapes, a query or a fragment that
// need url.URL's care.
func plainBase(u *url.URL) string {
	if u.RawPath != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || u.Opaque != "" {
		return ""
	}
	b := *u
	b.Path = strings.TrimRight(u.Path, "/")
	if !isPlainPath(b.Path) {
		return ""
	}
	return b.String()
}

// isPlainPath reports whether p is empty or an absolute path of unreserved
// characters only, which no URL escaping changes.
func isPlainPath(p string) bool {
	if p != "" && p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '/', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

func describeTransportError(err error, timeout time.Duration) error {
	if tlsErr, ok := describeTLSError(err); ok {
		return tlsErr
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("no complete response within the %v timeout: %w", timeout, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("cancelled: %w", err)
	}
	return err
}
