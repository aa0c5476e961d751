package sequences

import (
	"slices"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
)

// This file holds what the schema properties know of a resource type: its
// declared attributes, core and extension, read from the server's own
// /Schemas and /ResourceTypes (see [fakeidp.Discover]).

// Mutability and returned keywords (RFC 7643 §7).
const (
	mutReadOnly  = "readonly"
	mutImmutable = "immutable"
	mutWriteOnly = "writeonly"
	retNever     = "never"
	retAlways    = "always"
	retRequest   = "request"
)

// declAttr is one declared top-level attribute of a resource type: urn is
// "" for the core schema and the extension's URN otherwise.
type declAttr struct {
	urn string
	fakeidp.Attribute
	subs []fakeidp.Attribute // sorted by name
}

// rtSchema is one resource type as the server declares it.
type rtSchema struct {
	name  string // "User" or "Group"
	core  string // the core schema URN
	exts  []string
	attrs []declAttr // sorted: core first, then each extension, by name
}

// commonNames are the RFC 7643 §3.1 attributes every resource has; a
// server may or may not list them under /Schemas, and the properties
// never generate them.
var commonNames = map[string]bool{"id": true, "externalid": true, "meta": true, "schemas": true}

// schemaTypes returns the User and Group resource types the server
// declares with a schema it publishes; nil when /Schemas says nothing.
func schemaTypes(sp *fakeidp.ServiceProvider) []*rtSchema {
	if sp == nil || len(sp.SchemaAttrs) == 0 {
		return nil
	}
	var out []*rtSchema
	for _, name := range []string{"User", "Group"} {
		rt := findType(sp, name)
		if rt == nil {
			continue
		}
		core, ok := sp.SchemaAttrs[strings.ToLower(rt.Schema)]
		if !ok {
			continue
		}
		s := &rtSchema{name: name, core: rt.Schema}
		s.attrs = append(s.attrs, declared("", core)...)
		for _, ext := range rt.Extensions {
			if attrs, ok := sp.SchemaAttrs[strings.ToLower(ext.Schema)]; ok {
				s.exts = append(s.exts, ext.Schema)
				s.attrs = append(s.attrs, declared(ext.Schema, attrs)...)
			}
		}
		out = append(out, s)
	}
	return out
}

// findType finds a declared resource type by name or endpoint.
func findType(sp *fakeidp.ServiceProvider, name string) *fakeidp.ResourceType {
	for i, rt := range sp.Types {
		if strings.EqualFold(rt.Name, name) || strings.EqualFold(rt.Endpoint, "/"+name+"s") {
			return &sp.Types[i]
		}
	}
	return nil
}

func declared(urn string, attrs map[string]fakeidp.Attribute) []declAttr {
	var out []declAttr
	for _, k := range sortedKeys(attrs) {
		a := attrs[k]
		if urn == "" && commonNames[k] {
			continue
		}
		d := declAttr{urn: urn, Attribute: a}
		for _, sk := range sortedKeys(a.Sub) {
			d.subs = append(d.subs, a.Sub[sk])
		}
		out = append(out, d)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func lower(s string) string { return strings.ToLower(s) }

// writable reports whether a client may send a value for a.
func writable(a fakeidp.Attribute) bool { return lower(a.Mutability) != mutReadOnly }

// hidden reports whether a is never returned: writeOnly or returned=never.
func hidden(a fakeidp.Attribute) bool {
	return lower(a.Mutability) == mutWriteOnly || lower(a.Returned) == retNever
}

// key is the attribute's path for coverage and messages: the name, URN
// qualified for an extension.
func (d declAttr) key() string {
	if d.urn == "" {
		return d.Name
	}
	return d.urn + ":" + d.Name
}

func (d declAttr) isComplex() bool { return lower(d.Type) == "complex" && len(d.subs) > 0 }

// sub finds a declared sub-attribute by name.
func (d declAttr) sub(name string) (fakeidp.Attribute, bool) {
	for _, s := range d.subs {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return fakeidp.Attribute{}, false
}

// leaves are the writable attributes of the resource type the coverage
// counts: each writable simple attribute, and each writable sub-attribute
// of a writable complex one.
func (s *rtSchema) leaves() []string {
	var out []string
	for _, d := range s.attrs {
		if !writable(d.Attribute) {
			continue
		}
		if !d.isComplex() {
			out = append(out, d.key())
			continue
		}
		for _, sub := range d.subs {
			if writable(sub) {
				out = append(out, d.key()+"."+sub.Name)
			}
		}
	}
	return out
}

// attr finds the declared attribute of key ("name" or "urn:…:name").
func (s *rtSchema) attr(urn, name string) (declAttr, bool) {
	for _, d := range s.attrs {
		if strings.EqualFold(d.urn, urn) && strings.EqualFold(d.Name, name) {
			return d, true
		}
	}
	return declAttr{}, false
}

// patchable reports whether PATCH and PUT may change d: writable, not
// immutable, and (complex) with no immutable sub-attribute.
func patchable(d declAttr) bool {
	if !writable(d.Attribute) || lower(d.Mutability) == mutImmutable {
		return false
	}
	for _, s := range d.subs {
		if lower(s.Mutability) == mutImmutable {
			return false
		}
	}
	return !refersToResource(d)
}

// refersToResource reports whether d points at another SCIM resource (its
// $ref names User or Group), as members and manager do: its value is the
// id of a user the case creates for it.
func refersToResource(d declAttr) bool {
	r, ok := d.sub("$ref")
	if !ok {
		return false
	}
	return slices.ContainsFunc(r.ReferenceTypes, func(t string) bool { return strings.EqualFold(t, "User") || strings.EqualFold(t, "Group") })
}
