package refserver

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
)

// wireFaultsResources are the wire faults on single resources, applied
// after wireFaultsLists (see wireFaults).
var wireFaultsResources = []*wireFault{
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
	{Fault: conformance("scim-json-body-refused", "a body labelled application/scim+json is refused with 415: the server consumes only application/json"),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/scim+json" {
				return nil, http.StatusUnsupportedMediaType, wireError(http.StatusUnsupportedMediaType, "", "only application/json is consumed")
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
			if meta, ok := m["meta"].(map[string]any); ok {
				if v, _ := meta["version"].(string); strings.TrimPrefix(v, "W/") == `"1"` {
					return // never updated
				}
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
