package harness

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// wireFaults are the bugs injected on the wire around the reference server.
var wireFaults = []wireFault{
	{name: "spc-incomplete",
		want: []string{"disc-spc-schema", "disc-spc-members", "disc-auth-schemes"},
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) {
			m["schemas"] = []any{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfiguration"}
			delete(m["filter"].(map[string]any), "maxResults")
			for _, s := range m["authenticationSchemes"].([]any) {
				delete(s.(map[string]any), "description")
			}
		})},
	{name: "resourcetypes-inconsistent",
		want: []string{"disc-resourcetypes-list", "disc-rt-fields", "disc-rt-schemas-exist", "disc-rt-endpoint-works", "disc-rt-single"},
		resp: func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			p := strings.ToLower(r.URL.Path)
			switch {
			case strings.HasSuffix(p, "/resourcetypes"):
				m := decode(body)
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
				return status, encode(m)
			case strings.Contains(p, "/resourcetypes/"):
				return 200, encode(map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, "totalResults": 0, "Resources": []any{}})
			}
			return status, body
		}},
	{name: "schemas-malformed",
		want: []string{"disc-schemas-list", "disc-schema-single", "disc-schema-attr-defs", "disc-schema-representation", "disc-no-api-schemas", "disc-core-characteristics", "disc-no-nested-complex", "disc-schema-no-nulls", "schema-canonical-names", "disc-schema-uris-known"},
		resp: func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			p := strings.ToLower(r.URL.Path)
			switch {
			case strings.HasSuffix(p, "/schemas"):
				m := decode(body)
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
				return status, encode(m)
			case strings.Contains(p, "/schemas/"):
				return 404, scimError(404, "", "no such schema")
			}
			return status, body
		}},
	{name: "discovery-writable",
		want: []string{"disc-spc-readonly", "disc-filter-ignored-or-403"},
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if !pathHas(r, "/ServiceProviderConfig") && !pathHas(r, "/ResourceTypes") && !pathHas(r, "/Schemas") {
				return nil, 0, nil
			}
			if r.Method != http.MethodGet {
				return nil, 200, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]}`)
			}
			if r.URL.Query().Has("filter") {
				return nil, 400, scimError(400, "invalidFilter", "filters are not supported here")
			}
			return nil, 0, nil
		}},
	{name: "discovery-needs-auth",
		want: []string{"auth-discovery-public"},
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if pathHas(r, "/ServiceProviderConfig") && r.Header.Get("Authorization") == "" {
				return nil, 401, scimError(401, "", "authentication required")
			}
			return nil, 0, nil
		}},
	{name: "auth-not-enforced",
		want: []string{"auth-missing-401"},
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if r.Header.Get("Authorization") != "Bearer dialect-t0ken" {
				r.Header.Set("Authorization", "Bearer dialect-t0ken")
			}
			return nil, 0, nil
		}},
	{name: "resources-without-schemas",
		want: []string{"resource-schemas"},
		resp: respOn(func(r *http.Request) bool { return r.Method == http.MethodGet && onUsers(r) }, func(m map[string]any) { delete(m, "schemas") })},
	{name: "schemas-listed-twice",
		want: []string{"schema-no-duplicate-uris"},
		resp: respOn(onUsers, func(m map[string]any) {
			if s, ok := m["schemas"].([]any); ok {
				m["schemas"] = append(s, s[0])
			}
		})},
	{name: "meta-incomplete",
		want: []string{"meta-present", "meta-resourcetype", "schema-datetime-valid", "schema-created-equals-modified"},
		resp: respOn(always, func(m map[string]any) {
			if meta, ok := m["meta"].(map[string]any); ok {
				delete(meta, "resourceType")
				if c, ok := meta["created"].(string); ok && len(c) > 10 {
					meta["created"] = c[:10]
				}
			}
		})},
	{name: "booleans-as-strings",
		want: []string{"schema-booleans", "user-active-toggles", "idp-deactivate"},
		resp: respOn(onUsers, func(m map[string]any) {
			if a, ok := m["active"].(bool); ok {
				m["active"] = map[bool]string{true: "True", false: "False"}[a]
			}
		})},
	{name: "single-values-not-arrays",
		want: []string{"http-json-shape", "schema-okta-minimum"},
		resp: respOn(onUsers, func(m map[string]any) {
			if e, ok := m["emails"].([]any); ok && len(e) > 0 {
				m["emails"] = e[0]
			}
		})},
	{name: "extension-flattened",
		want: []string{"schema-extension-container", "schema-enterprise-attrs", "patch-extension-urn"},
		resp: respOn(onUsers, func(m map[string]any) {
			const urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
			if e, ok := m[urn].(map[string]any); ok {
				for k, v := range e {
					m[k] = v
				}
				delete(m, urn)
			}
		})},
	{name: "values-normalised",
		want: []string{"schema-value-roundtrip", "schema-externalid-exact"},
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
	{name: "non-ascii-mangled",
		want: []string{"http-utf8-roundtrip"},
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			return status, bytes.ReplaceAll(body, []byte("ë"), []byte("e"))
		}},
	{name: "externalid-invented",
		want: []string{"schema-externalid-not-invented"},
		resp: respOn(onUsers, func(m map[string]any) {
			if _, ok := m["externalId"]; !ok {
				m["externalId"] = "generated-" + m["id"].(string)
			}
		})},
	{name: "user-details-rewritten",
		want: []string{"schema-name-formatted", "schema-email-syntax", "schema-manager"},
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
	{name: "wrong-content-location",
		want: []string{"get-content-location"},
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodGet && status == 200 && (onUsers(r) || onGroups(r)) {
				h.Set("Content-Location", "https://elsewhere.example/Users/1")
			}
			return status, body
		}},
	{name: "group-details-dropped",
		want: []string{"schema-group-externalid", "schema-group-initial-members"},
		resp: respOn(onGroups, func(m map[string]any) {
			delete(m, "externalId")
			if ms, ok := m["members"].([]any); ok {
				for _, x := range ms {
					x.(map[string]any)["type"] = "Group"
				}
			}
		})},
	{name: "user-groups-wrong-ref",
		want: []string{"schema-user-groups"},
		resp: respOn(onUsers, func(m map[string]any) {
			if gs, ok := m["groups"].([]any); ok {
				for _, x := range gs {
					x.(map[string]any)["$ref"] = "https://elsewhere.example/Groups/0"
				}
			}
		})},
	{name: "members-not-returned-by-default",
		want: []string{"attrs-members-default", "group-membership-both-views", "put-group-members", "patch-replace-multi", "patch-ops-in-order"},
		resp: respOn(func(r *http.Request) bool {
			return r.Method == http.MethodGet && onGroups(r) && !r.URL.Query().Has("attributes")
		},
			func(m map[string]any) { delete(m, "members") })},
	{name: "id-excludable",
		want: []string{"attrs-always-kept"},
		resp: respOn(func(r *http.Request) bool { return strings.Contains(r.URL.RawQuery, "excludedAttributes=id") }, func(m map[string]any) { delete(m, "id") })},
	{name: "rejects-content-negotiation",
		want: []string{"http-accept-json", "http-json-request-body", "http-unknown-param-ignored"},
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			switch {
			case r.Header.Get("Accept") == "application/json":
				return nil, 406, scimError(406, "", "only application/scim+json is served")
			case r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
				return nil, 415, scimError(415, "", "only application/scim+json is accepted")
			case r.URL.Query().Has("scimloopUnknownParam"):
				return nil, 400, scimError(400, "invalidValue", "unknown query parameter")
			}
			return nil, 0, nil
		}},
	{name: "rejects-unusual-json",
		want: []string{"create-nulls-accepted"},
		req: refuseWhen(func(r *http.Request, body []byte) bool {
			b := string(body)
			return r.Method == http.MethodPost && (strings.Contains(b, `"USERNAME"`) || strings.Contains(b, `{"name":{"familyName"`) ||
				strings.Contains(b, `"schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`) || strings.Contains(b, `"nickName":null`) ||
				strings.Contains(b, `"country":"US"`) || strings.Contains(b, `"members":[]`))
		})},
	{name: "externalid-unique",
		want: []string{"schema-externalid-not-unique"},
		req: func(st *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			m := decode(body)
			if r.Method != http.MethodPost || !onUsers(r) || m == nil {
				return nil, 0, nil
			}
			if ext, ok := m["externalId"].(string); ok && st.remember(ext) {
				return nil, 409, scimError(409, "uniqueness", "externalId already in use")
			}
			return nil, 0, nil
		}},
	{name: "patch-path-forms-refused",
		want: []string{"patch-add-pathless", "patch-replace-pathless", "patch-replace-filtered", "patch-replace-filtered-sub", "patch-remove-complex-filter", "patch-path-case-insensitive", "patch-extension-urn", "idp-dotted-pathless"},
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch {
				return nil, 0, nil
			}
			b := string(body)
			if strings.Contains(b, `"path":"urn:`) || strings.Contains(b, `Name.GivenName`) || !strings.Contains(b, `"path"`) ||
				strings.Contains(b, `emails[`) || strings.Contains(b, `addresses[`) {
				return nil, 400, scimError(400, "invalidPath", "unsupported path")
			}
			return nil, 0, nil
		}},
	{name: "patch-add-replaces",
		want: []string{"patch-add-multi-appends", "patch-accepts-patchop", "idp-member-add"},
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch {
				return nil, 0, nil
			}
			return bytes.ReplaceAll(body, []byte(`"op":"add"`), []byte(`"op":"replace"`)), 0, nil
		}},
	{name: "patch-remove-ignored",
		want: []string{"patch-remove-single", "patch-remove-all-values", "patch-remove-filtered", "patch-extension-remove", "idp-member-remove"},
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch || !strings.Contains(string(body), `"op":"remove"`) || strings.Contains(string(body), `"op":"add"`) {
				return nil, 0, nil
			}
			return nil, 204, nil
		}},
	{name: "patch-replace-ignored",
		want: []string{"patch-replace-single", "patch-replace-absent-adds", "patch-replace-complex-merges", "user-active-toggles"},
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch || !strings.Contains(string(body), `"op":"replace"`) || onGroups(r) {
				return nil, 0, nil
			}
			return nil, 204, nil
		}},
	{name: "patch-errors-swallowed",
		want: []string{"neg-patch-no-operations", "neg-patch-add-no-value", "neg-patch-remove-no-path", "neg-patch-invalid-path", "neg-patch-remove-required", "neg-patch-replace-readonly"}, resp: swallowErrors(http.MethodPatch)},
	{name: "put-errors-swallowed",
		want: []string{"neg-put-missing-username", "put-username-collision"}, resp: swallowErrors(http.MethodPut)},
	{name: "put-ignored",
		want: []string{"replace-200", "update-read-back", "etag-if-match-current-succeeds", "put-replaces-values", "put-readonly-ignored", "put-group-members", "idp-update-applied"},
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPut || !(onUsers(r) || onGroups(r)) {
				return nil, 0, nil
			}
			return nil, 204, nil
		}},
	{name: "lenient-creates",
		want: []string{"neg-wrong-schemas", "neg-missing-username", "neg-empty-username", "neg-group-no-displayname", "neg-type-mismatch", "neg-oversize-body"},
		req: fixUserBody(func(m map[string]any) bool {
			changed := false
			_, isGroup := m["members"]
			if isGroup && m["displayName"] == nil && m["userName"] == nil {
				m["displayName"] = "scimloop-defaulted-group-" + nextDefault()
				return true
			}
			if u, ok := m["userName"].(string); !isGroup && (!ok || u == "") {
				m["userName"] = "scimloop-defaulted-user-" + nextDefault()
				changed = true
			}
			if a, ok := m["active"].(string); ok && a == "maybe" {
				m["active"] = true
				changed = true
			}
			if s, ok := m["schemas"].([]any); !isGroup && (!ok || len(s) == 0 || s[0] == "urn:ietf:params:scim:schemas:core:2.0:Group") {
				m["schemas"] = []any{"urn:ietf:params:scim:schemas:core:2.0:User"}
				changed = true
			}
			if n, ok := m["nickName"].(string); ok && len(n) > 1000 {
				m["nickName"] = "truncated"
				changed = true
			}
			return changed
		})},
	{name: "unknown-attribute-kept",
		want: []string{"neg-unknown-attribute"},
		resp: respOn(onUsers, func(m map[string]any) {
			if m["userName"] != nil {
				m["scimloopNoSuchAttribute"] = 1
			}
		})},
	{name: "query-errors-500",
		want: []string{"neg-filter-empty", "neg-too-many"},
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			f, has := r.URL.Query()["filter"]
			if has && (f[0] == "" || f[0] == "userName pr") {
				return nil, 500, scimError(500, "", "internal error")
			}
			return nil, 0, nil
		}},
	{name: "lists-malformed",
		want: []string{"list-schema", "list-total-integer", "list-resources-have-id", "http-message-schemas"},
		resp: listOn(func(r *http.Request) bool { return onUsers(r) || onGroups(r) }, func(r *http.Request, m map[string]any) {
			delete(m, "schemas")
			m["totalResults"] = strings.TrimSpace(string(encode(map[string]any{"n": m["totalResults"]}))[5:])
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
	{name: "paging-edges-refused",
		want: []string{"page-start-index-below-1", "page-negative-count", "page-beyond-end", "list-unfiltered"},
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			q := r.URL.Query()
			si, c := q.Get("startIndex"), q.Get("count")
			if si == "0" || strings.HasPrefix(si, "-") || si == "100" || strings.HasPrefix(c, "-") {
				return nil, 400, scimError(400, "invalidValue", "bad paging parameters")
			}
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Users") && r.URL.RawQuery == "" {
				return nil, 400, scimError(400, "invalidFilter", "a filter is required")
			}
			return nil, 0, nil
		}},
	{name: "paging-fields-wrong",
		want: []string{"page-start-index-default", "page-start-index-echo", "page-total-stable", "page-count-zero"},
		resp: listOn(func(r *http.Request) bool { return onUsers(r) && r.URL.Query().Has("count") }, func(r *http.Request, m map[string]any) {
			m["startIndex"] = 2
			m["totalResults"] = len(m["Resources"].([]any))
		})},
	{name: "max-results-understated",
		want: []string{"page-max-results"},
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) { m["filter"].(map[string]any)["maxResults"] = 1 })},
	{name: "search-misbehaves",
		want: []string{"search-is-query", "search-request-schema", "search-list-format"},
		resp: func(_ *wireState, r *http.Request, reqBody []byte, status int, h http.Header, body []byte) (int, []byte) {
			if !pathHas(r, ".search") {
				return status, body
			}
			if status >= 400 && strings.Contains(string(reqBody), "PatchOp") {
				return 200, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`)
			}
			if status == 200 {
				h.Set("Location", "https://elsewhere.example/Users/1")
				m := decode(body)
				delete(m, "schemas")
				return 201, encode(m)
			}
			return status, body
		}},
	{name: "errors-not-scim",
		want: []string{"error-schema", "error-status-string", "http-error-status-in-body", "neg-scimtype-keyword"},
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if status < 400 || status == 401 {
				return status, body
			}
			m := decode(body)
			if m == nil {
				return status, body
			}
			m["status"] = "500"
			if _, ok := m["scimType"]; ok {
				m["scimType"] = "badRequest"
			}
			delete(m, "schemas")
			return status, encode(m)
		}},
	{name: "deleted-and-unknown-readable",
		want: []string{"delete-then-404", "get-unknown-404"},
		resp: func(st *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodDelete && status == 204 {
				st.remember(r.URL.Path)
			}
			if r.Method == http.MethodGet && status == 404 && (st.knows(r.URL.Path) || strings.Contains(r.URL.Path, "scimloop-00000000")) {
				return 200, encode(map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]})
			}
			return status, body
		}},
	{name: "version-and-me-misrouted",
		want: []string{"http-wrong-version-refused", "http-me-endpoint"},
		req: func(st *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if strings.Contains(r.URL.Path, "/scim/v1/") {
				r.URL.Path = strings.Replace(r.URL.Path, "/scim/v1/", "/scim/v2/", 1)
			}
			if strings.HasSuffix(r.URL.Path, "/Me") {
				return nil, 404, scimError(404, "", "no such endpoint")
			}
			return nil, 0, nil
		}},
	{name: "bulk-misbehaves",
		want: []string{"bulk-response", "bulk-partial-200", "bulk-result-fields", "bulk-error-response", "bulk-circular", "bulk-too-many", "bulk-post-needs-bulkid"},
		resp: func(st *wireState, r *http.Request, reqBody []byte, status int, h http.Header, body []byte) (int, []byte) {
			if !pathHas(r, "/Bulk") {
				return status, body
			}
			m := decode(body)
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
				return 500, encode(m)
			}
			return status, encode(m)
		}},
	{name: "country-rewritten",
		want: []string{"schema-country-code"},
		resp: respOn(onUsers, func(m map[string]any) {
			if as, ok := m["addresses"].([]any); ok {
				for _, a := range as {
					a.(map[string]any)["country"] = "USA"
				}
			}
		})},
	{name: "rejects-extension-first",
		want: []string{"schema-order-irrelevant"},
		req: refuseWhen(func(r *http.Request, body []byte) bool {
			return r.Method == http.MethodPost && strings.Contains(string(body), `"schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`)
		})},
	{name: "rejects-reordered-name",
		want: []string{"schema-subattr-order"},
		req: refuseWhen(func(r *http.Request, body []byte) bool {
			return r.Method == http.MethodPost && strings.HasPrefix(string(body), `{"name":{"familyName"`)
		})},
	{name: "create-answer-differs",
		want: []string{"create-matches-get"},
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
	{name: "deleted-group-still-listed",
		want: []string{"delete-group-leaves-user"},
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
	{name: "patch-add-with-path-ignored",
		want: []string{"patch-add-single-replaces", "patch-add-complex-merges", "patch-add-absent"},
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			b := string(body)
			if r.Method == http.MethodPatch && onUsers(r) && strings.Contains(b, `"op":"add","path"`) && !strings.Contains(b, `"path":"emails"`) {
				return nil, 204, nil
			}
			return nil, 0, nil
		}},
	{name: "every-email-primary",
		want: []string{"patch-primary-unique", "schema-primary-once"},
		resp: respOn(onUsers, func(m map[string]any) {
			if es, ok := m["emails"].([]any); ok && len(es) > 1 {
				for _, e := range es {
					e.(map[string]any)["primary"] = true
				}
			}
		})},
	{name: "binary-not-base64",
		want: []string{"schema-binary-base64"},
		resp: respOn(onUsers, func(m map[string]any) {
			if xs, ok := m["x509Certificates"].([]any); ok {
				for _, x := range xs {
					x.(map[string]any)["value"] = "not base64 at all!"
				}
			}
		})},
	{name: "delete-answers-200",
		want: []string{"idp-group-delete", "delete-204"},
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodDelete && status == 204 {
				h.Set("Content-Type", "application/scim+json")
				return 200, []byte(`{}`)
			}
			return status, body
		}},
	{name: "ids-reused",
		want: []string{"delete-id-not-reused"},
		req: func(st *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if r.Method == http.MethodDelete && onUsers(r) {
				if code, cur := st.get(r, r.URL.Path); code == 200 {
					m := decode(cur)
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
			m := decode(body)
			st.mu.Lock()
			old, ok := st.names[strings.ToLower(m["userName"].(string))]
			st.mu.Unlock()
			if ok {
				m["id"] = old
			}
			return status, encode(m)
		}},
	{name: "empty-pages-without-resources",
		want: []string{"list-resources-present"},
		resp: listOn(always, func(r *http.Request, m map[string]any) {
			if rs, ok := m["Resources"].([]any); ok && len(rs) == 0 {
				delete(m, "Resources")
			}
		})},
	{name: "partial-pages-without-paging-fields",
		want: []string{"list-paging-fields"},
		resp: listOn(always, func(r *http.Request, m map[string]any) {
			if rs, ok := m["Resources"].([]any); ok && float64(len(rs)) < m["totalResults"].(float64) {
				delete(m, "itemsPerPage")
			}
		})},
	{name: "scim-json-not-acceptable",
		want: []string{"http-accept-scim-json"},
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if r.Method == http.MethodGet && onUsers(r) && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 3 && r.Header.Get("Accept") == "application/scim+json" {
				return nil, 406, scimError(406, "", "application/json only")
			}
			return nil, 0, nil
		}},
	{name: "count-one-refused",
		want: []string{"http-version-path"},
		req:  refuseWhen(func(r *http.Request, _ []byte) bool { return r.URL.Query().Get("count") == "1" }),
	},
	{name: "default-active-claimed",
		want: []string{"filter-defaulted"},
		resp: func(_ *wireState, r *http.Request, reqBody []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method != http.MethodPost || status != 201 || !onUsers(r) || strings.Contains(string(reqBody), `"active"`) {
				return status, body
			}
			m := decode(body)
			m["active"] = true
			return status, encode(m)
		}},
	{name: "required-extension-missing",
		want: []string{"disc-rt-required-extension"},
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
	{name: "capabilities-understated",
		want: []string{"cap-unadvertised-501"},
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) {
			m["bulk"].(map[string]any)["supported"] = false
			m["changePassword"].(map[string]any)["supported"] = false
		})},
	{name: "immutable-declared-not-enforced",
		want: []string{"neg-immutable-unchanged"},
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if status == 200 && strings.HasSuffix(strings.ToLower(r.URL.Path), "/schemas") {
				return status, bytes.Replace(body, []byte(`"mutability":"readWrite","name":"nickName"`), []byte(`"mutability":"immutable","name":"nickName"`), 1)
			}
			return status, body
		}},
	{name: "lastmodified-goes-back",
		want: []string{"meta-lastmodified-monotonic"},
		resp: respOn(func(r *http.Request) bool { return r.Method == http.MethodGet && onUsers(r) }, func(m map[string]any) {
			if meta, ok := m["meta"].(map[string]any); ok && meta["version"] != `W/"1"` {
				meta["lastModified"] = "2001-01-01T00:00:00Z"
			}
		})},
	{name: "etag-lowercase-weak",
		want: []string{"etag-syntax"},
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
			if et := h.Get("ETag"); strings.HasPrefix(et, "W/") {
				h.Set("ETag", "w/"+et[2:])
			}
			return status, body
		}},
	{name: "ids-dropped-on-read",
		want: []string{"resource-id", "get-200", "get-id-exact"},
		resp: respOn(func(r *http.Request) bool {
			return r.Method == http.MethodGet && onUsers(r) && !r.URL.Query().Has("filter")
		}, func(m map[string]any) { delete(m, "id") })},
	{name: "put-keeps-old-values",
		want: []string{"put-null-clears", "put-omitted-cleared"},
		resp: func(st *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if r.Method == http.MethodPut && status == 200 {
				st.remember(r.URL.Path)
			}
			if r.Method != http.MethodGet || status != 200 || !st.knows(r.URL.Path) {
				return status, body
			}
			m := decode(body)
			if _, ok := m["nickName"]; !ok {
				m["nickName"] = "Nick"
			}
			if _, ok := m["title"]; !ok {
				m["title"] = "Changed"
			}
			return status, encode(m)
		}},
	{name: "bulk-ids-leak",
		want: []string{"bulk-no-bulkid-in-ids"},
		resp: func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
			if !pathHas(r, "/Bulk") {
				return status, body
			}
			return status, bytes.ReplaceAll(body, []byte(`/Users/`), []byte(`/Users/bulkId-`))
		}},
}

// respOnDoc rewrites the JSON document at a path suffix.
func respOnDoc(suffix string, fn func(m map[string]any)) func(*wireState, *http.Request, []byte, int, http.Header, []byte) (int, []byte) {
	return func(_ *wireState, r *http.Request, _ []byte, status int, _ http.Header, body []byte) (int, []byte) {
		if status != 200 || !strings.HasSuffix(strings.ToLower(r.URL.Path), suffix) {
			return status, body
		}
		m := decode(body)
		if m == nil {
			return status, body
		}
		fn(m)
		return status, encode(m)
	}
}

var defaults atomic.Int64

func nextDefault() string { return strconv.FormatInt(defaults.Add(1), 10) }
