package refserver

// The faults of PATCH operations on their targets: each name, and its line
// in the table faults.go gathers, beside the code that checks it with
// s.fault.
const (
	fRemoveMemberRemovesAll  = "remove-member-removes-all"
	fLegacyRemoveRemovesAll  = "legacy-remove-removes-all"
	fReplaceUnmatchedAppends = "replace-unmatched-filter-appends"
)

var patchTargetFaults = []Fault{
	conformance(fRemoveMemberRemovesAll, "PATCH remove members[value eq \"x\"] removes every member of the group"),
	idp(fLegacyRemoveRemovesAll, "entra-legacy", "Entra's legacy remove (path members plus a value array) removes every member"),
	conformance(fReplaceUnmatchedAppends, "replace with a value filter that matches nothing appends a new value instead of 400 noTarget"),
}

// patchStep is one PATCH operation on a resolved target, with what every
// step of applying it needs.
type patchStep struct {
	s        *Server
	op       string         // add, remove or replace
	c        map[string]any // the container of the attribute (core or extension)
	a        *attrDef       // the attribute
	sub      *attrDef       // the sub-attribute addressed, if any
	t        target
	value    any
	hasValue bool
	o        inputOpts
}

// applyTarget performs one operation on a resolved target: a value path
// (attr[filter] or attr[filter].sub), a sub-attribute (attr.sub), or the
// whole attribute.
func (s *Server) applyTarget(attrs map[string]any, op string, t target, value any, hasValue bool) *scimError {
	a := t.ref.attr
	leaf := t.ref.leaf()
	if t.sub != nil {
		leaf = t.sub
	}
	if t.ref.common && a.Name != "externalId" || a.Mutability == mReadOnly || leaf.Mutability == mReadOnly {
		return badRequest(stMutability, "%s is readOnly", t.ref)
	}
	c := containerFor(attrs, t.ref.schema, op != "remove")
	if c == nil {
		return nil // removing from an absent extension
	}
	p := &patchStep{s: s, op: op, c: c, a: a, sub: t.ref.sub, t: t, value: value, hasValue: hasValue, o: s.inputOpts()}
	switch {
	case t.flt != nil:
		p.sub = t.sub
		return p.applyFiltered()
	case p.sub != nil:
		return p.applySub()
	case op == "remove":
		return p.removeWhole()
	case op == "add":
		return p.addWhole()
	}
	return p.replaceWhole()
}

// hashIfPassword stores a password only as its hash.
func (p *patchStep) hashIfPassword(v any) any {
	if p.a.Name == "password" {
		if pw, ok := v.(string); ok {
			return hashPassword(pw)
		}
	}
	return v
}

// applyFiltered applies the operation to the elements a value filter
// selects.
func (p *patchStep) applyFiltered() *scimError {
	arr := elements(p.c[p.a.Name])
	var matched []int
	for i, e := range arr {
		if m, ok := e.(map[string]any); ok && p.t.flt.eval(&scope{s: p.s, elem: m}) {
			matched = append(matched, i)
		}
	}
	switch {
	case p.op == "remove":
		return p.removeMatched(arr, matched)
	case len(matched) == 0:
		return p.addUnmatched(arr)
	}
	return p.updateMatched(arr, matched)
}

// removeMatched removes the matched elements, or only their sub-attribute.
func (p *patchStep) removeMatched(arr []any, matched []int) *scimError {
	a, sub := p.a, p.sub
	if a.Name == "members" && p.s.fault(fRemoveMemberRemovesAll) {
		delete(p.c, a.Name)
		return nil
	}
	if len(matched) == 0 {
		return nil // nothing to remove: success, no change (RFC 7644 §3.5.2.2 example)
	}
	isMatched := make(map[int]bool, len(matched))
	for _, i := range matched {
		isMatched[i] = true
	}
	kept := make([]any, 0, len(arr))
	for i, e := range arr {
		if !isMatched[i] {
			kept = append(kept, e)
			continue
		}
		if sub != nil {
			if sub.Required {
				return badRequest(stMutability, "%s.%s is required", a.Name, sub.Name)
			}
			m := copyMap(e.(map[string]any))
			delete(m, sub.Name)
			if len(m) > 0 {
				kept = append(kept, m)
			}
		}
	}
	setMulti(p.c, a.Name, kept, -1)
	return nil
}

// addUnmatched handles add (and, with the replace-unmatched-filter-appends
// fault, replace) when the filter matches nothing: the element the filter
// describes is created.
func (p *patchStep) addUnmatched(arr []any) *scimError {
	a, sub := p.a, p.sub
	if p.op == "replace" && !p.s.fault(fReplaceUnmatchedAppends) {
		return badRequest(stNoTarget, "no value of %s matches the filter", a.Name)
	}
	base, ok := elementFromFilter(p.t.fltAST, a)
	if !ok {
		return badRequest(stNoTarget, "no value of %s matches the filter", a.Name)
	}
	if sub != nil {
		v, present, err := normalizeSingle(sub, p.value, p.o)
		if err != nil {
			return err
		}
		if present {
			base[sub.Name] = v
		}
	} else {
		v, present, err := normalizeSingle(a, p.value, p.o)
		if err != nil {
			return err
		}
		if present {
			for k, sv := range v.(map[string]any) {
				base[k] = sv
			}
		}
	}
	arr = append(arr, base)
	setMulti(p.c, a.Name, arr, primaryIndex(arr, len(arr)-1))
	return nil
}

// updateMatched adds to or replaces the matched elements.
func (p *patchStep) updateMatched(arr []any, matched []int) *scimError {
	primary := -1
	for _, i := range matched {
		old := arr[i].(map[string]any)
		var nm map[string]any
		var err *scimError
		if p.sub != nil {
			nm, err = p.updateElementSub(old)
		} else {
			nm, err = p.updateElement(old)
		}
		if err != nil {
			return err
		}
		if nm["primary"] == true {
			primary = i
		}
		arr[i] = nm
	}
	setMulti(p.c, p.a.Name, arr, primary)
	return nil
}

// updateElementSub sets the sub-attribute of one matched element.
func (p *patchStep) updateElementSub(old map[string]any) (map[string]any, *scimError) {
	a, sub := p.a, p.sub
	v, present, err := normalizeSingle(sub, p.value, p.o)
	if err != nil {
		return nil, err
	}
	if sub.Mutability == mImmutable {
		if cur, has := old[sub.Name]; has && !equalValues(cur, v) {
			return nil, badRequest(stMutability, "%s.%s is immutable", a.Name, sub.Name)
		}
	}
	nm := copyMap(old)
	if present {
		nm[sub.Name] = v
	} else {
		delete(nm, sub.Name)
	}
	return nm, nil
}

// updateElement merges (add) or swaps in (replace) one matched element.
func (p *patchStep) updateElement(old map[string]any) (map[string]any, *scimError) {
	a := p.a
	v, present, err := normalizeSingle(a, p.value, p.o)
	if err != nil {
		return nil, err
	}
	vm, _ := v.(map[string]any)
	if !present {
		vm = map[string]any{}
	}
	nm := vm
	if p.op == "add" {
		nm = copyMap(old)
		for k, sv := range vm {
			nm[k] = sv
		}
	}
	for _, sd := range a.SubAttributes {
		if sd.Mutability == mImmutable {
			if cur, has := old[sd.Name]; has && !equalValues(cur, nm[sd.Name]) {
				return nil, badRequest(stMutability, "%s.%s is immutable", a.Name, sd.Name)
			}
		}
	}
	return nm, nil
}

// applySub applies the operation to attr.sub, without a filter.
func (p *patchStep) applySub() *scimError {
	a, sub := p.a, p.sub
	if sub.Mutability == mImmutable && p.op != "add" {
		return badRequest(stMutability, "%s.%s is immutable", a.Name, sub.Name)
	}
	if a.MultiValued {
		return p.applySubMulti()
	}
	m, _ := p.c[a.Name].(map[string]any)
	m = copyMap(m)
	if p.op == "remove" {
		if sub.Required {
			return badRequest(stMutability, "%s.%s is required", a.Name, sub.Name)
		}
		delete(m, sub.Name)
	} else {
		v, present, err := normalizeSingle(sub, p.value, p.o)
		if err != nil {
			return err
		}
		if present {
			m[sub.Name] = v
		} else {
			delete(m, sub.Name)
		}
	}
	if len(m) == 0 {
		delete(p.c, a.Name)
	} else {
		p.c[a.Name] = m
	}
	return nil
}

// applySubMulti sets or removes a sub-attribute in every element of a
// multi-valued attribute.
func (p *patchStep) applySubMulti() *scimError {
	a, sub := p.a, p.sub
	arr := elements(p.c[a.Name])
	var v any
	present := false
	if p.op != "remove" {
		var err *scimError
		if v, present, err = normalizeSingle(sub, p.value, p.o); err != nil {
			return err
		}
	}
	out := make([]any, 0, len(arr)+1)
	for _, e := range arr {
		m := copyMap(e.(map[string]any))
		if present {
			m[sub.Name] = v
		} else {
			delete(m, sub.Name)
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	if len(arr) == 0 && present {
		out = append(out, map[string]any{sub.Name: v})
	}
	setMulti(p.c, a.Name, out, -1)
	return nil
}

// removeWhole removes the attribute, or with a value (Entra's legacy
// shape) only the listed values of a multi-valued attribute.
func (p *patchStep) removeWhole() *scimError {
	a := p.a
	if a.Required {
		return badRequest(stMutability, "%s is required and cannot be removed", a.Name)
	}
	if !a.MultiValued || !p.hasValue || p.value == nil {
		delete(p.c, a.Name)
		return nil
	}
	if a.Name == "members" && p.s.fault(fLegacyRemoveRemovesAll) {
		delete(p.c, a.Name)
		return nil
	}
	vals, present, err := normalizeValue(a, p.value, p.o)
	if err != nil {
		return err
	}
	if !present {
		return nil
	}
	arr := elements(p.c[a.Name])
	kept := make([]any, 0, len(arr))
	for _, e := range arr {
		drop := false
		for _, rv := range vals.([]any) {
			if sameElement(a, e, rv) {
				drop = true
				break
			}
		}
		if !drop {
			kept = append(kept, e)
		}
	}
	setMulti(p.c, a.Name, kept, -1)
	return nil
}

// addWhole adds values to the attribute.
func (p *patchStep) addWhole() *scimError {
	v, present, err := normalizeValue(p.a, p.value, p.o)
	if err != nil {
		return err
	}
	if !present {
		return nil
	}
	switch {
	case p.a.MultiValued:
		p.addValues(v.([]any))
	case p.a.Type == tComplex:
		p.mergeComplex(v.(map[string]any))
	default:
		p.c[p.a.Name] = p.hashIfPassword(v)
	}
	return nil
}

// addValues adds values to a multi-valued attribute: a value already there
// takes the new details (except members), a new one is appended.
func (p *patchStep) addValues(vals []any) {
	a := p.a
	arr := append([]any(nil), elements(p.c[a.Name])...)
	primary := -1
	for _, nv := range vals {
		dup := -1
		for i, e := range arr {
			if sameElement(a, e, nv) {
				dup = i
				break
			}
		}
		if dup >= 0 {
			if a.Name != "members" && !equalValues(arr[dup], nv) {
				arr[dup] = nv // same value, new details: take them
			}
		} else {
			arr = append(arr, nv)
			dup = len(arr) - 1
		}
		if m, ok := nv.(map[string]any); ok && m["primary"] == true && !(p.s.fault(fPrimaryNotExclusive) && a.Name != "emails") {
			primary = dup
		}
	}
	setMulti(p.c, a.Name, arr, primary)
}

// mergeComplex merges sub-attributes into a single complex attribute.
func (p *patchStep) mergeComplex(v map[string]any) {
	m, _ := p.c[p.a.Name].(map[string]any)
	m = copyMap(m)
	for k, sv := range v {
		m[k] = sv
	}
	p.c[p.a.Name] = m
}

// replaceWhole replaces the attribute's value.
func (p *patchStep) replaceWhole() *scimError {
	a := p.a
	v, present, err := normalizeValue(a, p.value, p.o)
	if err != nil {
		return err
	}
	if !present {
		if a.Required {
			return badRequest(stMutability, "%s is required and cannot be unassigned", a.Name)
		}
		delete(p.c, a.Name)
		return nil
	}
	switch {
	case a.MultiValued:
		arr := v.([]any)
		setMulti(p.c, a.Name, arr, primaryIndex(arr, -1))
	case a.Type == tComplex && p.s.fault(fSubAttrDroppedOnReplace):
		p.c[a.Name] = v
	case a.Type == tComplex:
		p.mergeComplex(v.(map[string]any))
	default:
		p.c[a.Name] = p.hashIfPassword(v)
	}
	return nil
}
