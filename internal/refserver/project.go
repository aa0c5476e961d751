package refserver

import "strings"

// The faults of what a response shows of a resource: each name, and its line
// in the table faults.go gathers, beside the code that checks it with
// s.fault.
const (
	fWrongMetaLocation      = "wrong-meta-location"
	fAttributesParamIgnored = "attributes-param-ignored"
	fExcludedMembersIgnored = "excluded-members-ignored"
	fPasswordReturned       = "password-returned"
)

var projectFaults = []Fault{
	conformance(fWrongMetaLocation, "meta.location points at a wrong URL that differs from the Location header"),
	conformance(fAttributesParamIgnored, "attributes and excludedAttributes are ignored"),
	idp(fExcludedMembersIgnored, "entra", "excludedAttributes=members on groups (as Entra ID asks) is ignored and members are returned"),
	conformance(fPasswordReturned, "the writeOnly password is returned in responses"),
}

// render builds the default representation of a resource (every attribute
// whose returned characteristic is always or default). Called with the store
// lock held (it reads the membership index); the result shares no mutable
// state with the store.
func (s *Server) render(res *resource, base string) map[string]any {
	return s.renderFor(res, base, projection{})
}

// renderFor is render for a projection: a User's groups, which cost a
// lookup in the membership index, are left out when p drops them anyway.
func (s *Server) renderFor(res *resource, base string, p projection) map[string]any {
	out := make(map[string]any, len(res.attrs)+4)
	schemas := []any{res.rt.Schema.ID}
	for _, e := range res.rt.Extensions {
		if m, ok := res.attrs[e.ID].(map[string]any); ok && len(m) > 0 {
			schemas = append(schemas, e.ID)
		}
	}
	out["schemas"] = schemas
	out["id"] = res.id
	for k, v := range res.attrs {
		if k == "password" && !s.fault(fPasswordReturned) {
			continue // returned: never
		}
		out[k] = v
	}
	switch res.rt {
	case defs.groupRT:
		if arr, ok := res.attrs["members"].([]any); ok {
			ms := make([]any, len(arr))
			for i, e := range arr {
				m := copyMap(e.(map[string]any))
				v, _ := m["value"].(string)
				ep := "/Users/"
				if m["type"] == "Group" {
					ep = "/Groups/"
				}
				m["$ref"] = base + ep + v
				ms[i] = m
			}
			out["members"] = ms
		}
	case defs.userRT:
		if p.drops("groups") {
			break
		}
		if gs := s.st.groupsOf(res.id); len(gs) > 0 && !s.is(pSchemaSubset) {
			arr := make([]any, len(gs))
			for i, g := range gs {
				arr[i] = map[string]any{
					"value":   g.id,
					"$ref":    base + "/Groups/" + g.id,
					"display": g.str("displayName"),
					"type":    "direct",
				}
			}
			out["groups"] = arr
		}
	}
	loc := s.location(base, res)
	if s.fault(fWrongMetaLocation) {
		loc = base + "/" + res.rt.Name + "/" + res.id
	}
	meta := map[string]any{
		"resourceType": res.rt.Name,
		"created":      s.formatTime(res.created),
		"lastModified": s.formatTime(res.modified),
		"location":     loc,
	}
	if s.etags() {
		meta["version"] = s.etag(res.version)
	}
	out["meta"] = meta
	return out
}

// projection is a parsed attributes / excludedAttributes pair
// (RFC 7644 §3.4.2.5, §3.9).
type projection struct {
	rt       *resourceType
	include  map[string]map[string]bool // container key -> attribute name -> whole?; see key()
	exclude  map[string]map[string]bool
	subsIncl map[string]map[string]bool // "container\x00attr" -> sub names
	subsExcl map[string]map[string]bool
	wholeExt map[string]bool // extension URNs requested as a whole
	exclExt  map[string]bool
	active   bool
	excluded bool
}

func (s *Server) parseProjection(rt *resourceType, attrs, excluded []string) projection {
	p := projection{rt: rt}
	if s.fault(fAttributesParamIgnored) || rt == nil {
		return p
	}
	if rt == defs.groupRT && s.fault(fExcludedMembersIgnored) {
		kept := excluded[:0:0]
		for _, e := range excluded {
			if !strings.EqualFold(e, "members") {
				kept = append(kept, e)
			}
		}
		excluded = kept
	}
	build := func(list []string) (map[string]map[string]bool, map[string]map[string]bool, map[string]bool) {
		whole := map[string]map[string]bool{}
		subs := map[string]map[string]bool{}
		ext := map[string]bool{}
		for _, a := range list {
			if e := rt.extension(a); e != nil {
				ext[e.ID] = true
				continue
			}
			ref, ok := s.resolve(rt, a, false)
			if !ok {
				continue // unknown names are ignored
			}
			c := ref.schema
			if ref.sub == nil {
				if whole[c] == nil {
					whole[c] = map[string]bool{}
				}
				whole[c][ref.attr.Name] = true
			} else {
				k := c + "\x00" + ref.attr.Name
				if subs[k] == nil {
					subs[k] = map[string]bool{}
				}
				subs[k][ref.sub.Name] = true
			}
		}
		return whole, subs, ext
	}
	if len(attrs) > 0 {
		p.active = true
		p.include, p.subsIncl, p.wholeExt = build(attrs)
	} else if len(excluded) > 0 {
		p.excluded = true
		p.exclude, p.subsExcl, p.exclExt = build(excluded)
	}
	return p
}

// drops reports whether the projection leaves out the core attribute name
// (a whole attribute, not one of its sub-attributes).
func (p projection) drops(name string) bool {
	if p.active {
		return !p.include[""][name] && p.subsIncl["\x00"+name] == nil
	}
	return p.excluded && p.exclude[""][name]
}

// defFor finds the definition of a rendered key in a container.
func (p projection) defFor(container, key string) *attrDef {
	if container == "" {
		if a := defs.commonAttr(key); a != nil {
			return a
		}
		return p.rt.Schema.attr(key)
	}
	if e := p.rt.extension(container); e != nil {
		return e.attr(key)
	}
	return nil
}

// apply returns the projected representation of a default rendering.
func (p projection) apply(full map[string]any) map[string]any {
	if full == nil || (!p.active && !p.excluded) {
		return full
	}
	out := make(map[string]any, len(full))
	for k, v := range full {
		if k == "schemas" {
			out[k] = v
			continue
		}
		if e := p.rt.extension(k); e != nil {
			m, _ := v.(map[string]any)
			var sub map[string]any
			switch {
			case p.active && p.wholeExt[e.ID]:
				sub = m
			case p.excluded && p.exclExt[e.ID]:
				sub = nil
			default:
				sub = p.container(e.ID, m)
			}
			if len(sub) > 0 {
				out[k] = sub
			}
			continue
		}
		if nv, ok := p.one("", k, v); ok {
			out[k] = nv
		}
	}
	return out
}

func (p projection) container(c string, m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if nv, ok := p.one(c, k, v); ok {
			out[k] = nv
		}
	}
	return out
}

// one decides about one attribute value.
func (p projection) one(c, k string, v any) (any, bool) {
	def := p.defFor(c, k)
	if def != nil && def.Returned == rAlways {
		return v, true
	}
	sk := c + "\x00" + k
	if p.active {
		if p.include[c][k] {
			return v, true
		}
		if subs := p.subsIncl[sk]; subs != nil {
			return filterSubs(v, func(n string) bool { return subs[n] })
		}
		return nil, false
	}
	if p.exclude[c][k] {
		return nil, false
	}
	if subs := p.subsExcl[sk]; subs != nil {
		return filterSubs(v, func(n string) bool { return !subs[n] })
	}
	return v, true
}

// filterSubs keeps the sub-attributes of a complex value (or of every
// element of a multi-valued one) for which keep is true.
func filterSubs(v any, keep func(string) bool) (any, bool) {
	one := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, sv := range m {
			if keep(k) {
				out[k] = sv
			}
		}
		return out
	}
	switch t := v.(type) {
	case map[string]any:
		m := one(t)
		return m, len(m) > 0
	case []any:
		var arr []any
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				if fm := one(m); len(fm) > 0 {
					arr = append(arr, fm)
				}
			}
		}
		return arr, len(arr) > 0
	}
	return v, true
}
