package scenarios

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

var discoveryMore = Scenario{
	Name:   "discovery-documents",
	Areas:  []string{"discovery-documents"},
	Checks: withCommon(listChecks...),
	Run: func(s *S) {
		sp := s.Env.SP
		s.Judge("disc-auth-schemes", assertions.AuthSchemes(sp.Config), sp.Config)
		if sp.ResourceTypes == nil || sp.Schemas == nil || sp.ResourceTypes.Status != 200 || sp.Schemas.Status != 200 {
			s.Stop("discovery could not read /ResourceTypes and /Schemas")
		}
		rts, schemas := sp.ResourceTypes, sp.Schemas
		s.JudgeList(rts)
		s.JudgeList(schemas)
		s.Judge("disc-rt-fields", assertions.ResourceTypeFields(rts), rts)
		s.Judge("disc-rt-schemas-exist", assertions.ResourceTypeSchemasExist(rts, schemas), rts, schemas)
		s.Judge("disc-schema-attr-defs", assertions.SchemaAttrDefs(schemas), schemas)
		s.Judge("disc-schema-representation", assertions.SchemaRepresentation(schemas), schemas)
		s.Judge("disc-no-api-schemas", assertions.NoAPISchemas(schemas), schemas)
		s.Judge("disc-core-characteristics", assertions.CoreCharacteristics(schemas, sp), schemas)
		s.Judge("disc-no-nested-complex", assertions.NoNestedComplex(schemas), schemas)
		s.Judge("disc-schema-no-nulls", assertions.NoNulls(schemas), schemas)

		for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodPost, http.MethodDelete} {
			ex := s.Do(fakeidp.Request{Method: m, Path: "/ServiceProviderConfig", Body: []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":false}}`)})
			s.Judge("disc-spc-readonly", assertions.Refused(ex), ex)
		}
		for _, p := range []string{"/ServiceProviderConfig", "/ResourceTypes", "/Schemas"} {
			ex := s.Do(fakeidp.Request{Method: http.MethodGet, Path: p, Query: url.Values{"filter": {`name eq "User"`}}, Retry: true})
			switch ex.Status {
			case 403:
				s.Judge("disc-filter-ignored-or-403", nil, ex)
			case 200:
				s.Judge("disc-filter-ignored-or-403", assertions.JSONObject(ex), ex)
			default:
				s.Judge("disc-filter-ignored-or-403", assertions.Status(ex, 403, 200), ex)
			}
		}

		var userRT string
		for _, rt := range fakeidp.Get(rts.RespBody, "Resources").Array() {
			name, ep := fakeidp.Lookup(rt, "name").String(), fakeidp.Lookup(rt, "endpoint").String()
			if strings.EqualFold(name, "User") {
				userRT = name
			}
			if ep == "" || strings.Contains(ep, "..") {
				continue
			}
			ex := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/" + strings.TrimLeft(ep, "/"), Query: q("count", "1"), Retry: true})
			s.Judge("disc-rt-endpoint-works", assertions.Status(ex, 200), ex)
			s.Judge("disc-rt-endpoint-works", assertions.ListResponse(ex), ex)
		}
		if userRT == "" {
			userRT = "User"
		}
		one := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/ResourceTypes/" + userRT, Retry: true})
		s.Judge("disc-rt-single", assertions.Status(one, 200), one)
		s.Judge("disc-rt-single", assertions.AttrIs(one, "name", userRT), one)
		sch := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/Schemas/" + fakeidp.SchemaUser, Retry: true})
		s.Judge("disc-schema-single", assertions.Status(sch, 200), sch)
		s.Judge("disc-schema-single", assertions.AttrIs(sch, "id", fakeidp.SchemaUser), sch)

		u, post := s.CreateUser(s.NewUser())
		g, gpost := s.CreateGroup(s.NewGroup(u.ID))
		_ = g
		known := assertions.SchemaIDs(schemas)
		for _, ex := range []*fakeidp.Exchange{post, gpost} {
			for _, v := range fakeidp.Get(ex.RespBody, "schemas").Array() {
				s.Judge("disc-schema-uris-known", assertions.Expect(ex, slices.Contains(known, strings.ToLower(v.String())),
					"schemas naming "+v.String(), "only URIs that GET /Schemas lists"), ex, schemas)
			}
		}
		required := false
		for _, rt := range fakeidp.Get(rts.RespBody, "Resources").Array() {
			if !strings.EqualFold(fakeidp.Lookup(rt, "name").String(), "User") {
				continue
			}
			for _, e := range fakeidp.Lookup(rt, "schemaExtensions").Array() {
				if fakeidp.Lookup(e, "required").Bool() {
					required = true
					urn := fakeidp.Lookup(e, "schema").String()
					get := s.Get("User", u.ID, nil)
					s.Judge("disc-rt-required-extension", assertions.Expect(get, fakeidp.Get(get.RespBody, urn).IsObject(),
						"no "+urn+" container", "the required extension "+urn), rts, get)
				}
			}
		}
		if !required {
			s.Judge("disc-rt-required-extension", nil, rts)
		}
	},
}
