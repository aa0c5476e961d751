package refserver

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// Personality is a named limitation of a real SCIM server. Unlike a fault,
// everything a personality does is allowed by RFC 7643 and RFC 7644: a
// harness run against it must not report a conformance failure. They
// combine freely (Config.Personalities).
type Personality struct {
	Name        string
	Description string
}

// Personality names, as constants so a typo in the server is a compile error.
const (
	pFiltersEqAndOnly   = "filters-eq-and-only"
	pSchemaSubset       = "schema-subset"
	pUniqueEmails       = "unique-emails"
	pUniqueExternalID   = "unique-externalid"
	pNoMe               = "no-me"
	pSecondPrecision    = "second-precision-timestamps"
	pWeakETags          = "weak-etags"
	pPatch204           = "patch-204"
	pStrictSchemas      = "strict-schemas"
	pIntegerIDs         = "integer-ids"
	pShortCursorTimeout = "short-cursor-timeout"
	pCursorOnly         = "cursor-only"
	hiddenAttrsComment  = "groups, addresses, x509Certificates and ims"
)

// Personalities lists the personalities the reference server can take on,
// sorted by name.
func Personalities() []Personality {
	out := []Personality{
		{pFiltersEqAndOnly, "filters support only eq joined by and (also inside value filters); any other operator, or, not or parentheses answer 400 invalidFilter"},
		{pSchemaSubset, "the User schema has no " + hiddenAttrsComment + ": /Schemas omits them and sent values are ignored"},
		{pUniqueEmails, "an e-mail address is unique across users (409 uniqueness) and stays reserved after its user is deleted"},
		{pUniqueExternalID, "externalId is unique across users (409 uniqueness)"},
		{pNoMe, "/Me answers 501 Not Implemented"},
		{pSecondPrecision, "meta.created and meta.lastModified have whole seconds"},
		{pWeakETags, "ETags are weak (W/\"n\") and If-Match / If-None-Match use weak comparison, as in RFC 7644 §3.14's examples"},
		{pPatch204, "a successful PATCH answers 204 No Content without a body, or 200 when attributes or excludedAttributes is given (RFC 7644 §3.5.2)"},
		{pStrictSchemas, "an attribute not in the declared schemas answers 400 invalidSyntax instead of being ignored"},
		{pIntegerIDs, "ids are 1, 2, 3… from one counter shared by Users and Groups"},
		{pCursorOnly, "lists page only by cursor: pagination.index is false and defaultPaginationMethod is cursor, a list request without startIndex is paged by cursor, and startIndex answers 400 invalidValue (RFC 9865 §2.3, §4)"},
		{pShortCursorTimeout, "cursors expire one second after the page that issued them: pagination.cursorTimeout is 1, and a later cursor answers 400 expiredCursor (RFC 9865)"},
	}
	slices.SortFunc(out, func(a, b Personality) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func parsePersonalities(names []string) (map[string]bool, error) {
	set := map[string]bool{}
	var unknown []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.ContainsFunc(Personalities(), func(p Personality) bool { return p.Name == n }) {
			unknown = append(unknown, n)
			continue
		}
		set[n] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("refserver: unknown personality(s): %s (see scimloop personalities)", strings.Join(unknown, ", "))
	}
	return set, nil
}

func (s *Server) is(personality string) bool { return s.personas[personality] }

// indexOff reports whether index paging is switched off: the cursor-only
// personality, or Config.CursorOnly.
func (s *Server) indexOff() bool { return s.cfg.CursorOnly || s.is(pCursorOnly) }

// resolve is rt.resolve, with the attributes schema-subset leaves out
// treated as unknown.
func (s *Server) resolve(rt *resourceType, path string, caseSensitive bool) (attrRef, bool) {
	ref, ok := rt.resolve(path, caseSensitive)
	if ok && s.hidden(rt, ref.attr) {
		return attrRef{}, false
	}
	return ref, ok
}

// hidden reports whether schema-subset leaves attribute a out of rt.
func (s *Server) hidden(rt *resourceType, a *attrDef) bool {
	if !s.is(pSchemaSubset) || rt != defs.userRT {
		return false
	}
	switch a.Name {
	case "groups", "addresses", "x509Certificates", "ims":
		return slices.Contains(rt.Schema.Attributes, a)
	}
	return false
}

// hiddenPath reports whether a PATCH path names an attribute schema-subset
// leaves out: such an operation is ignored, as its value would be on POST.
func (s *Server) hiddenPath(rt *resourceType, path string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(path), "[")
	ref, ok := rt.resolve(name, false)
	return ok && s.hidden(rt, ref.attr)
}

// fStrictSchemasLapse breaks the interop profile's rule that strict-schemas
// keeps: an undeclared attribute is refused.
const fStrictSchemasLapse = "unknown-attribute-ignored"

var personalityFaults = []Fault{
	profileFault(fStrictSchemasLapse, "interop", "an attribute the schemas do not declare is ignored even with strict-schemas, where the interop profile wants 400 invalidSyntax"),
}

// unknownAttr is what to do with an attribute the schemas do not declare:
// ignore it (nil), or with strict-schemas refuse it.
func (s *Server) unknownAttr(name string) *scimError {
	if !s.is(pStrictSchemas) || s.fault(fStrictSchemasLapse) {
		return nil
	}
	return badRequest(stInvalidSyntax, "attribute %q is not defined by the resource's schemas", name)
}

// newID issues an id for a new resource (store lock held).
func (s *Server) newID() string {
	if !s.is(pIntegerIDs) {
		return newID()
	}
	for {
		s.st.lastInt++
		id := strconv.FormatInt(s.st.lastInt, 10)
		if _, taken := s.st.byID[id]; !taken {
			return id
		}
	}
}

// etag is the entity tag of a resource version: strong by default, weak
// with weak-etags.
func (s *Server) etag(version int64) string {
	if s.is(pWeakETags) {
		return `W/"` + itoa(version) + `"`
	}
	return `"` + itoa(version) + `"`
}

// ifMatch evaluates If-Match: strong comparison (RFC 7232 §3.1), so a weak
// tag never matches; with weak-etags, weak comparison as RFC 7644 §3.14's
// examples do.
func (s *Server) ifMatch(header string, version int64) bool {
	return etagMatches(header, s.etag(version), !s.is(pWeakETags))
}

// ifNoneMatch evaluates If-None-Match: always weak comparison (RFC 7232 §3.2).
func (s *Server) ifNoneMatch(header string, version int64) bool {
	return etagMatches(header, s.etag(version), false)
}

// etagMatches evaluates an If-Match / If-None-Match header value against
// the current tag, with strong or weak comparison (RFC 7232 §2.3.2).
func etagMatches(header, current string, strong bool) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		if strong {
			if t == current && !strings.HasPrefix(t, "W/") {
				return true
			}
			continue
		}
		if strings.TrimPrefix(t, "W/") == strings.TrimPrefix(current, "W/") {
			return true
		}
	}
	return false
}

// formatTime renders a meta timestamp, in whole seconds with
// second-precision-timestamps.
func (s *Server) formatTime(t time.Time) string {
	if s.is(pSecondPrecision) {
		return t.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return formatTime(t)
}

// uniqueClash answers 409 when a user's e-mail or externalId is held by
// another user (unique-emails, unique-externalid; store lock held).
func (s *Server) uniqueClash(rt *resourceType, id string, attrs map[string]any) *scimError {
	if rt != defs.userRT || !(s.is(pUniqueEmails) || s.is(pUniqueExternalID)) {
		return nil
	}
	mine := emailsOf(attrs)
	ext, _ := attrs["externalId"].(string)
	if s.is(pUniqueEmails) {
		for _, e := range mine {
			if _, ok := s.st.reservedEmails[e]; ok {
				return errf(http.StatusConflict, stUniqueness, "e-mail %q belonged to a deleted user and cannot be reused", e)
			}
		}
	}
	for _, other := range s.st.all(defs.userRT, false) {
		if other.id == id {
			continue
		}
		if s.is(pUniqueExternalID) && ext != "" && other.str("externalId") == ext {
			return errf(http.StatusConflict, stUniqueness, "externalId %q is already taken", ext)
		}
		if !s.is(pUniqueEmails) {
			continue
		}
		theirs := emailsOf(other.attrs)
		for _, e := range mine {
			if slices.Contains(theirs, e) {
				return errf(http.StatusConflict, stUniqueness, "e-mail %q is already taken", e)
			}
		}
	}
	return nil
}

// reserveEmails keeps a deleted user's e-mails from reuse (unique-emails;
// store lock held).
func (s *Server) reserveEmails(res *resource) {
	if !s.is(pUniqueEmails) || res.rt != defs.userRT {
		return
	}
	for _, e := range emailsOf(res.attrs) {
		s.st.reservedEmails[e] = struct{}{}
	}
}

// emailsOf returns a user's e-mail values, lower-cased (emails.value is not
// caseExact).
func emailsOf(attrs map[string]any) []string {
	arr, _ := attrs["emails"].([]any)
	var out []string
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			if v, ok := m["value"].(string); ok && v != "" {
				out = append(out, strings.ToLower(v))
			}
		}
	}
	return out
}

// eqAndOnly refuses, for filters-eq-and-only, any filter other than eq
// comparisons joined by and.
func (s *Server) eqAndOnly(expr filter.Expression) *scimError {
	if !s.is(pFiltersEqAndOnly) {
		return nil
	}
	refuse := func(what string) *scimError {
		return badRequest(stInvalidFilter, "this service provider supports only eq comparisons joined by and; %s is not supported", what)
	}
	switch e := expr.(type) {
	case *filter.LogicalExpression:
		if !strings.EqualFold(string(e.Operator), "and") {
			return refuse("or")
		}
		if err := s.eqAndOnly(e.Left); err != nil {
			return err
		}
		return s.eqAndOnly(e.Right)
	case *filter.ValuePath:
		return s.eqAndOnly(e.ValueFilter)
	case *filter.AttributeExpression:
		if !strings.EqualFold(string(e.Operator), "eq") {
			return refuse(strings.ToLower(string(e.Operator)))
		}
		return nil
	case *filter.NotExpression:
		return refuse("not")
	}
	return refuse("this expression")
}

// hasParens reports whether raw filter text groups with parentheses outside
// a quoted string (filters-eq-and-only refuses them: the parsed tree does
// not keep them).
func hasParens(raw string) bool {
	inStr := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '\\' && inStr:
			i++
		case c == '"':
			inStr = !inStr
		case c == '(' && !inStr:
			return true
		}
	}
	return false
}

// markUnique declares, in an attribute's /Schemas entry, the named
// sub-attribute unique across the server (unique-emails).
func markUnique(doc map[string]any, sub string) {
	subs, _ := doc["subAttributes"].([]any)
	for _, e := range subs {
		if m, ok := e.(map[string]any); ok && m["name"] == sub {
			m["uniqueness"] = "server"
		}
	}
}
