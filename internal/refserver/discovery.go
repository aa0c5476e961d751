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
	case name == "resourcetypes" && len(segs) == 1:
		var list []any
		for _, rt := range defs.resourceTypes() {
			list = append(list, s.rtDoc(base, rt))
		}
		s.writeJSON(w, http.StatusOK, listResponse(list, len(list), 1))
	case name == "resourcetypes" && len(segs) == 2:
		for _, rt := range defs.resourceTypes() {
			if strings.EqualFold(rt.Name, segs[1]) {
				s.writeJSON(w, http.StatusOK, s.rtDoc(base, rt))
				return
			}
		}
		s.writeError(w, notFound("resource type %q not found", segs[1]))
	case name == "schemas" && len(segs) == 1:
		var list []any
		for _, sc := range defs.schemas() {
			list = append(list, s.schemaDoc(base, sc))
		}
		s.writeJSON(w, http.StatusOK, listResponse(list, len(list), 1))
	case name == "schemas" && len(segs) == 2:
		for _, sc := range defs.schemas() {
			if strings.EqualFold(sc.ID, segs[1]) {
				s.writeJSON(w, http.StatusOK, s.schemaDoc(base, sc))
				return
			}
		}
		s.writeError(w, notFound("schema %q not found", segs[1]))
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
