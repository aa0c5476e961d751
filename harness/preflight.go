package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// PreflightError reports that the run stopped before judging anything,
// because the server refused the credentials or the base URL does not lead
// to a SCIM service. It wraps [ErrIncomplete]; callers that want to name the
// fix (a flag, an environment variable) read its fields.
type PreflightError struct {
	Kind    PreflightKind
	Request string // the request that showed it: "GET https://…/Users?…"
	Status  int    // the answer's status
	// Credentials says whether the run sent credentials.
	Credentials bool
	// Challenge is the WWW-Authenticate header of a 401, when one came.
	Challenge string
	// Answer describes the body of a discovery answer that was not SCIM.
	Answer string
	// Suggest is a base URL whose /ServiceProviderConfig answers as SCIM,
	// when one of the usual bases does.
	Suggest string
	// Searched says whether the usual bases were tried (after a 200, 404
	// or 405 that was not SCIM; a 5xx says nothing about the path).
	Searched bool
}

// PreflightKind says what the preflight found.
type PreflightKind int

// What stops a run before it judges anything.
const (
	// PreflightCredentials: a 401 or 403 on an authenticated read.
	PreflightCredentials PreflightKind = iota + 1
	// PreflightBaseURL: /ServiceProviderConfig did not answer as SCIM.
	PreflightBaseURL
)

func (e *PreflightError) Error() string {
	switch e.Kind {
	case PreflightCredentials:
		s := fmt.Sprintf("%s answered %d: the server refused the credentials", e.Request, e.Status)
		if !e.Credentials {
			s = fmt.Sprintf("%s answered %d: the server wants credentials and none were given", e.Request, e.Status)
		}
		if e.Challenge != "" {
			s += fmt.Sprintf(" (it asks for %q)", e.Challenge)
		}
		return s + "; nothing was judged"
	default:
		s := fmt.Sprintf("%s answered %d with %s, want 200 and a ServiceProviderConfig JSON object", e.Request, e.Status, e.Answer)
		if e.Suggest != "" {
			return s + fmt.Sprintf("; %s answers as SCIM: it is probably the base URL to use; nothing was judged", e.Suggest)
		}
		if e.Searched {
			s += "; no usual base (/scim/v2, /v2, /scim) answers either: is the URL the SCIM base URL, the one /Users and /ServiceProviderConfig hang off?"
		}
		return s
	}
}

// Unwrap lets errors.Is(err, ErrIncomplete) hold.
func (e *PreflightError) Unwrap() error { return ErrIncomplete }

// IsPreflight reports whether err stopped the run before anything was judged,
// and returns the PreflightError when it did.
func IsPreflight(err error) (*PreflightError, bool) {
	var pe *PreflightError
	ok := errors.As(err, &pe)
	return pe, ok
}

// preflightFilter is a read every SCIM server answers the way identity
// providers use it (RFC 7644 §3.4.2.2); it matches nothing the run creates.
const preflightFilter = `userName eq "scimloop-preflight"`

// checkCredentials makes one authenticated read of /Users before anything
// else, so that refused credentials stop the run instead of failing every
// check. Only a 401 or 403 stops it; any other answer is left to the checks.
func checkCredentials(ctx context.Context, c *fakeidp.Client, hasCreds bool) error {
	q := url.Values{"filter": {preflightFilter}, "count": {"1"}}
	ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodGet, Path: "/Users", Query: q, Retry: true})
	if err != nil || (ex.Status != http.StatusUnauthorized && ex.Status != http.StatusForbidden) {
		return nil // a transport error shows again, explained, in discovery
	}
	return &PreflightError{Kind: PreflightCredentials, Request: ex.Method + " " + ex.URL, Status: ex.Status,
		Credentials: hasCreds, Challenge: c.Recorder().Scrub(ex.Header("WWW-Authenticate"))}
}

// diagnoseDiscovery explains a /ServiceProviderConfig answer that is not SCIM
// and, when one of the usual base URLs answers as SCIM, names it. It returns
// nil when the answer was an error without a status (the caller keeps its
// own message) or a 401/403 (credentials, reported as such).
func diagnoseDiscovery(ctx context.Context, target Target, cfg *config, spc *fakeidp.Exchange, hasCreds bool) error {
	if spc == nil || spc.Err != nil || spc.Status == 0 {
		return nil
	}
	if spc.Status == http.StatusUnauthorized || spc.Status == http.StatusForbidden {
		return &PreflightError{Kind: PreflightCredentials, Request: spc.Method + " " + spc.URL, Status: spc.Status,
			Credentials: hasCreds, Challenge: spc.Header("WWW-Authenticate")}
	}
	pe := &PreflightError{Kind: PreflightBaseURL, Request: spc.Method + " " + spc.URL, Status: spc.Status, Answer: describeAnswer(spc)}
	if spc.Status == http.StatusNotFound || spc.Status == http.StatusOK || spc.Status == http.StatusMethodNotAllowed {
		pe.Suggest, pe.Searched = findBase(ctx, target, cfg), true
	}
	return pe
}

// describeAnswer names what a body is, for a person: "no body", "a JSON
// array", "an HTML page (text/html)".
func describeAnswer(ex *fakeidp.Exchange) string {
	ct := ex.Header("Content-Type")
	body := strings.TrimSpace(string(ex.RespBody))
	switch {
	case body == "":
		return "no body"
	case fakeidp.IsJSON(ex.RespBody):
		v := gjson.Parse(body)
		switch {
		case v.IsObject() && v.Get("detail").Type == gjson.String:
			return fmt.Sprintf("a JSON error (detail %q)", cutText(v.Get("detail").String(), 80))
		case v.IsObject():
			return "a JSON object that is not a ServiceProviderConfig"
		case v.IsArray():
			return "a JSON array"
		}
		return "a bare JSON " + strings.ToLower(v.Type.String())
	case strings.Contains(ct, "html") || strings.HasPrefix(body, "<"):
		return fmt.Sprintf("an HTML page (%s)", orUnknown(ct))
	}
	return fmt.Sprintf("a body that is not JSON (%s)", orUnknown(ct))
}

func cutText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func orUnknown(ct string) string {
	if ct == "" {
		return "no Content-Type"
	}
	return ct
}

// findBase tries the usual SCIM base URLs near target.URL, read-only (GET
// /ServiceProviderConfig, nothing else), and returns the first that answers
// as SCIM, or "".
func findBase(ctx context.Context, target Target, cfg *config) string {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for _, cand := range candidateBases(target.URL) {
		if ctx.Err() != nil {
			return ""
		}
		t := target
		t.URL = cand
		c, err := newClient(t, cfg)
		if err != nil {
			continue
		}
		ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodGet, Path: "/ServiceProviderConfig"})
		if err == nil && ex.Status == http.StatusOK && looksLikeSPC(ex.RespBody) {
			return cand
		}
	}
	return ""
}

// looksLikeSPC reports whether body is a ServiceProviderConfig: a JSON object
// with its schema URN or the capability objects every one has.
func looksLikeSPC(body []byte) bool {
	v := gjson.ParseBytes(body)
	if !fakeidp.IsJSON(body) || !v.IsObject() {
		return false
	}
	return strings.Contains(v.Get("schemas").Raw, "ServiceProviderConfig") || v.Get("patch").IsObject() && v.Get("filter").IsObject()
}

// candidateBases lists the base URLs worth trying for raw, in order: the
// usual paths at the host's root, then raw with or without a trailing /v2
// or /scim/v2. raw itself is never listed.
func candidateBases(raw string) []string {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" {
		return nil
	}
	u.RawQuery, u.Fragment = "", ""
	p := strings.TrimRight(u.Path, "/")
	paths := []string{"/scim/v2", "/v2", "/scim"}
	if p != "" {
		paths = append(paths, p+"/scim/v2", p+"/scim")
	}
	if p != "" && !strings.HasSuffix(p, "/v2") {
		paths = append(paths, p+"/v2")
	}
	if trimmed, ok := strings.CutSuffix(p, "/v2"); ok {
		paths = append(paths, trimmed)
	}
	seen := map[string]bool{p: true}
	var out []string
	for _, cp := range paths {
		if seen[cp] {
			continue
		}
		seen[cp] = true
		c := *u
		c.Path, c.RawPath = cp, ""
		out = append(out, c.String())
	}
	return out
}
