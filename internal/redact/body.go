package redact

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Body returns body with the value of every secret replaced by the JSON
// string "REDACTED", and then every literal secret replaced by [Redacted].
// The secret values are those of any attribute that [IsSecretKey] names (at
// any depth), and the "value" of a PATCH operation whose "path" names one.
//
// Everything else is kept byte for byte: key order, spacing and escapes are
// not touched, so a redacted body still shows what the server sent. The
// scanner is lenient, so a body that is not quite JSON (cut short by the
// recorder, or JSON inside other text) is redacted as far as it goes; a body
// that is not JSON also has form-style pairs such as password=… redacted.
// When there is nothing to redact, body itself is returned; body is never
// modified.
func Body(body []byte, secrets []string) []byte {
	if len(body) == 0 {
		return body
	}
	out := body
	if mayHoldSecretKey(body) {
		out = structuredBody(body)
	}
	out, _ = Bytes(out, secrets)
	if string(out) == string(body) {
		return body
	}
	return out
}

func structuredBody(body []byte) []byte {
	s := &secretScanner{b: body}
	s.scan()
	out := s.splice()
	if !json.Valid(body) {
		out = formSecret.ReplaceAll(out, []byte("${1}"+Redacted))
	}
	return out
}

// mayHoldSecretKey is a quick test that lets most bodies and URLs skip the
// full scan: every secret key contains "password", "token" or "secret", in
// some case, unless it is spelled with a JSON escape. It runs for every
// exchange, so it looks with the vectorised byte search for one letter of
// each word (w, k, c, in either case) and checks the word around each hit,
// rather than testing every byte.
func mayHoldSecretKey[T string | []byte](b T) bool {
	for _, m := range [...]struct {
		letter byte
		word   string
		at     int // where letter sits in word
	}{{'w', "password", 4}, {'k', "token", 2}, {'c', "secret", 2}} {
		for _, letter := range [2]byte{m.letter, m.letter - 'a' + 'A'} {
			for i := m.at; i < len(b); {
				j := indexByte(b[i:], letter)
				if j < 0 {
					break
				}
				i += j
				if hasFold(b[i-m.at:], m.word) {
					return true
				}
				i++
			}
		}
	}
	for i := 0; i < len(b); {
		j := indexByte(b[i:], '\\')
		if j < 0 {
			break
		}
		i += j + 1
		if i < len(b) && b[i] == 'u' {
			return true
		}
	}
	return false
}

// indexByte is strings.IndexByte or bytes.IndexByte, as b is.
func indexByte[T string | []byte](b T, c byte) int {
	switch v := any(b).(type) {
	case string:
		return strings.IndexByte(v, c)
	case []byte:
		return bytes.IndexByte(v, c)
	}
	return -1
}

// hasFold reports whether b starts with the lower-case ASCII word in any case.
func hasFold[T string | []byte](b T, word string) bool {
	if len(b) < len(word) {
		return false
	}
	for j := range len(word) {
		if b[j]|0x20 != word[j] {
			return false
		}
	}
	return true
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
			raw := s.b[start:s.i]
			if bytes.IndexByte(raw, '\\') < 0 {
				return string(raw[1 : len(raw)-1])
			}
			var text string
			if json.Unmarshal(raw, &text) == nil {
				return text
			}
			return string(raw[1 : len(raw)-1])
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
		case IsSecretKey(key):
			s.add(start, end)
		case strings.EqualFold(key, "path") && isString && IsSecretKey(text):
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
