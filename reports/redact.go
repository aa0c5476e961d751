package reports

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Redacted replaces every secret that [RedactBody], [RedactHeaders] and the
// HAR writer find.
const Redacted = "REDACTED"

// secretHeaders are the header names, in lower case, whose values are
// credentials.
var secretHeaders = []string{
	"authorization", "proxy-authorization", "cookie", "set-cookie",
	"x-api-key", "api-key", "x-auth-token",
}

// secretKeys are the attribute and parameter names, in lower case, whose
// values are secrets.
var secretKeys = []string{"password", "access_token", "refresh_token", "id_token", "client_secret"}

// isSecretKey reports whether an attribute name or PATCH path names a
// secret: its last component (after the last '.' or ':', so that
// "urn:…:User:password" counts) is one of secretKeys, in any case.
func isSecretKey(name string) bool {
	if i := strings.LastIndexAny(name, ".:"); i >= 0 {
		name = name[i+1:]
	}
	return slices.Contains(secretKeys, strings.ToLower(strings.TrimSpace(name)))
}

// RedactHeaders returns a copy of h in which the value of every credential
// header (Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key,
// Api-Key, X-Auth-Token; names in any case) is replaced by [Redacted]. The
// other headers are copied unchanged and h is not modified. A nil h gives nil.
func RedactHeaders(h map[string][]string) map[string][]string {
	if h == nil {
		return nil
	}
	out := make(map[string][]string, len(h))
	for name, values := range h {
		if slices.Contains(secretHeaders, strings.ToLower(strings.TrimSpace(name))) {
			red := make([]string, len(values))
			for i := range red {
				red[i] = Redacted
			}
			out[name] = red
			continue
		}
		out[name] = slices.Clone(values)
	}
	return out
}

// RedactBody returns body with the value of every secret replaced by the JSON
// string "REDACTED": the value of any attribute named password, access_token,
// refresh_token, id_token or client_secret (in any case, at any depth, also
// as the last component of a URN-qualified name), and the "value" of a PATCH
// operation whose "path" names one of them.
//
// Everything else is kept byte for byte: key order, spacing and escapes are
// not touched, so a redacted body still shows what the server sent. The
// scanner is lenient, so a body that is not quite JSON (cut short by the
// recorder, or JSON inside other text) is redacted as far as it goes; a body
// that is not JSON also has form-style pairs such as password=… redacted.
// When there is nothing to redact, body itself is returned.
func RedactBody(body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	s := &secretScanner{b: body}
	s.scan()
	out := s.splice()
	if !json.Valid(body) {
		out = formSecret.ReplaceAll(out, []byte("${1}"+Redacted))
	}
	if string(out) == string(body) {
		return body
	}
	return out
}

// formSecret matches name=value pairs of secretKeys in form-encoded or
// free text; the value stops at a separator, quote or backslash so that the
// text around it keeps its shape.
var formSecret = regexp.MustCompile(`(?i)((?:^|[?&;\s])(?:password|access_token|refresh_token|id_token|client_secret)=)[^&;\s"\\]*`)

// redactURL returns rawURL with the password of its user information and the
// values of secret query and fragment parameters replaced by [Redacted];
// everything else is kept as it was.
func redactURL(rawURL string) string {
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
		if isSecretKey(name) {
			parts[i] = p[:strings.Index(p, "=")+1] + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// secretScanner walks JSON leniently and records the byte spans of secret
// values. It never fails: at the end of input it stops where it is, and bytes
// that cannot start a value are skipped.
type secretScanner struct {
	b     []byte
	i     int
	spans [][2]int
}

// scan looks for objects and arrays anywhere in the input.
func (s *secretScanner) scan() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '{', '[':
			s.value(0)
		case '"':
			s.str() // a string outside any object cannot be a secret value
		default:
			s.i++
		}
	}
}

// maxDepth bounds the nesting the scanner follows, so a hostile body cannot
// exhaust the stack; deeper values are skipped as opaque.
const maxDepth = 512

func (s *secretScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// value scans one value at s.i and returns its span; for a string it also
// returns the decoded text.
func (s *secretScanner) value(depth int) (start, end int, text string, isString bool) {
	s.ws()
	start = s.i
	if s.i >= len(s.b) {
		return start, start, "", false
	}
	switch c := s.b[s.i]; {
	case c == '{' && depth < maxDepth:
		s.object(depth + 1)
	case c == '[' && depth < maxDepth:
		s.array(depth + 1)
	case c == '"':
		text = s.str()
		return start, s.i, text, true
	default:
		// A number, literal or garbage: up to the next delimiter.
		for s.i < len(s.b) && !strings.ContainsRune(",:{}[]\" \t\r\n", rune(s.b[s.i])) {
			s.i++
		}
		if s.i == start { // a stray delimiter (or too deep)
			s.i++
		}
	}
	return start, s.i, "", false
}

// str scans a string starting at its opening quote and returns its decoded
// text (the raw text when it is cut short or badly escaped).
func (s *secretScanner) str() string {
	start := s.i
	s.i++
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			var text string
			if json.Unmarshal(s.b[start:s.i], &text) == nil {
				return text
			}
			return string(s.b[start+1 : s.i-1])
		}
		s.i++
	}
	s.i = min(s.i, len(s.b))
	return string(s.b[min(start+1, len(s.b)):s.i])
}

func (s *secretScanner) object(depth int) {
	s.i++ // '{'
	var pathIsSecret bool
	var valueSpan [2]int
	haveValue := false
	for {
		s.ws()
		if s.i >= len(s.b) {
			break
		}
		c := s.b[s.i]
		if c == '}' {
			s.i++
			break
		}
		if c != '"' { // ',' or garbage
			s.i++
			continue
		}
		key := s.str()
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			continue
		}
		s.i++
		start, end, text, isString := s.value(depth)
		switch {
		case isSecretKey(key):
			s.add(start, end)
		case strings.EqualFold(key, "path") && isString && isSecretKey(text):
			pathIsSecret = true
		case strings.EqualFold(key, "value"):
			valueSpan, haveValue = [2]int{start, end}, true
		}
	}
	if pathIsSecret && haveValue {
		s.add(valueSpan[0], valueSpan[1])
	}
}

func (s *secretScanner) array(depth int) {
	s.i++ // '['
	for {
		s.ws()
		if s.i >= len(s.b) {
			return
		}
		switch s.b[s.i] {
		case ']':
			s.i++
			return
		case ',':
			s.i++
		default:
			s.value(depth)
		}
	}
}

func (s *secretScanner) add(start, end int) {
	if end > start {
		s.spans = append(s.spans, [2]int{start, end})
	}
}

// splice returns the input with every outermost recorded span replaced by
// the JSON string "REDACTED".
func (s *secretScanner) splice() []byte {
	if len(s.spans) == 0 {
		return s.b
	}
	slices.SortFunc(s.spans, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return b[1] - a[1] // the longer first, so it swallows the shorter
	})
	out := make([]byte, 0, len(s.b))
	last := 0
	for _, sp := range s.spans {
		if sp[0] < last { // inside a span already replaced
			continue
		}
		out = append(out, s.b[last:sp[0]]...)
		out = append(out, `"`+Redacted+`"`...)
		last = sp[1]
	}
	return append(out, s.b[last:]...)
}
