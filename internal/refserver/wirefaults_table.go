package refserver

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
)

// wireFaults are the faults that wrap the server as middleware (see
// wirefaults.go), in the order they are applied, outermost last: those on
// discovery and lists (this file), then those on single resources
// (wirefaults_table2.go). The tables are never modified.
var wireFaults = slices.Concat(wireFaultsLists, wireFaultsResources, wireFaultsProbes, wireFaultsProfiles)

var wireFaultsLists = []*wireFault{
	{Fault: conformance("spc-incomplete", "ServiceProviderConfig has a wrong schema URI, no filter.maxResults and authentication schemes without a description"),
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) {
			m["schemas"] = []any{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfiguration"}
			delete(m["filter"].(map[string]any), "maxResults")
			for _, s := range m["authenticationSchemes"].([]any) {
				delete(s.(map[string]any), "description")
			}
		})},
	{Fault: conformance("resourcetypes-inconsistent", "/ResourceTypes leaves out Group and the schemas attribute, lists an endpoint that does not exist, and single resource types cannot be read"),
		resp: func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			p := strings.ToLower(r.URL.Path)
			switch {
			case strings.HasSuffix(p, "/resourcetypes"):
				m := wireDecode(body)
				rts, ok := m["Resources"].([]any)
				if !ok {
					return status, body
				}
				var keep []any
				for _, rt := range rts {
					rm := rt.(map[string]any)
					if rm["name"] == "Group" {
						continue
					}
					delete(rm, "schemas")
					keep = append(keep, rm)
				}
				keep = append(keep, map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
					"id": "Device", "name": "Device", "endpoint": "/Devices", "schema": "urn:example:params:scim:schemas:Device"})
				m["Resources"] = keep
				return status, wireEncode(m)
			case strings.Contains(p, "/resourcetypes/"):
				return 200, wireEncode(map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, "totalResults": 0, "Resources": []any{}})
			}
			return status, body
		}},
	{Fault: conformance("schemas-malformed", "/Schemas leaves out Group and meta, mistypes attribute definitions, lists a protocol message, and single schemas answer 404"),
		resp: func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			p := strings.ToLower(r.URL.Path)
			switch {
			case strings.HasSuffix(p, "/schemas"):
				m := wireDecode(body)
				list, ok := m["Resources"].([]any)
				if !ok {
					return status, body
				}
				var keep []any
				for _, s := range list {
					sm := s.(map[string]any)
					if strings.Contains(sm["id"].(string), "Group") {
						continue
					}
					delete(sm, "meta")
					delete(sm, "schemas")
					for _, a := range sm["attributes"].([]any) {
						am := a.(map[string]any)
						switch am["name"] {
						case "userName":
							am["caseExact"] = true
							am["description"] = nil
						case "displayName":
							am["name"] = "DisplayName"
						case "nickName":
							am["type"] = "text"
						case "name":
							subs := am["subAttributes"].([]any)
							subs[0].(map[string]any)["type"] = "complex"
						}
					}
					keep = append(keep, sm)
				}
				keep = append(keep, map[string]any{"id": "urn:ietf:params:scim:api:messages:2.0:ListResponse", "name": "ListResponse", "attributes": []any{}})
				m["Resources"] = keep
				return status, wireEncode(m)
			case strings.Contains(p, "/schemas/"):
				return 404, wireError(404, "", "no such schema")
			}
			return status, body
		}},
	{Fault: conformance("discovery-writable", "discovery endpoints accept writes with 200 and refuse a filter with 400 instead of ignoring it or answering 403"),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if !pathHas(r, "/ServiceProviderConfig") && !pathHas(r, "/ResourceTypes") && !pathHas(r, "/Schemas") {
				return nil, 0, nil
			}
			if r.Method != http.MethodGet {
				return nil, 200, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]}`)
			}
			if r.URL.Query().Has("filter") {
				return nil, 400, wireError(400, "invalidFilter", "filters are not supported here")
			}
			return nil, 0, nil
		}},
	{Fault: should("discovery-needs-auth", "ServiceProviderConfig answers 401 without credentials"),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if pathHas(r, "/ServiceProviderConfig") && r.Header.Get("Authorization") == "" {
				return nil, 401, wireError(401, "", "authentication required")
			}
			return nil, 0, nil
		}},
	{Fault: should("auth-not-enforced", "requests without a valid bearer token are served as if they had one"),
		req: func(st *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if st.token != "" {
				r.Header.Set("Authorization", "Bearer "+st.token)
			}
			return nil, 0, nil
		}},
	{Fault: conformance("resources-without-schemas", "users read by GET carry no schemas attribute"),
		resp: respOn(func(r *http.Request) bool { return r.Method == http.MethodGet && onUsers(r) }, func(m map[string]any) { delete(m, "schemas") })},
	{Fault: conformance("schemas-listed-twice", "the schemas attribute of users lists the core schema twice"),
		resp: respOn(onUsers, func(m map[string]any) {
			if s, ok := m["schemas"].([]any); ok {
				m["schemas"] = append(s, s[0])
			}
		})},
	{Fault: conformance("meta-incomplete", "meta has no resourceType and meta.created is a bare date"),
		resp: respOn(always, func(m map[string]any) {
			if meta, ok := m["meta"].(map[string]any); ok {
				delete(meta, "resourceType")
				if c, ok := meta["created"].(string); ok && len(c) > 10 {
					meta["created"] = c[:10]
				}
			}
		})},
	{Fault: conformance("booleans-as-strings", "active is returned as the string \"True\" or \"False\" instead of a JSON boolean"),
		resp: respOn(onUsers, func(m map[string]any) {
			if a, ok := m["active"].(bool); ok {
				m["active"] = map[bool]string{true: "True", false: "False"}[a]
			}
		})},
	{Fault: conformance("single-values-not-arrays", "a user's emails are returned as one object instead of an array"),
		resp: respOn(onUsers, func(m map[string]any) {
			if e, ok := m["emails"].([]any); ok && len(e) > 0 {
				m["emails"] = e[0]
			}
		})},
	{Fault: conformance("extension-flattened", "enterprise extension attributes are returned at the top level instead of inside their schema URN"),
		resp: respOn(onUsers, func(m map[string]any) {
			const urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
			if e, ok := m[urn].(map[string]any); ok {
				for k, v := range e {
					m[k] = v
				}
				delete(m, urn)
			}
		})},
	{Fault: conformance("values-normalised", "userName and externalId are returned lower-cased and phone numbers reformatted"),
		resp: respOn(onUsers, func(m map[string]any) {
			for _, k := range []string{"userName", "externalId"} {
				if v, ok := m[k].(string); ok {
					m[k] = strings.ToLower(v)
				}
			}
			if ph, ok := m["phoneNumbers"].([]any); ok {
				for _, p := range ph {
					p.(map[string]any)["value"] = "+1 (555) 555-5555"
				}
			}
		})},
	{Fault: conformance("non-ascii-mangled", "non-ASCII letters in answers are folded to ASCII (ë becomes e)"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			return status, bytes.ReplaceAll(body, []byte("ë"), []byte("e"))
		}},
	{Fault: conformance("externalid-invented", "users created without externalId come back with one the server made up"),
		resp: respOn(onUsers, func(m map[string]any) {
			if _, ok := m["externalId"]; !ok {
				m["externalId"] = "generated-" + m["id"].(string)
			}
		})},
	{Fault: conformance("user-details-rewritten", "name.formatted, email addresses and the manager's displayName are rewritten in answers"),
		resp: respOn(onUsers, func(m map[string]any) {
			if n, ok := m["name"].(map[string]any); ok {
				n["formatted"] = "Someone Else"
			}
			if e, ok := m["emails"].([]any); ok {
				for _, x := range e {
					x.(map[string]any)["value"] = strings.ReplaceAll(x.(map[string]any)["value"].(string), "@", " at ")
				}
			}
			if ent, ok := m["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any); ok {
				if mg, ok := ent["manager"].(map[string]any); ok {
					mg["displayName"] = "Client Said"
				}
			}
		})},
	{Fault: conformance("wrong-content-location", "GET answers carry a Content-Location header that points at another server"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodGet && status == 200 && (onUsers(r) || onGroups(r)) {
				h.Set("Content-Location", "https://elsewhere.example/Users/1")
			}
			return status, body
		}},
	{Fault: conformance("group-details-dropped", "groups lose their externalId and their members are typed Group"),
		resp: respOn(onGroups, func(m map[string]any) {
			delete(m, "externalId")
			if ms, ok := m["members"].([]any); ok {
				for _, x := range ms {
					x.(map[string]any)["type"] = "Group"
				}
			}
		})},
	{Fault: conformance("user-groups-wrong-ref", "the groups of a user carry $ref URLs that point at another server"),
		resp: respOn(onUsers, func(m map[string]any) {
			if gs, ok := m["groups"].([]any); ok {
				for _, x := range gs {
					x.(map[string]any)["$ref"] = "https://elsewhere.example/Groups/0"
				}
			}
		})},
	{Fault: conformance("members-not-returned-by-default", "GET of a group leaves out members unless attributes asks for them"),
		resp: respOn(func(r *http.Request) bool {
			return r.Method == http.MethodGet && onGroups(r) && !r.URL.Query().Has("attributes")
		},
			func(m map[string]any) { delete(m, "members") })},
	{Fault: conformance("id-excludable", "excludedAttributes=id removes id, which must always be returned"),
		resp: respOn(func(r *http.Request) bool { return strings.Contains(r.URL.RawQuery, "excludedAttributes=id") }, func(m map[string]any) { delete(m, "id") })},
	{Fault: conformance("rejects-content-negotiation", "Accept: application/json gets 406, a body labelled application/json gets 415, and unknown query parameters get 400"),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			switch {
			case r.Header.Get("Accept") == "application/json":
				return nil, 406, wireError(406, "", "only application/scim+json is served")
			case r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
				return nil, 415, wireError(415, "", "only application/scim+json is accepted")
			case r.URL.Query().Has("scimloopUnknownParam"):
				return nil, 400, wireError(400, "invalidValue", "unknown query parameter")
			}
			return nil, 0, nil
		}},
	{Fault: conformance("rejects-unusual-json", "creates with upper-case attribute names, nulls, extension-first schemas, reordered sub-attributes or empty members are refused with 400"),
		req: refuseWhen(func(r *http.Request, body []byte) bool {
			b := string(body)
			return r.Method == http.MethodPost && (strings.Contains(b, `"USERNAME"`) || strings.Contains(b, `{"name":{"familyName"`) ||
				strings.Contains(b, `"schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`) || strings.Contains(b, `"nickName":null`) ||
				strings.Contains(b, `"country":"US"`) || strings.Contains(b, `"members":[]`))
		})},
	// Keeping externalId unique with 409 is a permitted policy (Table 9; the
	// unique-externalid personality); leaking the constraint as a 500 is not.
	{Fault: should("externalid-unique", "externalId is kept unique by a database constraint whose violation leaks as 500, instead of 409 uniqueness"),
		req: func(st *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			m := wireDecode(body)
			if r.Method != http.MethodPost || !onUsers(r) || m == nil {
				return nil, 0, nil
			}
			if ext, ok := m["externalId"].(string); ok && st.remember(ext) {
				return nil, 500, wireError(500, "", "duplicate key value violates unique constraint \"users_external_id_key\"")
			}
			return nil, 0, nil
		}},
	{Fault: conformance("patch-path-forms-refused", "PATCH without a path, with a value filter, an extension URN or a mixed-case path is refused with 400 invalidPath"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch {
				return nil, 0, nil
			}
			b := string(body)
			if strings.Contains(b, `"path":"urn:`) || strings.Contains(b, `Name.GivenName`) || !strings.Contains(b, `"path"`) ||
				strings.Contains(b, `emails[`) || strings.Contains(b, `addresses[`) {
				return nil, 400, wireError(400, "invalidPath", "unsupported path")
			}
			return nil, 0, nil
		}},
	{Fault: conformance("patch-add-replaces", "PATCH add is applied as replace, so adding to a multi-valued attribute drops the values it had"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch {
				return nil, 0, nil
			}
			return bytes.ReplaceAll(body, []byte(`"op":"add"`), []byte(`"op":"replace"`)), 0, nil
		}},
	{Fault: conformance("patch-remove-ignored", "PATCH requests that only remove answer 204 and change nothing"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch || !strings.Contains(string(body), `"op":"remove"`) || strings.Contains(string(body), `"op":"add"`) {
				return nil, 0, nil
			}
			return nil, 204, nil
		}},
	{Fault: conformance("patch-replace-ignored", "PATCH replace on users answers 204 and changes nothing"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch || !strings.Contains(string(body), `"op":"replace"`) || onGroups(r) {
				return nil, 0, nil
			}
			return nil, 204, nil
		}},
	{Fault: conformance("patch-errors-swallowed", "an invalid PATCH to a user answers 200 with the unchanged user instead of 400"), resp: swallowErrors(http.MethodPatch)},
	{Fault: conformance("put-errors-swallowed", "an invalid PUT to a user answers 200 with the unchanged user instead of an error"), resp: swallowErrors(http.MethodPut)},
	{Fault: conformance("put-ignored", "PUT answers 204 and replaces nothing"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPut || !(onUsers(r) || onGroups(r)) {
				return nil, 0, nil
			}
			return nil, 204, nil
		}},
	{Fault: conformance("put-answers-204", "PUT replaces the resource but answers 204 No Content instead of 200 with the resource"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method != http.MethodPut || status != http.StatusOK || !(onUsers(r) || onGroups(r)) {
				return status, body
			}
			return http.StatusNoContent, nil
		}},
	{Fault: conformance("put-takes-readonly-meta", "a PUT that carries meta.created sets it: reads then show the client's value"),
		resp: func(st *wireState, r *http.Request, req []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodPut && status == http.StatusOK {
				meta, _ := wireDecode(req)["meta"].(map[string]any)
				if created, ok := meta["created"].(string); ok {
					st.pinCreated(r.URL.Path, created)
				}
			}
			created, ok := st.pinnedCreated(r.URL.Path)
			if !ok || status != http.StatusOK || r.Method != http.MethodGet && r.Method != http.MethodPut {
				return status, body
			}
			m := wireDecode(body)
			if meta, isMap := m["meta"].(map[string]any); isMap {
				meta["created"] = created
			}
			return status, wireEncode(m)
		}},
	{Fault: conformance("lenient-creates", "invalid creates (no userName, wrong schemas, a mistyped or oversized value, a group without displayName) are patched up and accepted"),
		req: fixBody(func(st *wireState, m map[string]any) bool {
			changed := false
			// Attribute names are matched case-insensitively, as the
			// server does: only what is really missing is made up.
			get := func(name string) any {
				k, _ := lookupKey(m, name)
				return m[k]
			}
			// A group is a body with members, or one without a userName key
			// whose only schema is Group's (a group created empty).
			_, isGroup := m["members"]
			_, hasUserName := lookupKey(m, "userName")
			sch, _ := get("schemas").([]any)
			isGroup = isGroup || (!hasUserName && len(sch) == 1 && sch[0] == "urn:ietf:params:scim:schemas:core:2.0:Group")
			if isGroup && get("displayName") == nil && get("userName") == nil {
				m["displayName"] = "scimloop-defaulted-group-" + st.nextDefault()
				return true
			}
			if u, ok := get("userName").(string); !isGroup && (!ok || u == "") {
				if k, found := lookupKey(m, "userName"); found {
					delete(m, k)
				}
				m["userName"] = "scimloop-defaulted-user-" + st.nextDefault()
				changed = true
			}
			if a, ok := m["active"].(string); ok && a == "maybe" {
				m["active"] = true
				changed = true
			}
			if s, ok := get("schemas").([]any); !isGroup && (!ok || len(s) == 0 || s[0] == "urn:ietf:params:scim:schemas:core:2.0:Group") {
				if k, found := lookupKey(m, "schemas"); found {
					delete(m, k)
				}
				m["schemas"] = []any{"urn:ietf:params:scim:schemas:core:2.0:User"}
				changed = true
			}
			if n, ok := m["nickName"].(string); ok && len(n) > 1000 {
				m["nickName"] = "truncated"
				changed = true
			}
			return changed
		})},
	{Fault: conformance("unknown-attribute-kept", "users come back with an attribute that no schema declares"),
		resp: respOn(onUsers, func(m map[string]any) {
			if m["userName"] != nil {
				m["scimloopNoSuchAttribute"] = 1
			}
		})},
	{Fault: conformance("query-errors-500", "an empty filter and an over-large query answer 500 instead of 400"),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			f, has := r.URL.Query()["filter"]
			if has && (f[0] == "" || f[0] == "userName pr") {
				return nil, 500, wireError(500, "", "internal error")
			}
			return nil, 0, nil
		}},
	{Fault: conformance("lists-malformed", "ListResponses lack schemas, startIndex and itemsPerPage, give totalResults as a string, leave out empty Resources and drop resource ids"),
		resp: listOn(func(r *http.Request) bool { return onUsers(r) || onGroups(r) }, func(r *http.Request, m map[string]any) {
			delete(m, "schemas")
			m["totalResults"] = strings.TrimSpace(string(wireEncode(map[string]any{"n": m["totalResults"]}))[5:])
			delete(m, "startIndex")
			delete(m, "itemsPerPage")
			if rs, ok := m["Resources"].([]any); ok && len(rs) == 0 {
				delete(m, "Resources")
			}
			if rs, ok := m["Resources"].([]any); ok {
				for _, x := range rs {
					delete(x.(map[string]any), "id")
				}
			}
		})},
}
