package sequences

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/fakeidp"
)

// This file holds the generators the schema properties draw resources from:
// one per declared attribute, by its type, mutability, uniqueness and
// canonical values. Values are realistic (names, e-mails in the run's
// domain, phone numbers, URLs, base64, RFC 3339 times) so that a strict but
// correct server accepts them, and nothing undeclared is sent.

// Placeholders for the id and URL of the user a reference points at (a
// group's member, a user's manager); the case creates that user and puts
// them in before sending.
const (
	refIDMark  = "\x00ref-id"
	refURLMark = "\x00ref-url"
)

// genCtx is what one case's generators share: its names, and a counter
// that keeps every unique value unique.
type genCtx struct {
	prefix, tag, domain string
	n                   int
}

func (g *genCtx) next() int { g.n++; return g.n }

// Realistic pools, by attribute name.
var (
	givenNames  = []string{"Ada", "Zoë", "Łukasz", "José", "Siobhán", "Nguyễn", "Søren", "Émilie"}
	familyNames = []string{"Lovelace", "O'Brien", "Müller", "García", "Kowalski", "Tanaka", "Ólafsson"}
	pools       = map[string][]string{
		"title": {"Engineer", "Vice President", "Sales Lead"}, "usertype": {"Employee", "Contractor", "Intern"},
		"preferredlanguage": {"en-US", "de-DE", "fr-CA"}, "locale": {"en-US", "fr-FR", "ja-JP"},
		"timezone": {"America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo"}, "honorificprefix": {"Dr.", "Ms.", "Mr."},
		"honorificsuffix": {"Jr.", "III", "PhD"}, "streetaddress": {"100 Universal City Plaza", "221B Baker Street"},
		"locality": {"Hollywood", "London", "Zürich"}, "region": {"CA", "Greater London", "ZH"},
		"postalcode": {"91608", "NW1 6XE", "8001"}, "country": {"US", "GB", "CH"},
		"costcenter": {"CC-4711", "CC-0815"}, "organization": {"Example Corp", "Universal Studios"},
		"division": {"Theme Parks", "Research"}, "department": {"Engineering", "Forschung & Entwicklung", "財務"},
		"phonenumbers.value": {"+1 555 0100", "+44 20 7946 0958", "+81 3-1234-5678"},
		"roles.value":        {"admin", "auditor", "developer"}, "entitlements.value": {"vpn", "payroll", "badge"},
	}
	freeTypes = []string{"work", "home", "other"}
)

// resourceGen draws a resource of s: every required attribute, and each
// other writable one or not. Extension attributes go under their URN.
func resourceGen(s *rtSchema, g *genCtx) *rapid.Generator[map[string]any] {
	return rapid.Custom(func(t *rapid.T) map[string]any {
		body := map[string]any{}
		for _, d := range s.attrs {
			if !writable(d.Attribute) {
				continue
			}
			// three in four: most of what is declared is set (rapid
			// shrinks towards 0, unset)
			if !d.Required && rapid.IntRange(0, 3).Draw(t, "set "+d.key()) == 0 {
				continue
			}
			putAttr(body, d, attrValue(t, d, g))
		}
		body["schemas"] = schemasOf(s, body)
		return body
	})
}

// putAttr sets d's value in body, under its extension when it has one.
func putAttr(body map[string]any, d declAttr, v any) {
	if d.urn == "" {
		body[d.Name] = v
		return
	}
	ext, _ := body[d.urn].(map[string]any)
	if ext == nil {
		ext = map[string]any{}
		body[d.urn] = ext
	}
	ext[d.Name] = v
}

// schemasOf lists the core schema and the extensions body uses.
func schemasOf(s *rtSchema, body map[string]any) []any {
	out := []any{s.core}
	for _, e := range s.exts {
		if _, ok := body[e]; ok {
			out = append(out, e)
		}
	}
	return out
}

// attrValue draws a value for d: a list of one to three for a
// multi-valued attribute, with distinct types and at most one primary.
func attrValue(t *rapid.T, d declAttr, g *genCtx) any {
	if !d.MultiValued {
		if d.isComplex() {
			return complexValue(t, d, g, "")
		}
		return simpleValue(t, d.Name, d.Attribute, g)
	}
	if !d.isComplex() {
		n := rapid.IntRange(1, 2).Draw(t, d.key()+" count")
		out := make([]any, n)
		for i := range out {
			out[i] = simpleValue(t, d.Name, d.Attribute, g)
		}
		return out
	}
	types := typeChoices(d)
	most := 3
	if refersToResource(d) {
		most = 1 // one referenced user per case
	}
	n := rapid.IntRange(1, min(most, max(len(types), 1))).Draw(t, d.key()+" count")
	if len(types) > 0 {
		types = rapid.Permutation(types).Draw(t, d.key()+" types")
	}
	primary := -1
	if _, ok := d.sub("primary"); ok {
		primary = rapid.IntRange(-1, n-1).Draw(t, d.key()+" primary")
	}
	out := make([]any, n)
	for i := range out {
		typ := ""
		if len(types) > 0 {
			typ = types[i%len(types)]
		}
		v := complexValue(t, d, g, typ)
		if primary == i {
			v["primary"] = true
		}
		out[i] = v
	}
	return out
}

// typeChoices are the values d's type sub-attribute takes: its canonical
// values when a non-empty list is declared, else realistic free ones (an
// empty list is sent free values too: refusing them all is a finding).
func typeChoices(d declAttr) []string {
	ts, ok := d.sub("type")
	if !ok || !writable(ts) {
		return nil
	}
	if refersToResource(d) && slices.Contains(ts.CanonicalValues, "User") {
		return []string{"User"}
	}
	if len(ts.CanonicalValues) > 0 {
		return slices.Clone(ts.CanonicalValues)
	}
	return slices.Clone(freeTypes)
}

// complexValue draws the sub-attributes of one value of d; value (and
// type, given as typ) are always set when declared, so that a value is
// something real.
func complexValue(t *rapid.T, d declAttr, g *genCtx, typ string) map[string]any {
	v := map[string]any{}
	for _, s := range d.subs {
		name := lower(s.Name)
		if !writable(s) || name == "primary" {
			continue
		}
		must := name == "value" || (name == "type" && typ != "") || s.Required
		if !must && !rapid.Bool().Draw(t, "set "+d.key()+"."+s.Name) {
			continue
		}
		switch {
		case name == "type" && typ != "":
			v[s.Name] = typ
		case refersToResource(d) && name == "value":
			v[s.Name] = refIDMark
		case refersToResource(d) && name == "$ref":
			v[s.Name] = refURLMark
		default:
			v[s.Name] = simpleValue(t, d.Name+"."+s.Name, s, g)
		}
	}
	if !hasContent(v) {
		// a value of type and primary only says nothing: give it content
		for _, s := range d.subs {
			if n := lower(s.Name); writable(s) && lower(s.Type) == "string" && n != "type" && n != "primary" {
				v[s.Name] = simpleValue(t, d.Name+"."+s.Name, s, g)
				break
			}
		}
	}
	return v
}

// hasContent reports whether a complex value sets more than type and primary.
func hasContent(v map[string]any) bool {
	for k := range v {
		if n := lower(k); n != "type" && n != "primary" {
			return true
		}
	}
	return false
}

// simpleValue draws a value of a's type; path ("emails.value") picks a
// realistic pool for strings.
func simpleValue(t *rapid.T, path string, a fakeidp.Attribute, g *genCtx) any {
	switch lower(a.Type) {
	case "boolean":
		return rapid.Bool().Draw(t, path)
	case "integer":
		return rapid.IntRange(0, 1_000_000).Draw(t, path)
	case "decimal":
		cents := rapid.IntRange(1, 10_000_000).Draw(t, path)
		if cents%100 == 0 {
			cents++ // always a fraction: a truncating server shows
		}
		return float64(cents) / 100
	case "datetime":
		return dateTimeGen.Draw(t, path)
	case "binary":
		b := rapid.SliceOfN(rapid.Byte(), 8, 48).Draw(t, path)
		return base64.StdEncoding.EncodeToString(b)
	case "reference":
		return referenceValue(t, path, a, g)
	}
	if len(a.CanonicalValues) > 0 {
		return rapid.SampledFrom(a.CanonicalValues).Draw(t, path)
	}
	return stringValue(t, path, a, g)
}

// dateTimeGen draws an instant between 2000 and 2035 written in RFC 3339
// with one of several offsets (the instant is what must survive).
var dateTimeGen = rapid.Custom(func(t *rapid.T) string {
	sec := rapid.Int64Range(946684800, 2051222400).Draw(t, "instant")
	offs := []int{0, 2 * 3600, -5 * 3600, 5*3600 + 1800}
	off := offs[rapid.IntRange(0, len(offs)-1).Draw(t, "offset")]
	zone := time.FixedZone("", off)
	return time.Unix(sec, 0).In(zone).Format(time.RFC3339)
})

func referenceValue(t *rapid.T, path string, a fakeidp.Attribute, g *genCtx) string {
	for _, rt := range a.ReferenceTypes {
		if strings.EqualFold(rt, "uri") {
			return fmt.Sprintf("urn:example:%s:%d", g.tag, g.next())
		}
	}
	host := rapid.SampledFrom([]string{"photos.example.com", "profiles.example.org"}).Draw(t, path)
	return fmt.Sprintf("https://%s/%s/%d.jpg", host, g.tag, g.next())
}

// stringValue draws a realistic string for path; unique attributes, and
// the names the run's guard and sweep rely on, carry the case prefix.
func stringValue(t *rapid.T, path string, a fakeidp.Attribute, g *genCtx) string {
	p := lower(path)
	switch {
	case p == "username" || (a.Uniqueness != "" && lower(a.Uniqueness) != "none"):
		return fmt.Sprintf("%s%s-%d", g.prefix, strings.ReplaceAll(p, ".", "-"), g.next())
	case p == "displayname" || p == "externalid":
		return fmt.Sprintf("%s%s-%d", g.prefix, p, g.next())
	case p == "emails.value":
		return fmt.Sprintf("%s.%d@%s", g.tag, g.next(), g.domain)
	case p == "ims.value":
		return fmt.Sprintf("%s.%d@im.%s", g.tag, g.next(), g.domain)
	case p == "phonenumbers.value":
		return fmt.Sprintf("%s ext. %d", rapid.SampledFrom(pools[p]).Draw(t, path), g.next())
	case p == "password":
		return "Pw-" + rapid.StringMatching(`[A-Za-z0-9]{12}`).Draw(t, path) + "!7"
	case p == "employeenumber":
		return fmt.Sprintf("%06d", rapid.IntRange(1, 999999).Draw(t, path))
	case strings.HasSuffix(p, "givenname"):
		return rapid.SampledFrom(givenNames).Draw(t, path)
	case strings.HasSuffix(p, "familyname") || strings.HasSuffix(p, "middlename"):
		return rapid.SampledFrom(familyNames).Draw(t, path)
	case strings.HasSuffix(p, "formatted"):
		return rapid.SampledFrom(givenNames).Draw(t, path) + " " + rapid.SampledFrom(familyNames).Draw(t, path)
	}
	if pool, ok := pools[p]; ok {
		v := rapid.SampledFrom(pool).Draw(t, path)
		if strings.HasSuffix(p, ".value") {
			// values of a multi-valued attribute stay unique within the
			// case, so that an added value never repeats a (type, value)
			// pair a server may merge (RFC 7643 §2.4)
			return fmt.Sprintf("%s-%d", v, g.next())
		}
		return v
	}
	last := p[strings.LastIndex(p, ".")+1:]
	if pool, ok := pools[last]; ok {
		return rapid.SampledFrom(pool).Draw(t, path)
	}
	return fmt.Sprintf("%s %s-%d", rapid.SampledFrom(givenNames).Draw(t, path), g.tag, g.next())
}

// fillRefs puts the id and URL of the referenced user in place of the
// placeholders, everywhere in v; it reports whether v had any.
func fillRefs(v any, id, url string) (any, bool) {
	switch x := v.(type) {
	case string:
		switch x {
		case refIDMark:
			return id, true
		case refURLMark:
			return url, true
		}
		return x, false
	case map[string]any:
		out, found := make(map[string]any, len(x)), false
		for k, e := range x {
			var hit bool
			out[k], hit = fillRefs(e, id, url)
			found = found || hit
		}
		return out, found
	case []any:
		out, found := make([]any, len(x)), false
		for i, e := range x {
			var hit bool
			out[i], hit = fillRefs(e, id, url)
			found = found || hit
		}
		return out, found
	}
	return v, false
}
