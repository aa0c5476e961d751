package refserver

import (
	"cmp"
	"encoding/json"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// The faults of filter evaluation: each name, and its line in the table
// faults.go gathers, beside the code that checks it with s.fault.
const (
	fFilterAttrCaseSensitive = "filter-attribute-names-case-sensitive"
	fFilterSWCaseSensitive   = "filter-sw-case-sensitive"
	fFilterModifiedAsCreated = "filter-lastmodified-uses-created"
	fFilterDeclineUnlabelled = "filter-decline-unlabelled"
	fFilterNECaseSensitive   = "filter-ne-case-sensitive"
	fFilterPREmptyString     = "filter-pr-matches-empty"
)

var filterFaults = []Fault{
	conformance(fFilterAttrCaseSensitive, "attribute names in filters are matched case-sensitively"),
	conformance(fFilterSWCaseSensitive, "sw compares case-sensitively even on caseExact=false attributes such as userName (eq still ignores case)"),
	conformance(fFilterDeclineUnlabelled, "ne is not supported and is declined with a bare 400, without scimType invalidFilter"),
	conformance(fFilterNECaseSensitive, "ne compares case-sensitively on caseExact=false attributes such as userName, so a differently cased value is \"not equal\""),
	conformance(fFilterPREmptyString, "pr matches an attribute stored as an empty string, which is unassigned"),
	conformance(fFilterModifiedAsCreated, "filters on meta.lastModified compare meta.created instead, so an update is invisible to them"),
}

// Filters (RFC 7644 §3.4.2.2) are parsed with scim2/filter-parser and then
// compiled against a resource type's schema into a small evaluable tree.
// Compilation resolves attribute names (case-insensitively), checks that
// operator and value fit the attribute's type, and fixes case sensitivity
// from the schema's caseExact.

type fnode interface {
	eval(sc *scope) bool
}

// scope is what a node is evaluated against: a resource, or one element of
// a multi-valued complex attribute inside a value path.
type scope struct {
	s    *Server
	res  *resource
	elem map[string]any
}

type andNode struct{ l, r fnode }
type orNode struct{ l, r fnode }
type notNode struct{ x fnode }
type constNode bool

func (n andNode) eval(sc *scope) bool  { return n.l.eval(sc) && n.r.eval(sc) }
func (n orNode) eval(sc *scope) bool   { return n.l.eval(sc) || n.r.eval(sc) }
func (n notNode) eval(sc *scope) bool  { return !n.x.eval(sc) }
func (n constNode) eval(_ *scope) bool { return bool(n) }

// cmpNode compares an attribute with a value.
type cmpNode struct {
	ref    attrRef // resource-level attribute (when !inElem)
	def    *attrDef
	inElem bool // compare elem[def.Name] inside a value path
	op     filter.CompareOperator
	val    any // string (folded when !caseExact), bool, float64, time.Time or nil
	fold   func(string) string
}

// valuePathNode is attr[filter]: one and the same element must match.
type valuePathNode struct {
	ref   attrRef
	inner fnode
}

func (n valuePathNode) eval(sc *scope) bool {
	for _, e := range sc.s.values(sc.res, attrRef{schema: n.ref.schema, attr: n.ref.attr, common: n.ref.common}) {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if n.inner.eval(&scope{s: sc.s, res: sc.res, elem: m}) {
			return true
		}
	}
	return false
}

func (n cmpNode) eval(sc *scope) bool {
	var vals []any
	if n.inElem {
		if v, ok := sc.elem[n.def.Name]; ok {
			vals = []any{v}
		}
	} else {
		vals = sc.s.values(sc.res, n.ref)
	}
	switch n.op {
	case filter.PR:
		if sc.s.fault(fFilterPREmptyString) && len(vals) > 0 {
			return true
		}
		for _, v := range vals {
			if present(v) {
				return true
			}
		}
		return false
	case filter.NE:
		return !n.any(vals, filter.EQ)
	}
	if w, ok := n.val.(float64); ok && n.def != nil && n.def.Type == tInteger && sc.s.fault(fIntegersComparedAsText) {
		return textOrder(vals, n.op, w)
	}
	return n.any(vals, n.op)
}

func (n cmpNode) any(vals []any, op filter.CompareOperator) bool {
	if n.val == nil { // eq null: no value
		for _, v := range vals {
			if present(v) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if compareOne(n.def, op, v, n.val, n.fold) {
			return true
		}
	}
	return false
}

func present(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case string:
		return t != ""
	case map[string]any:
		return len(t) > 0
	case []any:
		return len(t) > 0
	}
	return true
}

func compareOne(def *attrDef, op filter.CompareOperator, v, want any, fold func(string) string) bool {
	switch w := want.(type) {
	case bool:
		b, ok := v.(bool)
		return ok && op == filter.EQ && b == w
	case float64:
		f, ok := v.(float64)
		if !ok {
			return false
		}
		return ordered(op, cmp.Compare(f, w))
	case time.Time:
		var t time.Time
		switch tv := v.(type) {
		case time.Time:
			t = tv
		case string:
			p, err := time.Parse(time.RFC3339Nano, tv)
			if err != nil {
				return false
			}
			t = p
		default:
			return false
		}
		return ordered(op, t.Compare(w))
	case string:
		sv, ok := v.(string)
		if !ok {
			return false
		}
		if !def.CaseExact {
			sv = fold(sv)
		}
		switch op {
		case filter.CO:
			return strings.Contains(sv, w)
		case filter.SW:
			return strings.HasPrefix(sv, w)
		case filter.EW:
			return strings.HasSuffix(sv, w)
		}
		return ordered(op, strings.Compare(sv, w))
	}
	return false
}

func ordered(op filter.CompareOperator, c int) bool {
	switch op {
	case filter.EQ:
		return c == 0
	case filter.GT:
		return c > 0
	case filter.GE:
		return c >= 0
	case filter.LT:
		return c < 0
	case filter.LE:
		return c <= 0
	}
	return false
}

// values returns the values an attribute path selects on a resource
// (lock held). Multi-valued attributes yield one value per element; a
// sub-attribute of a multi-valued attribute yields one per element that has
// it.
func (s *Server) values(res *resource, ref attrRef) []any {
	var v any
	switch {
	case ref.common:
		switch ref.attr.Name {
		case "id":
			v = res.id
		case "externalId":
			v = res.attrs["externalId"]
		case "schemas":
			sch := []any{res.rt.Schema.ID}
			for _, e := range res.rt.Extensions {
				if _, ok := res.attrs[e.ID]; ok {
					sch = append(sch, e.ID)
				}
			}
			v = sch
		case "meta":
			meta := map[string]any{
				"resourceType": res.rt.Name,
				"created":      res.created,
				"lastModified": res.modified,
				"version":      s.etag(res.version),
				"location":     res.rt.Endpoint + "/" + res.id,
			}
			v = meta
		}
	case res.rt == defs.userRT && ref.attr.Name == "groups":
		var arr []any
		for _, g := range s.st.groupsOf(res.id) {
			arr = append(arr, map[string]any{"value": g.id, "display": g.str("displayName"), "type": "direct", "$ref": "/Groups/" + g.id})
		}
		if arr != nil {
			v = arr
		}
	case ref.schema != "":
		if c, ok := res.attrs[ref.schema].(map[string]any); ok {
			v = c[ref.attr.Name]
		}
	default:
		v = res.attrs[ref.attr.Name]
	}
	if v == nil {
		return nil
	}
	if ref.attr.Name == "password" {
		return nil // never compared
	}
	var elems []any
	if arr, ok := v.([]any); ok {
		elems = arr
	} else {
		elems = []any{v}
	}
	if ref.sub == nil {
		return elems
	}
	out := make([]any, 0, len(elems))
	for _, e := range elems {
		if m, ok := e.(map[string]any); ok {
			if sv, ok := m[ref.sub.Name]; ok {
				out = append(out, sv)
			}
		}
	}
	return out
}

// compiledFilter is a filter compiled for one resource type.
type compiledFilter struct {
	root fnode
	ast  filter.Expression
}

// parseFilter parses raw filter text; errors are 400 invalidFilter.
func parseFilter(raw string) (filter.Expression, *scimError) {
	if strings.TrimSpace(raw) == "" {
		return nil, badRequest(stInvalidFilter, "the filter is empty")
	}
	if expr, ok := fastFilter(raw); ok {
		return expr, nil
	}
	if expr, ok := valuePathSubFilter(raw); ok {
		return expr, nil
	}
	expr, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return nil, badRequest(stInvalidFilter, "the filter %q is not valid RFC 7644 filter syntax", raw)
	}
	return expr, nil
}

// compile checks expr against rt. With lenient set (queries at the service
// root), attributes unknown to rt evaluate to false instead of failing.
func (s *Server) compile(rt *resourceType, expr filter.Expression, lenient bool) (*compiledFilter, *scimError) {
	if err := s.eqAndOnly(expr); err != nil {
		return nil, err
	}
	n, err := s.compileNode(rt, expr, nil, lenient)
	if err != nil {
		return nil, err
	}
	return &compiledFilter{root: n, ast: expr}, nil
}

func (s *Server) compileNode(rt *resourceType, expr filter.Expression, parent *attrDef, lenient bool) (fnode, *scimError) {
	switch e := expr.(type) {
	case *filter.LogicalExpression:
		l, err := s.compileNode(rt, e.Left, parent, lenient)
		if err != nil {
			return nil, err
		}
		r, err := s.compileNode(rt, e.Right, parent, lenient)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(e.Operator), "or") {
			return orNode{l, r}, nil
		}
		return andNode{l, r}, nil
	case *filter.NotExpression:
		x, err := s.compileNode(rt, e.Expression, parent, lenient)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case *filter.ValuePath:
		if parent != nil {
			return nil, badRequest(stInvalidFilter, "value paths cannot be nested")
		}
		ref, ok := s.resolve(rt, e.AttributePath.String(), s.fault(fFilterAttrCaseSensitive))
		if !ok {
			if lenient {
				return constNode(false), nil
			}
			return nil, badRequest(stInvalidFilter, "unknown attribute %q in filter", e.AttributePath.String())
		}
		if ref.sub != nil || ref.attr.Type != tComplex {
			return nil, badRequest(stInvalidFilter, "%q is not a complex attribute and cannot take a value filter", e.AttributePath.String())
		}
		inner, err := s.compileNode(rt, e.ValueFilter, ref.attr, lenient)
		if err != nil {
			return nil, err
		}
		return valuePathNode{ref: ref, inner: inner}, nil
	case *filter.AttributeExpression:
		return s.compileCmp(rt, e, parent, lenient)
	}
	return nil, badRequest(stInvalidFilter, "unsupported filter expression")
}

func (s *Server) compileCmp(rt *resourceType, e *filter.AttributeExpression, parent *attrDef, lenient bool) (fnode, *scimError) {
	path := e.AttributePath.String()
	n := cmpNode{op: filter.CompareOperator(strings.ToLower(string(e.Operator)))}
	if n.op == filter.NE && s.fault(fFilterDeclineUnlabelled) {
		return nil, badRequest("", "ne is not supported")
	}
	if parent != nil {
		if e.AttributePath.URIPrefix != nil || e.AttributePath.SubAttribute != nil {
			return nil, badRequest(stInvalidFilter, "%q is not a sub-attribute of %q", path, parent.Name)
		}
		var sd *attrDef
		if s.fault(fFilterAttrCaseSensitive) {
			for _, a := range parent.SubAttributes {
				if a.Name == e.AttributePath.AttributeName {
					sd = a
				}
			}
		} else {
			sd = parent.sub(e.AttributePath.AttributeName)
		}
		if sd == nil {
			return nil, badRequest(stInvalidFilter, "unknown sub-attribute %q of %q in filter", path, parent.Name)
		}
		n.def, n.inElem = sd, true
	} else {
		ref, ok := s.resolve(rt, path, s.fault(fFilterAttrCaseSensitive))
		if !ok {
			if lenient {
				return constNode(false), nil
			}
			return nil, badRequest(stInvalidFilter, "unknown attribute %q in filter", path)
		}
		if ref.leaf().Mutability == mWriteOnly {
			return nil, badRequest(stInvalidFilter, "attribute %q cannot be filtered on", path)
		}
		if ref.sub == nil && ref.attr.Type == tComplex && n.op != filter.PR {
			// "emails co x" / "members eq u": compare the value sub-attribute.
			v := ref.attr.sub("value")
			if v == nil {
				return nil, badRequest(stInvalidFilter, "complex attribute %q needs a sub-attribute for %s", path, n.op)
			}
			ref.sub = v
		}
		if ref.common && ref.attr.Name == "meta" && ref.sub != nil && ref.sub.Name == "lastModified" && s.fault(fFilterModifiedAsCreated) {
			ref.sub = ref.attr.sub("created")
		}
		n.ref, n.def = ref, ref.leaf()
	}
	if !n.def.CaseExact && (n.op == filter.SW && s.fault(fFilterSWCaseSensitive) || n.op == filter.NE && s.fault(fFilterNECaseSensitive)) {
		exact := *n.def
		exact.CaseExact = true
		n.def = &exact
	}
	if n.op == filter.PR {
		return n, nil
	}
	n.fold = s.fold()
	val, err := compareValue(n.def, n.op, e.CompareValue, path, n.fold)
	if err != nil {
		return nil, err
	}
	n.val = val
	return n, nil
}

// compareValue checks that op and the comparison value fit def's type
// (RFC 7644 Table 3) and converts the value for evaluation.
func compareValue(def *attrDef, op filter.CompareOperator, v any, path string, fold func(string) string) (any, *scimError) {
	switch op {
	case filter.EQ, filter.NE, filter.CO, filter.SW, filter.EW, filter.GT, filter.GE, filter.LT, filter.LE:
	default:
		return nil, badRequest(stInvalidFilter, "unknown operator %q", op)
	}
	if v == nil {
		if op == filter.EQ || op == filter.NE {
			return nil, nil
		}
		return nil, badRequest(stInvalidFilter, "null can only be compared with eq or ne")
	}
	mismatch := func() (any, *scimError) {
		return nil, badRequest(stInvalidFilter, "operator %s with value %v does not fit attribute %q of type %s", op, v, path, def.Type)
	}
	switch def.Type {
	case tBoolean:
		b, ok := v.(bool)
		if !ok || (op != filter.EQ && op != filter.NE) {
			return mismatch()
		}
		return b, nil
	case tInteger, tDecimal:
		var f float64
		switch t := v.(type) {
		case int:
			f = float64(t)
		case float64:
			f = t
		default:
			return mismatch()
		}
		if op == filter.CO || op == filter.SW || op == filter.EW {
			return mismatch()
		}
		return f, nil
	case tDateTime:
		str, ok := v.(string)
		if !ok {
			return mismatch()
		}
		str = unescape(str)
		if op == filter.CO || op == filter.SW || op == filter.EW {
			return mismatch()
		}
		t, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return nil, badRequest(stInvalidFilter, "%q is not a valid dateTime", str)
		}
		return t, nil
	case tComplex:
		return mismatch()
	default:
		str, ok := v.(string)
		if !ok {
			return mismatch()
		}
		str = unescape(str)
		if !def.CaseExact {
			str = fold(str)
		}
		return str, nil
	}
}

// unescape resolves JSON escapes left in a filter string by the parser.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var out string
	if err := json.Unmarshal([]byte(`"`+s+`"`), &out); err != nil {
		return s
	}
	return out
}

// candidates uses the indexes to narrow a filter to a few ids: id eq and
// userName eq (case-folded index), through and/or. nil means "scan".
func (s *Server) candidates(rt *resourceType, expr filter.Expression) []string {
	switch e := expr.(type) {
	case *filter.LogicalExpression:
		l := s.candidates(rt, e.Left)
		r := s.candidates(rt, e.Right)
		if strings.EqualFold(string(e.Operator), "and") {
			if l != nil {
				return l
			}
			return r
		}
		if l != nil && r != nil {
			return append(append([]string{}, l...), r...)
		}
		return nil
	case *filter.AttributeExpression:
		if !strings.EqualFold(string(e.Operator), "eq") {
			return nil
		}
		str, ok := e.CompareValue.(string)
		if !ok {
			return nil
		}
		str = unescape(str)
		ref, ok := s.resolve(rt, e.AttributePath.String(), s.fault(fFilterAttrCaseSensitive))
		if !ok || ref.sub != nil {
			return nil
		}
		if ref.common && ref.attr.Name == "id" {
			return []string{str}
		}
		if rt == defs.userRT && !ref.common && ref.schema == "" && ref.attr.Name == "userName" {
			ids := s.st.usersNamed(str)
			if ids == nil {
				return []string{}
			}
			return ids
		}
	}
	return nil
}

// valuePathSubFilter accepts the form Entra ID documents for matching on
// uniqueness attributes, emails[type eq "work"].value eq "x" (requirements
// PROTO-FILTER-027). RFC 7644's filter ABNF has no sub-attribute after a
// value path, so the parser rejects it; we read it as
// emails[type eq "work" and value eq "x"]. Only the whole-filter form is
// recognised.
func valuePathSubFilter(raw string) (filter.Expression, bool) {
	open := strings.IndexByte(raw, '[')
	end := strings.LastIndex(raw, "].")
	if open <= 0 || end < open || strings.Count(raw, "[") != 1 || strings.Count(raw, "]") != 1 {
		return nil, false
	}
	vp, err := filter.ParseValuePath([]byte(raw[:end+1]))
	if err != nil {
		return nil, false
	}
	cmp, err := filter.ParseAttrExp([]byte(raw[end+2:]))
	if err != nil || cmp.AttributePath.URIPrefix != nil || cmp.AttributePath.SubAttribute != nil {
		return nil, false
	}
	return &filter.ValuePath{
		AttributePath: vp.AttributePath,
		ValueFilter:   &filter.LogicalExpression{Left: vp.ValueFilter, Right: &cmp, Operator: filter.AND},
	}, true
}

// The PEG parser is thorough but allocation-heavy, and almost every IdP
// filter is a single comparison (userName eq "x"). fastFilter recognises
// exactly that shape, builds the same AST the parser would, and leaves
// everything else to the parser.
func fastFilter(raw string) (filter.Expression, bool) {
	sp := strings.IndexByte(raw, ' ')
	if sp <= 0 {
		return nil, false
	}
	ap, ok := fastAttrPath(raw[:sp])
	if !ok {
		return nil, false
	}
	rest := strings.TrimLeft(raw[sp:], " ")
	if len(rest) < 2 {
		return nil, false
	}
	op := filter.CompareOperator(strings.ToLower(rest[:2]))
	if op == filter.PR && len(rest) == 2 {
		return &filter.AttributeExpression{AttributePath: ap, Operator: filter.PR}, true
	}
	switch op {
	case filter.EQ, filter.NE, filter.CO, filter.SW, filter.EW, filter.GT, filter.GE, filter.LT, filter.LE:
	default:
		return nil, false
	}
	if len(rest) < 3 || rest[2] != ' ' {
		return nil, false
	}
	val := strings.TrimLeft(rest[2:], " ")
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' || !json.Valid([]byte(val)) {
		return nil, false
	}
	for _, r := range val {
		if r < 0x20 { // the grammar has no unescaped control characters
			return nil, false
		}
	}
	return &filter.AttributeExpression{AttributePath: ap, Operator: op, CompareValue: val[1 : len(val)-1]}, true
}

// fastAttrPath parses [URI ":"] attrName ["." attrName] as the grammar does.
func fastAttrPath(s string) (filter.AttributePath, bool) {
	var ap filter.AttributePath
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		uri := s[:i]
		for _, seg := range strings.Split(uri, ":") {
			if seg == "" {
				return ap, false
			}
			for _, r := range seg {
				if !(isAlpha(r) || isDigit(r) || r == '-' || r == '.') {
					return ap, false
				}
			}
		}
		ap.URIPrefix = &uri
		s = s[i+1:]
	}
	name, sub, hasSub := strings.Cut(s, ".")
	if !validAttrName(name) {
		return ap, false
	}
	ap.AttributeName = name
	if hasSub {
		if !validAttrName(sub) {
			return ap, false
		}
		ap.SubAttribute = &sub
	}
	return ap, true
}

func validAttrName(s string) bool {
	s = strings.TrimPrefix(s, "$")
	if s == "" || !isAlpha(rune(s[0])) {
		return false
	}
	for _, r := range s[1:] {
		if !(isAlpha(r) || isDigit(r) || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func isAlpha(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isDigit(r rune) bool { return r >= '0' && r <= '9' }
