package refserver

import (
	"bytes"
	"net/http"
	"strings"
)

// wireFaults are the faults that wrap the server as middleware (see
// wirefaults.go), in the order they are applied, outermost last.
var wireFaults = []*wireFault{
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
	{Fault: should("externalid-unique", "externalId is enforced as unique: a second user with the same externalId gets 409"),
		req: func(st *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			m := wireDecode(body)
			if r.Method != http.MethodPost || !onUsers(r) || m == nil {
				return nil, 0, nil
			}
			if ext, ok := m["externalId"].(string); ok && st.remember(ext) {
				return nil, 409, wireError(409, "uniqueness", "externalId already in use")
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
	{Fault: conformance("lenient-creates", "invalid creates (no userName, wrong schemas, a mistyped or oversized value, a group without displayName) are patched up and accepted"),
		req: fixBody(func(st *wireState, m map[string]any) bool {
			changed := false
			// Attribute names are matched case-insensitively, as the
			// server does: only what is really missing is made up.
			get := func(name string) any {
				k, _ := lookupKey(m, name)
				return m[k]
			}
			_, isGroup := m["members"]
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
	{Fault: conformance("paging-edges-refused", "startIndex below 1 or past the end and a negative count are refused with 400, and listing users needs a filter"),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			q := r.URL.Query()
			si, c := q.Get("startIndex"), q.Get("count")
			if si == "0" || strings.HasPrefix(si, "-") || si == "100" || strings.HasPrefix(c, "-") {
				return nil, 400, wireError(400, "invalidValue", "bad paging parameters")
			}
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users") && r.URL.RawQuery == "" {
				return nil, 400, wireError(400, "invalidFilter", "a filter is required")
			}
			return nil, 0, nil
		}},
	{Fault: conformance("paging-fields-wrong", "paged user lists say startIndex 2 and give the page length as totalResults"),
		resp: listOn(func(r *http.Request) bool { return onUsers(r) && r.URL.Query().Has("count") }, func(r *http.Request, m map[string]any) {
			m["startIndex"] = 2
			m["totalResults"] = len(m["Resources"].([]any))
		})},
	{Fault: conformance("max-results-understated", "ServiceProviderConfig says filter.maxResults is 1, yet larger pages are served"),
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) { m["filter"].(map[string]any)["maxResults"] = 1 })},
	{Fault: conformance("search-misbehaves", "POST .search answers 201 with a Location and no schemas, and a PatchOp sent to it gets an empty list"),
		resp: func(_ *wireState, r *http.Request, reqBody []byte, status int, h http.Header, body []byte) (int, []byte) {
			if !pathHas(r, ".search") {
				return status, body
			}
			if status >= 400 && strings.Contains(string(reqBody), "PatchOp") {
				return 200, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`)
			}
			if status == 200 {
				h.Set("Location", "https://elsewhere.example/Users/1")
				m := wireDecode(body)
				delete(m, "schemas")
				return 201, wireEncode(m)
			}
			return status, body
		}},
	{Fault: conformance("errors-not-scim", "error bodies lack the Error schema, say status 500 whatever the HTTP status, and use a scimType the RFC does not define"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if status < 400 || status == 401 {
				return status, body
			}
			m := wireDecode(body)
			if m == nil {
				return status, body
			}
			m["status"] = "500"
			if _, ok := m["scimType"]; ok {
				m["scimType"] = "badRequest"
			}
			delete(m, "schemas")
			return status, wireEncode(m)
		}},
	{Fault: conformance("deleted-and-unknown-readable", "GET of a deleted or never-created user answers 200 with a stub"),
		resp: func(st *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodDelete && status == 204 {
				st.remember(r.URL.Path)
			}
			if r.Method == http.MethodGet && status == 404 && (st.knows(r.URL.Path) || strings.Contains(r.URL.Path, "scimloop-00000000")) {
				return 200, wireEncode(map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]})
			}
			return status, body
		}},
	{Fault: conformance("version-and-me-misrouted", "/v1/ paths are served as /v2/, and /Me answers 404 instead of 501 or the caller"),
		req: func(st *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if strings.Contains(r.URL.Path, "/v1/") {
				r.URL.Path = strings.Replace(r.URL.Path, "/v1/", "/v2/", 1)
			}
			if strings.HasSuffix(r.URL.Path, "/Me") {
				return nil, 404, wireError(404, "", "no such endpoint")
			}
			return nil, 0, nil
		}},
	{Fault: conformance("bulk-misbehaves", "Bulk answers drop bulkIds and the responses of failed operations, carry the ListResponse schema, turn 409 into 500 and 413 into an empty 200"),
		resp: func(st *wireState, r *http.Request, reqBody []byte, status int, h http.Header, body []byte) (int, []byte) {
			if !pathHas(r, "/Bulk") {
				return status, body
			}
			m := wireDecode(body)
			if status == 413 {
				return 200, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],"Operations":[]}`)
			}
			if m == nil {
				return status, body
			}
			ops, _ := m["Operations"].([]any)
			failed := false
			for _, o := range ops {
				om := o.(map[string]any)
				if st, _ := om["status"].(string); st >= "400" {
					failed = true
					delete(om, "response")
					if st == "409" {
						om["status"] = "500"
					}
					if st == "400" && strings.Contains(string(reqBody), `"method":"POST","path":"/Users"}`) {
						om["status"] = "201"
					}
				}
				delete(om, "bulkId")
			}
			m["schemas"] = []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}
			if failed && len(ops) > 1 {
				return 500, wireEncode(m)
			}
			return status, wireEncode(m)
		}},
	{Fault: conformance("country-rewritten", "address countries are returned as \"USA\" instead of an ISO 3166-1 alpha-2 code"),
		resp: respOn(onUsers, func(m map[string]any) {
			if as, ok := m["addresses"].([]any); ok {
				for _, a := range as {
					a.(map[string]any)["country"] = "USA"
				}
			}
		})},
	{Fault: conformance("rejects-extension-first", "a create whose schemas list starts with the enterprise extension is refused with 400"),
		req: refuseWhen(func(r *http.Request, body []byte) bool {
			return r.Method == http.MethodPost && strings.Contains(string(body), `"schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`)
		})},
	{Fault: conformance("rejects-reordered-name", "a create with the name sub-attributes in an unusual order is refused with 400"),
		req: refuseWhen(func(r *http.Request, body []byte) bool {
			return r.Method == http.MethodPost && strings.HasPrefix(string(body), `{"name":{"familyName"`)
		})},
	{Fault: conformance("create-answer-differs", "the 201 body of a user create differs from what GET returns (a changed title)"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method != http.MethodPost || status != 201 || !onUsers(r) {
				return status, body
			}
			return status, eachResource(body, func(m map[string]any) {
				if t, ok := m["title"].(string); ok {
					m["title"] = t + " (draft)"
				}
			})
		}},
	{Fault: conformance("deleted-group-stays-in-user-groups", "users still list a deleted group in their groups"),
		resp: func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodDelete && status == 204 && onGroups(r) {
				st.mu.Lock()
				st.last = r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
				st.mu.Unlock()
			}
			st.mu.Lock()
			gone := st.last
			st.mu.Unlock()
			if r.Method != http.MethodGet || status != 200 || !onUsers(r) || gone == "" {
				return status, body
			}
			return status, eachResource(body, func(m map[string]any) {
				gs, _ := m["groups"].([]any)
				m["groups"] = append(gs, map[string]any{"value": gone})
			})
		}},
	{Fault: conformance("patch-add-with-path-ignored", "PATCH add with a path on users (except emails) answers 204 and changes nothing"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			b := string(body)
			if r.Method == http.MethodPatch && onUsers(r) && strings.Contains(b, `"op":"add","path"`) && !strings.Contains(b, `"path":"emails"`) {
				return nil, 204, nil
			}
			return nil, 0, nil
		}},
	{Fault: conformance("every-email-primary", "every email of a user with several is returned with primary true"),
		resp: respOn(onUsers, func(m map[string]any) {
			if es, ok := m["emails"].([]any); ok && len(es) > 1 {
				for _, e := range es {
					e.(map[string]any)["primary"] = true
				}
			}
		})},
	{Fault: conformance("binary-not-base64", "x509Certificates values are returned as text that is not base64"),
		resp: respOn(onUsers, func(m map[string]any) {
			if xs, ok := m["x509Certificates"].([]any); ok {
				for _, x := range xs {
					x.(map[string]any)["value"] = "not base64 at all!"
				}
			}
		})},
	{Fault: conformance("delete-answers-200", "DELETE answers 200 with an empty JSON object instead of 204"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodDelete && status == 204 {
				h.Set("Content-Type", "application/scim+json")
				return 200, []byte(`{}`)
			}
			return status, body
		}},
	{Fault: conformance("ids-reused", "a new user with the userName of a deleted one gets the deleted user's id"),
		req: func(st *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if r.Method == http.MethodDelete && onUsers(r) {
				if code, cur := st.get(r, r.URL.Path); code == 200 {
					m := wireDecode(cur)
					st.mu.Lock()
					if st.names == nil {
						st.names = map[string]string{}
					}
					st.names[strings.ToLower(m["userName"].(string))] = m["id"].(string)
					st.mu.Unlock()
				}
			}
			return nil, 0, nil
		},
		resp: func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method != http.MethodPost || status != 201 || !onUsers(r) {
				return status, body
			}
			m := wireDecode(body)
			st.mu.Lock()
			old, ok := st.names[strings.ToLower(m["userName"].(string))]
			st.mu.Unlock()
			if ok {
				m["id"] = old
			}
			return status, wireEncode(m)
		}},
	{Fault: conformance("empty-pages-without-resources", "ListResponses with no results leave out Resources"),
		resp: listOn(always, func(r *http.Request, m map[string]any) {
			if rs, ok := m["Resources"].([]any); ok && len(rs) == 0 {
				delete(m, "Resources")
			}
		})},
	{Fault: conformance("partial-pages-without-paging-fields", "ListResponses that hold only part of the results leave out itemsPerPage"),
		resp: listOn(always, func(r *http.Request, m map[string]any) {
			if rs, ok := m["Resources"].([]any); ok && float64(len(rs)) < m["totalResults"].(float64) {
				delete(m, "itemsPerPage")
			}
		})},
	{Fault: conformance("scim-json-not-acceptable", "GET of a user with Accept: application/scim+json answers 406"),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if r.Method == http.MethodGet && isUserByID(r) && r.Header.Get("Accept") == "application/scim+json" {
				return nil, 406, wireError(406, "", "application/json only")
			}
			return nil, 0, nil
		}},
	{Fault: conformance("count-one-refused", "queries with count=1 are refused with 400"),
		req: refuseWhen(func(r *http.Request, _ []byte) bool { return r.URL.Query().Get("count") == "1" }),
	},
	{Fault: conformance("default-active-claimed", "users created without active come back with active true"),
		resp: func(_ *wireState, r *http.Request, reqBody []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method != http.MethodPost || status != 201 || !onUsers(r) || strings.Contains(string(reqBody), `"active"`) {
				return status, body
			}
			m := wireDecode(body)
			m["active"] = true
			return status, wireEncode(m)
		}},
	{Fault: conformance("required-extension-missing", "/ResourceTypes says the enterprise extension is required, yet users are returned without it"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			const urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
			if status == 200 && strings.HasSuffix(strings.ToLower(r.URL.Path), "/resourcetypes") {
				return status, bytes.ReplaceAll(body, []byte(`"required":false`), []byte(`"required":true`))
			}
			if status == 200 && r.Method == http.MethodGet && onUsers(r) {
				return status, eachResource(body, func(m map[string]any) { delete(m, urn) })
			}
			return status, body
		}},
	{Fault: should("capabilities-understated", "ServiceProviderConfig says bulk and changePassword are unsupported, yet both are served"),
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) {
			m["bulk"].(map[string]any)["supported"] = false
			m["changePassword"].(map[string]any)["supported"] = false
		})},
	{Fault: should("immutable-declared-not-enforced", "/Schemas declares nickName immutable, yet updates change it"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if status == 200 && strings.HasSuffix(strings.ToLower(r.URL.Path), "/schemas") {
				return status, bytes.Replace(body, []byte(`"mutability":"readWrite","name":"nickName"`), []byte(`"mutability":"immutable","name":"nickName"`), 1)
			}
			return status, body
		}},
	{Fault: conformance("lastmodified-goes-back", "users read after an update show a meta.lastModified in 2001"),
		resp: respOn(func(r *http.Request) bool { return r.Method == http.MethodGet && onUsers(r) }, func(m map[string]any) {
			if meta, ok := m["meta"].(map[string]any); ok && meta["version"] != `W/"1"` {
				meta["lastModified"] = "2001-01-01T00:00:00Z"
			}
		})},
	{Fault: conformance("etag-lowercase-weak", "ETag headers carry the weak prefix in lower case (w/)"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if et := h.Get("ETag"); et != "" {
				h.Set("ETag", "w/"+strings.TrimPrefix(et, "W/"))
			}
			return status, body
		}},
	{Fault: conformance("ids-dropped-on-read", "users read by GET without a filter carry no id"),
		resp: respOn(func(r *http.Request) bool {
			return r.Method == http.MethodGet && onUsers(r) && !r.URL.Query().Has("filter")
		}, func(m map[string]any) { delete(m, "id") })},
	{Fault: conformance("put-keeps-old-values", "after a PUT, reads still show the nickName and title that the PUT left out"),
		resp: func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodPut && status == 200 {
				st.remember(r.URL.Path)
			}
			if r.Method != http.MethodGet || status != 200 || !st.knows(r.URL.Path) {
				return status, body
			}
			m := wireDecode(body)
			if _, ok := m["nickName"]; !ok {
				m["nickName"] = "Nick"
			}
			if _, ok := m["title"]; !ok {
				m["title"] = "Changed"
			}
			return status, wireEncode(m)
		}},
	{Fault: conformance("bulk-ids-leak", "Bulk answers put bulkId- into resource locations"),
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if !pathHas(r, "/Bulk") {
				return status, body
			}
			return status, bytes.ReplaceAll(body, []byte(`/Users/`), []byte(`/Users/bulkId-`))
		}},
	{Fault: idp("dotted-pathless-keys-ignored", "entra", "a pathless PATCH drops value keys with a dot, such as Entra ID's \"name.familyName\""),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch || !onUsers(r) {
				return nil, 0, nil
			}
			m := wireDecode(body)
			ops, _ := m["Operations"].([]any)
			changed := false
			for _, o := range ops {
				om, _ := o.(map[string]any)
				if om == nil || om["path"] != nil {
					continue
				}
				if v, ok := om["value"].(map[string]any); ok {
					for k := range v {
						if strings.Contains(k, ".") && !strings.HasPrefix(strings.ToLower(k), "urn:") {
							delete(v, k)
							changed = true
						}
					}
				}
			}
			if !changed {
				return nil, 0, nil
			}
			return wireEncode(m), 0, nil
		}},
	{Fault: idp("member-adds-dropped-beside-removes", "okta", "a group PATCH that removes members by a value filter and adds others in one request, as Okta sends, applies only the removes"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch || !onGroups(r) {
				return nil, 0, nil
			}
			m := wireDecode(body)
			ops, _ := m["Operations"].([]any)
			var removes, keep []any
			adds := 0
			for _, o := range ops {
				om, _ := o.(map[string]any)
				op, _ := om["op"].(string)
				path, _ := om["path"].(string)
				member := strings.HasPrefix(strings.ToLower(path), "members")
				switch {
				case member && strings.EqualFold(op, "add"):
					adds++
					continue
				case member && strings.EqualFold(op, "remove") && strings.Contains(path, "["):
					removes = append(removes, o)
				}
				keep = append(keep, o)
			}
			if adds == 0 || len(removes) == 0 {
				return nil, 0, nil
			}
			m["Operations"] = keep
			return wireEncode(m), 0, nil
		}},
	{Fault: conformance("user-list-index-stale", "user list and filter results show each user's attributes as at creation, like a search index that is never refreshed; GET by id is current"),
		resp: staleListView(onUsers, "groups")},
	{Fault: conformance("group-list-members-stale", "group list and filter results show each group's members as at creation; GET by id is current"),
		resp: staleListView(onGroups, "displayName", "externalId")},
	{Fault: conformance("client-meta-trusted", "a create that carries meta keeps the client's meta.created and meta.lastModified"),
		resp: func(_ *wireState, r *http.Request, reqBody []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method != http.MethodPost || status != http.StatusCreated || !(onUsers(r) || onGroups(r)) {
				return status, body
			}
			sent, _ := wireDecode(reqBody)["meta"].(map[string]any)
			if sent == nil {
				return status, body
			}
			return status, eachResource(body, func(m map[string]any) {
				meta, _ := m["meta"].(map[string]any)
				for _, k := range []string{"created", "lastModified"} {
					if v, ok := sent[k]; ok && meta != nil {
						meta[k] = v
					}
				}
			})
		}},
}

// staleListView answers list and filter queries on the resources on selects
// with each resource as it was created, for every attribute but the identity
// ones (id, meta, schemas, userName, externalId) and those named in live.
func staleListView(on func(*http.Request) bool, live ...string) func(*wireState, *http.Request, []byte, int, http.Header, []byte) (int, []byte) {
	keep := map[string]bool{"id": true, "meta": true, "schemas": true, "username": true, "externalid": true}
	for _, k := range live {
		keep[strings.ToLower(k)] = true
	}
	return func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		if !on(r) {
			return status, body
		}
		if r.Method == http.MethodPost && status == http.StatusCreated {
			st.snapshot(wireDecode(body))
			return status, body
		}
		if r.Method != http.MethodGet || status != http.StatusOK || wireDecode(body)["Resources"] == nil {
			return status, body
		}
		return status, eachResource(body, func(m map[string]any) {
			id, _ := m["id"].(string)
			old, ok := st.snapshotOf(id)
			if !ok {
				return
			}
			for k := range m {
				if _, was := old[k]; !was && !keep[strings.ToLower(k)] {
					delete(m, k)
				}
			}
			for k, v := range old {
				if !keep[strings.ToLower(k)] {
					m[k] = v
				}
			}
		})
	}
}
