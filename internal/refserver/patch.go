package refserver

import (
	"net/http"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// The faults of PATCH requests as a whole: each name, and its line in the
// table faults.go gathers, beside the code that checks it with s.fault.
const (
	fPatchNotAtomic         = "patch-not-atomic"
	fPatchUnknownOpAccepted = "patch-unknown-op-accepted"
	fPatchOpCaseSensitive   = "patch-op-case-sensitive"
	fPatchReturnsStaleBody  = "patch-returns-stale-body"
)

var patchFaults = []Fault{
	conformance(fPatchNotAtomic, "PATCH operations before a failing operation stay applied"),
	should(fPatchUnknownOpAccepted, "a PATCH operation with an unknown op is silently skipped instead of 400"),
	idp(fPatchOpCaseSensitive, "entra-legacy", "PATCH op names are case-sensitive, so Entra's \"Replace\"/\"Add\"/\"Remove\" are rejected"),
	conformance(fPatchReturnsStaleBody, "the PATCH 200 body shows the resource as it was before the patch"),
}

// PATCH (RFC 7644 §3.5.2), including the shapes Entra ID and Okta send:
// capitalised op names, path-less add/replace whose keys are paths
// ("name.givenName", URN-qualified names), "True"/"False" strings, and
// member removal with path "members" plus a value array.

type patchOp struct {
	op       string
	path     string
	hasPath  bool
	value    any
	hasValue bool
}

func parsePatchBody(body map[string]any) ([]patchOp, *scimError) {
	if err := checkSchemas(body, urnPatchOp); err != nil {
		return nil, err
	}
	k, ok := lookupKey(body, "Operations")
	if !ok {
		return nil, badRequest(stInvalidSyntax, "PatchOp needs an \"Operations\" array")
	}
	arr, ok := body[k].([]any)
	if !ok || len(arr) == 0 {
		return nil, badRequest(stInvalidSyntax, "\"Operations\" must be a non-empty array")
	}
	ops := make([]patchOp, 0, len(arr))
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, badRequest(stInvalidSyntax, "operation %d is not a JSON object", i)
		}
		var op patchOp
		for k, v := range m {
			switch strings.ToLower(k) {
			case "op":
				op.op, ok = v.(string)
				if !ok {
					return nil, badRequest(stInvalidSyntax, "operation %d: \"op\" must be a string", i)
				}
			case "path":
				op.path, ok = v.(string)
				if !ok {
					return nil, badRequest(stInvalidPath, "operation %d: \"path\" must be a string", i)
				}
				op.hasPath = true
			case "value":
				op.value, op.hasValue = v, true
			}
		}
		if op.op == "" {
			return nil, badRequest(stInvalidSyntax, "operation %d has no \"op\"", i)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request, rt *resourceType, id string) {
	body, err := s.readJSON(r, maxBodyBytes)
	if err != nil {
		s.writeError(w, err)
		return
	}
	ops, err := parsePatchBody(body)
	if err == nil {
		err = s.pathlessRefused(ops)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	if !s.supports("changePassword") && setsPassword(ops, nil) {
		s.writeError(w, notImplemented("changePassword"))
		return
	}
	res, out, err := s.patch(rt, id, ops, s.baseURL(r), s.projectionFor(r, rt), r.Header.Get("If-Match"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	// RFC 7644 §3.5.2: 200 when the request names attributes to return.
	if s.is(pPatch204) && !r.URL.Query().Has("attributes") && !r.URL.Query().Has("excludedAttributes") {
		if !s.fault(fNoETag) && s.etags() {
			w.Header().Set("ETag", s.etag(res.version))
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.single(w, r, http.StatusOK, res, out)
}

// patch applies ops atomically; shared with Bulk.
func (s *Server) patch(rt *resourceType, id string, ops []patchOp, base string, proj projection, ifMatch string) (*resource, map[string]any, *scimError) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	old, ok := s.st.get(rt, id)
	if !ok {
		return nil, nil, notFound("%s %q not found", rt.Name, id)
	}
	if ifMatch != "" && !s.fault(fIgnoreIfMatch) && !s.ifMatch(ifMatch, old.version) {
		return nil, nil, errf(http.StatusPreconditionFailed, "", "If-Match %s does not match the current version %s", ifMatch, s.etag(old.version))
	}
	attrs := deepCopy(old.attrs).(map[string]any)
	for i, op := range ops {
		var before map[string]any
		if s.fault(fPatchNotAtomic) {
			before = deepCopy(attrs).(map[string]any)
		}
		if err := s.applyOp(rt, old.id, attrs, op); err != nil {
			if s.fault(fPatchNotAtomic) && i > 0 {
				// the bug: keep what the earlier operations did
				if checked, err2 := s.finishPatch(rt, old, before); err2 == nil {
					s.commit(old, checked)
				}
			}
			return nil, nil, badRequest(err.scimType, "operation %d (%s): %s", i, op.op, err.detail).withStatus(err.status)
		}
	}
	checked, err := s.finishPatch(rt, old, attrs)
	if err != nil {
		return nil, nil, err
	}
	if s.fault(fImmutableChanges) {
		reissueImmutable(checked)
	}
	res := s.commit(old, checked)
	shown := res
	if s.fault(fPatchReturnsStaleBody) {
		shown = old
	}
	out := proj.apply(s.render(shown, base))
	if s.fault(fWriteOnlyReturned) {
		showPassword(out, shown.attrs)
	}
	return res, out, nil
}

func (e *scimError) withStatus(status int) *scimError { e.status = status; return e }

// finishPatch validates the patched attributes as a whole (lock held).
func (s *Server) finishPatch(rt *resourceType, old *resource, attrs map[string]any) (map[string]any, *scimError) {
	dropEmptyContainers(attrs, rt)
	if err := checkRequired(rt, attrs, stMutability); err != nil {
		return nil, err
	}
	if rt == defs.userRT && !s.fault(fDuplicateUserNameAllowed) && s.st.userNameTaken(attrs["userName"].(string), old.id) {
		return nil, errf(http.StatusConflict, stUniqueness, "userName %q is already taken", attrs["userName"])
	}
	if err := s.uniqueClash(rt, old.id, attrs); err != nil {
		return nil, err
	}
	return s.checkMembers(old.id, attrs)
}

// opName normalises the op; "" means unknown.
func (s *Server) opName(op string) string {
	if s.fault(fPatchOpCaseSensitive) {
		switch op {
		case "add", "remove", "replace":
			return op
		}
		return ""
	}
	switch l := strings.ToLower(op); l {
	case "add", "remove", "replace":
		return l
	}
	return ""
}

// target is a resolved PATCH path.
type target struct {
	ref    attrRef           // attribute; ref.sub set for "attr.sub" without a filter
	flt    fnode             // element filter of a value path
	fltAST filter.Expression // the same, for deriving a new element
	sub    *attrDef          // sub-attribute after a value path
}

func (s *Server) applyOp(rt *resourceType, id string, attrs map[string]any, op patchOp) *scimError {
	name := s.opName(op.op)
	if name == "" {
		if s.fault(fPatchUnknownOpAccepted) {
			return nil
		}
		return badRequest(stInvalidSyntax, "unknown op %q; expected add, remove or replace", op.op)
	}
	if name == "add" && (!op.hasValue || op.value == nil) {
		return badRequest(stInvalidValue, "add needs a value")
	}
	if !op.hasPath || strings.TrimSpace(op.path) == "" {
		if name == "remove" {
			return badRequest(stNoTarget, "remove needs a path")
		}
		m, ok := op.value.(map[string]any)
		if !ok {
			return badRequest(stInvalidValue, "%s without a path needs an object value", name)
		}
		return s.applyObject(rt, id, attrs, name, m)
	}
	if ext := rt.extension(strings.TrimSpace(op.path)); ext != nil {
		if name == "remove" {
			delete(attrs, ext.ID)
			return nil
		}
		m, ok := op.value.(map[string]any)
		if !ok {
			return badRequest(stInvalidValue, "a value for %s must be an object", ext.ID)
		}
		return s.applyObject(rt, id, attrs, name, map[string]any{ext.ID: m})
	}
	if s.hiddenPath(rt, op.path) {
		return nil // an attribute schema-subset leaves out: ignored, as on POST
	}
	t, err := s.resolveTarget(rt, op.path)
	if err != nil {
		return err
	}
	return s.applyTarget(attrs, name, t, op.value, op.hasValue)
}

// applyObject handles a path-less add/replace: each key is a path.
func (s *Server) applyObject(rt *resourceType, id string, attrs map[string]any, name string, m map[string]any) *scimError {
	for k, v := range m {
		if strings.EqualFold(k, "schemas") {
			continue
		}
		if ext := rt.extension(k); ext != nil {
			em, ok := v.(map[string]any)
			if v == nil {
				continue
			}
			if !ok {
				return badRequest(stInvalidValue, "a value for %s must be an object", ext.ID)
			}
			for ek, ev := range em {
				a := ext.attr(ek)
				if a == nil {
					continue
				}
				if err := s.applyTarget(attrs, name, target{ref: attrRef{schema: ext.ID, attr: a}}, ev, true); err != nil {
					return err
				}
			}
			continue
		}
		ref, ok := s.resolve(rt, k, false)
		if !ok {
			if err := s.unknownAttr(k); err != nil {
				return err
			}
			continue // unknown attributes are ignored, as on POST
		}
		if ref.common && ref.attr.Name == "id" {
			if v == id {
				continue // Okta's group rename repeats the id
			}
			return badRequest(stMutability, "id is readOnly")
		}
		if err := s.applyTarget(attrs, name, target{ref: ref}, v, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) resolveTarget(rt *resourceType, path string) (target, *scimError) {
	var p filter.Path
	var perr error
	if ap, ok := fastAttrPath(path); ok {
		p.AttributePath = ap
	} else {
		p, perr = filter.ParsePath([]byte(path))
	}
	if perr != nil {
		return target{}, badRequest(stInvalidPath, "path %q is not valid", path)
	}
	ref, ok := s.resolve(rt, p.AttributePath.String(), false)
	if !ok {
		return target{}, badRequest(stInvalidPath, "path %q names no attribute of %s", path, rt.Name)
	}
	t := target{ref: ref}
	if p.ValueExpression == nil {
		if p.SubAttribute != nil {
			return target{}, badRequest(stInvalidPath, "path %q is not valid", path)
		}
		return t, nil
	}
	if ref.sub != nil || ref.attr.Type != tComplex {
		return target{}, badRequest(stInvalidPath, "path %q: a value filter needs a complex attribute", path)
	}
	if err := s.eqAndOnly(p.ValueExpression); err != nil {
		return target{}, err
	}
	n, err := s.compileNode(rt, p.ValueExpression, ref.attr, false)
	if err != nil {
		return target{}, badRequest(stInvalidPath, "path %q: %s", path, err.detail)
	}
	t.flt, t.fltAST = n, p.ValueExpression
	if p.SubAttribute != nil {
		t.sub = ref.attr.sub(*p.SubAttribute)
		if t.sub == nil {
			return target{}, badRequest(stInvalidPath, "path %q: unknown sub-attribute %q", path, *p.SubAttribute)
		}
	}
	return t, nil
}

func elements(v any) []any {
	arr, _ := v.([]any)
	return arr
}

// setMulti stores a multi-valued attribute; primary (>= 0) is the element
// that was just made primary, all others lose primary (RFC 7643 §2.4).
func setMulti(c map[string]any, name string, arr []any, primary int) {
	if len(arr) == 0 {
		delete(c, name)
		return
	}
	if primary >= 0 {
		for i, e := range arr {
			if m, ok := e.(map[string]any); ok && i != primary && m["primary"] == true {
				nm := copyMap(m)
				nm["primary"] = false
				arr[i] = nm
			}
		}
	}
	c[name] = arr
}

// primaryIndex returns the last primary element (or def).
func primaryIndex(arr []any, def int) int {
	idx := def
	for i, e := range arr {
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			idx = i
		}
	}
	if idx >= 0 && idx < len(arr) {
		if m, ok := arr[idx].(map[string]any); !ok || m["primary"] != true {
			return -1
		}
	}
	return idx
}

// sameElement decides whether two values of a multi-valued attribute are
// the same value: members by id; complex values by their "value"
// sub-attribute (and type, when both have one); simple values by equality.
func sameElement(a *attrDef, x, y any) bool {
	mx, ok1 := x.(map[string]any)
	my, ok2 := y.(map[string]any)
	if !ok1 || !ok2 {
		return equalValues(x, y)
	}
	vx, hx := mx["value"]
	vy, hy := my["value"]
	if !hx || !hy {
		return equalValues(x, y)
	}
	if a.Name == "members" {
		return vx == vy
	}
	if !equalValues(vx, vy) {
		return false
	}
	tx, htx := mx["type"]
	ty, hty := my["type"]
	return !htx || !hty || equalValues(tx, ty)
}

// elementFromFilter derives the new element a value path describes
// (e.g. phoneNumbers[type eq "mobile"] -> {"type":"mobile"}), for add.
func elementFromFilter(expr filter.Expression, parent *attrDef) (map[string]any, bool) {
	switch e := expr.(type) {
	case *filter.AttributeExpression:
		if !strings.EqualFold(string(e.Operator), "eq") || e.AttributePath.SubAttribute != nil {
			return nil, false
		}
		sd := parent.sub(e.AttributePath.AttributeName)
		if sd == nil || sd.Mutability == mReadOnly {
			return nil, false
		}
		switch v := e.CompareValue.(type) {
		case string:
			return map[string]any{sd.Name: unescape(v)}, true
		case bool:
			return map[string]any{sd.Name: v}, true
		}
		return nil, false
	case *filter.LogicalExpression:
		if !strings.EqualFold(string(e.Operator), "and") {
			return nil, false
		}
		l, ok := elementFromFilter(e.Left, parent)
		if !ok {
			return nil, false
		}
		r, ok := elementFromFilter(e.Right, parent)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			l[k] = v
		}
		return l, true
	}
	return nil, false
}
