// Package redact is scimloop's one set of rules for keeping credentials out
// of what it records and writes: credential headers, secret attributes in
// bodies, secret query parameters, URL passwords, and literal secret values
// (the token or password the user gave) wherever they turn up.
//
// Every rule replaces a secret with [Redacted] and keeps the text around it,
// so a redacted exchange still shows what was sent and answered.
package redact

import (
	"bytes"
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Redacted replaces every secret.
const Redacted = "REDACTED"

// MinSecretLen is the shortest literal secret worth scrubbing from text
// that a server wrote: a shorter value would match by chance.
const MinSecretLen = 4

// IsSecretHeader reports whether the header name (any case) carries
// credentials: Authorization, Proxy-Authorization, Cookie, Set-Cookie,
// X-Api-Key, Api-Key or X-Auth-Token.
func IsSecretHeader(name string) bool {
	return equalFoldAny(strings.TrimSpace(name), "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token")
}

// equalFoldAny reports whether s equals one of names in any case. Unlike
// strings.ToLower it allocates nothing: it runs for every header of every
// exchange.
func equalFoldAny(s string, names ...string) bool {
	for _, n := range names {
		if len(s) == len(n) && strings.EqualFold(s, n) {
			return true
		}
	}
	return false
}

// IsSecretKey reports whether an attribute name, parameter name or PATCH
// path names a secret: its last component (after the last '.' or ':', so
// that "urn:…:User:password" counts) is password, access_token,
// refresh_token, id_token or client_secret, in any case.
func IsSecretKey(name string) bool {
	if i := strings.LastIndexAny(name, ".:"); i >= 0 {
		name = name[i+1:]
	}
	return equalFoldAny(strings.TrimSpace(name), "password", "access_token", "refresh_token", "id_token", "client_secret")
}

// Secrets returns the literal secret values to scrub with [String] and
// [Bytes]: values shorter than minLen (and empty ones) dropped, duplicates
// removed, longest first so that a secret that contains another is replaced
// whole. The argument is not modified.
func Secrets(minLen int, values ...string) []string {
	minLen = max(minLen, 1)
	out := make([]string, 0, len(values))
	for _, v := range values {
		if len(v) >= minLen && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return out
}

// String returns s with every literal secret replaced by [Redacted].
// secrets should come from [Secrets]; empty ones are skipped.
func String(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// Bytes returns b with every literal secret replaced by [Redacted], and
// whether there was one. b itself is returned, unmodified, when there was
// none; otherwise b is not modified either.
func Bytes(b []byte, secrets []string) ([]byte, bool) {
	found := false
	for _, sec := range secrets {
		if sec != "" && bytes.Contains(b, []byte(sec)) {
			b, found = bytes.ReplaceAll(b, []byte(sec), []byte(Redacted)), true
		}
	}
	return b, found
}

// Header returns a copy of h in which the value of every credential header
// ([IsSecretHeader]) is replaced by [Redacted] and every literal secret in
// the other values is replaced too. h is not modified; value slices that
// need no change are shared with h. A nil h gives nil.
func Header(h map[string][]string, secrets []string) map[string][]string {
	if h == nil {
		return nil
	}
	out := make(map[string][]string, len(h))
	for name, values := range h {
		out[name] = headerValues(name, values, secrets)
	}
	return out
}

// headerValues returns the values of header name redacted: all of them
// for a credential header, else with literal secrets replaced; values
// itself when nothing changes.
func headerValues(name string, values, secrets []string) []string {
	if IsSecretHeader(name) {
		red := make([]string, len(values))
		for i := range red {
			red[i] = Redacted
		}
		return red
	}
	var out []string
	for i, v := range values {
		if s := String(v, secrets); s != v {
			if out == nil {
				out = slices.Clone(values)
			}
			out[i] = s
		}
	}
	if out == nil {
		return values
	}
	return out
}

// URL returns rawURL with the password of its user information and the
// values of secret query and fragment parameters ([IsSecretKey]) replaced by
// [Redacted], and then every literal secret. The user name is kept: it
// says who the request ran as. Everything else is kept as it was; text that
// does not parse as a URL has form-style pairs such as password=… redacted.
func URL(rawURL string, secrets []string) string {
	if strings.ContainsAny(rawURL, "@%") || mayHoldSecretKey(rawURL) {
		rawURL = structuredURL(rawURL)
	}
	return String(rawURL, secrets)
}

func structuredURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return formSecret.ReplaceAllString(rawURL, "${1}"+Redacted)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), Redacted)
		}
	}
	u.RawQuery = redactPairs(u.RawQuery)
	if u.Fragment != "" {
		frag := redactPairs(u.EscapedFragment())
		if f, err := url.PathUnescape(frag); err == nil {
			u.Fragment, u.RawFragment = f, frag
		}
	}
	return u.String()
}

// redactPairs redacts the values of secret parameters in an escaped
// a=b&c=d list, keeping every other byte.
func redactPairs(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if IsSecretKey(name) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// formSecret matches name=value pairs of secret keys in form-encoded or
// free text; the value stops at a separator, quote or backslash so that the
// text around it keeps its shape.
var formSecret = regexp.MustCompile(`(?i)((?:^|[?&;\s])(?:password|access_token|refresh_token|id_token|client_secret)=)[^&;\s"\\]*`)
