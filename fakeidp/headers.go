package fakeidp

import (
	"encoding/json"
	"iter"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/internal/redact"
)

// Headers is the recorded header of a request or response. It is immutable
// and compact: all its fields live in one string, so that the many
// exchanges a run keeps cost the garbage collector nothing to scan, where
// an http.Header is a map of slices of strings. Names are canonical
// ("Etag"), fields are in name order, and a name sent several times has
// one field per value, in the order sent. The zero value has no fields.
type Headers struct {
	// packed holds, per field: the name's length as a uvarint, the name,
	// the value's length as a uvarint, the value.
	packed string
}

// NewHeaders returns h recorded as it is (nothing redacted): for building
// an [Exchange] by hand, as tests do. The recorder redacts what it keeps.
func NewHeaders(h http.Header) Headers { return packHeaders(h, false, nil) }

// Get returns the first value of the field name (any case), or "".
func (h Headers) Get(name string) string {
	for i := 0; i < len(h.packed); {
		n, v, next := h.field(i)
		if strings.EqualFold(n, name) {
			return v
		}
		i = next
	}
	return ""
}

// Values returns every value of the field name (any case), in the order
// sent; nil when there is none.
func (h Headers) Values(name string) []string {
	var out []string
	for n, v := range h.All() {
		if strings.EqualFold(n, name) {
			out = append(out, v)
		}
	}
	return out
}

// All yields each field's name and value, in order.
func (h Headers) All() iter.Seq2[string, string] {
	return func(yield func(name, value string) bool) {
		for i := 0; i < len(h.packed); {
			n, v, next := h.field(i)
			if !yield(n, v) {
				return
			}
			i = next
		}
	}
}

// Len returns the number of fields (a name sent twice counts twice).
func (h Headers) Len() int {
	n := 0
	for i := 0; i < len(h.packed); n++ {
		_, _, i = h.field(i)
	}
	return n
}

// HTTP returns the fields as a new http.Header, for writers that want one.
// It is nil when there are none.
func (h Headers) HTTP() http.Header {
	if h.packed == "" {
		return nil
	}
	out := http.Header{}
	for n, v := range h.All() {
		out[n] = append(out[n], v)
	}
	return out
}

// MarshalJSON writes the fields as an http.Header would be written, so that
// an exchange encoded as JSON keeps its headers.
func (h Headers) MarshalJSON() ([]byte, error) {
	if h.packed == "" {
		return []byte("null"), nil
	}
	return json.Marshal(map[string][]string(h.HTTP()))
}

// UnmarshalJSON reads what MarshalJSON writes.
func (h *Headers) UnmarshalJSON(data []byte) error {
	var m http.Header
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*h = NewHeaders(m)
	return nil
}

// String renders the fields as "Name: value" lines.
func (h Headers) String() string {
	var b strings.Builder
	for n, v := range h.All() {
		b.WriteString(n + ": " + v + "\n")
	}
	return b.String()
}

// field decodes the field that starts at i: its name, its value and where
// the next one starts.
func (h Headers) field(i int) (name, value string, next int) {
	name, i = h.chunk(i)
	value, i = h.chunk(i)
	return name, value, i
}

// chunk decodes one length-prefixed string at i. Only packHeaders writes
// h.packed, so the input is well formed; the bounds are clamped anyway.
func (h Headers) chunk(i int) (string, int) {
	n, shift := 0, 0
	for i < len(h.packed) {
		c := h.packed[i]
		i++
		n |= int(c&0x7f) << shift
		if c < 0x80 {
			break
		}
		shift += 7
	}
	end := min(i+n, len(h.packed))
	return h.packed[i:end], end
}

// redacted returns h with credentials redacted as [packHeaders] does; h
// itself when there is nothing to redact.
func (h Headers) redacted(secrets []string) Headers {
	for n, v := range h.All() {
		if redact.IsSecretHeader(n) && v != redact.Redacted || redact.String(v, secrets) != v {
			return packHeaders(h.HTTP(), true, secrets)
		}
	}
	return h
}

// maxStackFields is how many header names packHeaders sorts without
// allocating; a typical SCIM exchange has fewer than ten.
const maxStackFields = 16

// packHeaders packs h. With scrub, the value of every credential header
// ([redact.IsSecretHeader]) becomes [redact.Redacted] and every literal
// secret in the other values is replaced too: made in one pass over h
// into one buffer.
func packHeaders(h http.Header, scrub bool, secrets []string) Headers {
	if len(h) == 0 {
		return Headers{}
	}
	type field struct {
		name   string // canonical
		values []string
		secret bool // a credential header: every value is replaced
	}
	var stack [maxStackFields]field
	fields, size := stack[:0], 0
	for name, values := range h {
		f := field{textproto.CanonicalMIMEHeaderKey(name), values, scrub && redact.IsSecretHeader(name)}
		for _, v := range values {
			if f.secret {
				v = redact.Redacted
			}
			size += chunkLen(f.name) + chunkLen(v) // a literal secret may still grow it
		}
		fields = append(fields, f)
	}
	slices.SortFunc(fields, func(a, b field) int { return strings.Compare(a.name, b.name) })
	b := make([]byte, 0, size)
	for _, f := range fields {
		for _, v := range f.values {
			switch {
			case f.secret:
				v = redact.Redacted
			case scrub:
				v = redact.String(v, secrets)
			}
			b = appendChunk(b, f.name)
			b = appendChunk(b, v)
		}
	}
	return Headers{packed: frozen(b)}
}

func appendChunk(b []byte, s string) []byte {
	n := uint(len(s))
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(append(b, byte(n)), s...)
}

// chunkLen is the length appendChunk appends for s.
func chunkLen(s string) int {
	l := 1 + len(s)
	for n := len(s); n >= 0x80; n >>= 7 {
		l++
	}
	return l
}
