package refserver

import (
	"net/http"
	"strings"
)

// routeDiscovery serves /ServiceProviderConfig, /ResourceTypes and /Schemas
// (RFC 7644 §4). They are readable without authentication (RFC 7643 §5
// asks for authenticationSchemes to be public).
func (s *Server) routeDiscovery(w http.ResponseWriter, r *http.Request, segs []string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		s.writeError(w, errf(http.StatusMethodNotAllowed, "", "discovery endpoints are read-only; use GET"))
		return
	}
	if r.URL.Query().Has("filter") {
		// RFC 7644 §4: a filter on discovery endpoints SHOULD get 403.
		s.writeError(w, errf(http.StatusForbidden, "", "filtering is not supported on discovery endpoints"))
		return
	}
	base := s.baseURL(r)
	name := strings.ToLower(segs[0])
	switch {
	case name == "serviceproviderconfig" && len(segs) == 1:
		s.writeJSON(w, http.StatusOK, s.spcDoc(base))
	case name == "resourcetypes" && len(segs) <= 2:
		serveDefs(s, w, segs, defs.resourceTypes(), func(rt *resourceType) string { return rt.Name },
			func(rt *resourceType) any { return s.rtDoc(base, rt) }, "resource type")
	case name == "schemas" && len(segs) <= 2:
		serveDefs(s, w, segs, defs.schemas(), func(sc *schemaDef) string { return sc.ID },
			func(sc *schemaDef) any { return s.schemaDoc(base, sc) }, "schema")
	default:
		s.writeError(w, notFound("no SCIM endpoint at /%s", strings.Join(segs, "/")))
	}
}

func (s *Server) discoveryMeta(resourceType, location string) map[string]any {
	t := s.formatTime(s.started)
	return map[string]any{"resourceType": resourceType, "location": location, "created": t, "lastModified": t}
}

func (s *Server) spcDoc(base string) map[string]any {
	doc := map[string]any{
		"schemas":          []any{urnSPC},
		"documentationUri": "https://github.com/scimloop/scimloop",
		"patch":            map[string]any{"supported": s.supports("patch")},
		"bulk":             map[string]any{"supported": s.supports("bulk"), "maxOperations": maxBulkOperations, "maxPayloadSize": maxBodyBytes},
		"filter":           map[string]any{"supported": s.supports("filter"), "maxResults": maxResults},
		"changePassword":   map[string]any{"supported": s.supports("changePassword")},
		"sort":             map[string]any{"supported": s.supports("sort")},
		"etag":             map[string]any{"supported": s.supports("etag")},
		"authenticationSchemes": []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "Authentication with a bearer token in the Authorization header (RFC 6750).",
			"specUri":     "https://www.rfc-editor.org/rfc/rfc6750",
			"primary":     true,
		}},
		"meta": s.discoveryMeta("ServiceProviderConfig", base+"/ServiceProviderConfig"),
	}
	if p := s.paginationDoc(); p != nil {
		doc["pagination"] = p
	}
	if se := s.securityEvents(); se != nil {
		doc["securityEvents"] = se
	}
	if s.cfg.InteropProfile {
		doc["interopProfileConformant"] = true
	}
	return doc
}

func (s *Server) rtDoc(base string, rt *resourceType) map[string]any {
	exts := []any{}
	for _, e := range rt.Extensions {
		exts = append(exts, map[string]any{"schema": e.ID, "required": false})
	}
	doc := map[string]any{
		"schemas":     []any{urnRT},
		"id":          rt.Name,
		"name":        rt.Name,
		"endpoint":    rt.Endpoint,
		"description": rt.Description,
		"schema":      rt.Schema.ID,
		"meta":        s.discoveryMeta("ResourceType", base+"/ResourceTypes/"+rt.Name),
	}
	if len(exts) > 0 {
		doc["schemaExtensions"] = exts
	}
	return doc
}

func (s *Server) schemaDoc(base string, sc *schemaDef) map[string]any {
	attrs := make([]any, 0, len(sc.Attributes))
	for _, a := range sc.Attributes {
		if sc == defs.user && s.hidden(defs.userRT, a) {
			continue
		}
		doc := attrDoc(a)
		if sc == defs.user && a.Name == "emails" && s.is(pUniqueEmails) {
			markUnique(doc, "value")
		}
		if sc == defs.user && s.fault(fEmptyCanonicalValues) {
			declareEmptyCanonical(doc, a)
		}
		attrs = append(attrs, doc)
	}
	return map[string]any{
		"schemas":     []any{urnSchema},
		"id":          sc.ID,
		"name":        sc.Name,
		"description": sc.Description,
		"attributes":  attrs,
		"meta":        s.discoveryMeta("Schema", base+"/Schemas/"+sc.ID),
	}
}

func attrDoc(a *attrDef) map[string]any {
	m := map[string]any{
		"name":        a.Name,
		"type":        a.Type,
		"multiValued": a.MultiValued,
		"description": a.Description,
		"required":    a.Required,
		"mutability":  a.Mutability,
		"returned":    a.Returned,
	}
	if a.Type != tComplex && a.Type != tBoolean {
		m["caseExact"] = a.CaseExact
		m["uniqueness"] = a.Uniqueness
	} else {
		m["caseExact"] = false
		m["uniqueness"] = "none"
	}
	if len(a.CanonicalValues) > 0 {
		m["canonicalValues"] = toAnySlice(a.CanonicalValues)
	}
	if len(a.ReferenceTypes) > 0 {
		m["referenceTypes"] = toAnySlice(a.ReferenceTypes)
	}
	if len(a.SubAttributes) > 0 {
		subs := make([]any, len(a.SubAttributes))
		for i, sa := range a.SubAttributes {
			subs[i] = attrDoc(sa)
		}
		m["subAttributes"] = subs
	}
	return m
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func listResponse(resources []any, total, startIndex int) map[string]any {
	if resources == nil {
		resources = []any{}
	}
	return map[string]any{
		"schemas":      []any{urnListResponse},
		"totalResults": total,
		"startIndex":   startIndex,
		"itemsPerPage": len(resources),
		"Resources":    resources,
	}
}

// serveDefs answers a discovery collection: the ListResponse of every
// entry, or with a second path segment the one entry whose key matches it
// case-insensitively (a 404 naming what when none does).
func serveDefs[T any](s *Server, w http.ResponseWriter, segs []string, list []T, key func(T) string, doc func(T) any, what string) {
	if len(segs) == 1 {
		docs := make([]any, 0, len(list))
		for _, d := range list {
			docs = append(docs, doc(d))
		}
		s.writeJSON(w, http.StatusOK, listResponse(docs, len(docs), 1))
		return
	}
	for _, d := range list {
		if strings.EqualFold(key(d), segs[1]) {
			s.writeJSON(w, http.StatusOK, doc(d))
			return
		}
	}
	s.writeError(w, notFound("%s %q not found", what, segs[1]))
}
