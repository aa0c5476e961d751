package refserver

import (
	"bytes"
	"net/http"
	"strings"
)

// wireFaultsProbes are the wire faults that the probes of the "verdicts a
// vendor can trust" work catch: each one breaks one rule a check judges on
// its own exchange. They are applied after wireFaultsResources.
var wireFaultsProbes = []*wireFault{
	{Fault: conformance("requires-email", "a user create without an e-mail is refused with 400, although /Schemas declares emails optional"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPost || !onUsers(r) {
				return nil, 0, nil
			}
			if m := wireDecode(body); m != nil && !hasEmail(m) {
				return nil, http.StatusBadRequest, wireError(http.StatusBadRequest, "invalidValue", "an e-mail address is required")
			}
			return nil, 0, nil
		}},
	{Fault: conformance("projection-drops-schemas", "resources returned under attributes= or excludedAttributes= lack the schemas attribute"),
		resp: respOn(func(r *http.Request) bool {
			q := r.URL.Query()
			return q.Has("attributes") || q.Has("excludedAttributes")
		}, func(m map[string]any) { delete(m, "schemas") })},
	{Fault: should("patch-ignores-schemas", "a PATCH body without the PatchOp schemas is applied as if it had them, instead of 400"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			m := wireDecode(body)
			if r.Method != http.MethodPatch || m == nil || m["schemas"] != nil {
				return nil, 0, nil
			}
			m["schemas"] = []any{urnPatchOp}
			return wireEncode(m), 0, nil
		}},
	{Fault: conformance("shared-id-counter-per-type", "ids are counted per resource type, so a new group gets the id of an existing user"),
		req:  sharedIDRequest,
		resp: sharedIDResponse},
	{Fault: conformance("etag-unadvertised-ignore-if-match", "ServiceProviderConfig says etag.supported false, yet resources carry ETags and a PUT or PATCH with a stale If-Match is applied"),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if r.Method == http.MethodPut || r.Method == http.MethodPatch {
				r.Header.Del("If-Match")
			}
			return nil, 0, nil
		},
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) { m["etag"] = map[string]any{"supported": false} })},
}

// hasEmail reports whether a create body carries an e-mail value (under
// any case of the attribute name).
func hasEmail(m map[string]any) bool {
	for k, v := range m {
		if list, ok := v.([]any); ok && strings.EqualFold(k, "emails") && len(list) > 0 {
			return true
		}
	}
	return false
}

// The shared-id fault gives each new group the id of the user created last
// (as a server with one counter per type would): the group keeps its own id
// inside, and the fault translates on the wire. st.last is that user; st.names
// maps a group's inner id to the id it shows; st.seen marks ids so shown.

// sharedIDRequest sends a request for /Groups/{shown id}, and a group filter
// naming a shown id, to the group's inner id.
func sharedIDRequest(st *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for inner, shown := range st.names {
		from, to := "/Groups/"+shown, "/Groups/"+inner
		if strings.HasSuffix(r.URL.Path, from) || strings.Contains(r.URL.Path, from+"/") {
			r.URL.Path = strings.Replace(r.URL.Path, from, to, 1)
			r.URL.RawPath = ""
		}
		body = bytes.ReplaceAll(body, []byte(from+`"`), []byte(to+`"`))
		if onGroups(r) && r.URL.RawQuery != "" {
			q := r.URL.Query()
			if f := q.Get("filter"); strings.Contains(f, `"`+shown+`"`) {
				q.Set("filter", strings.ReplaceAll(f, `"`+shown+`"`, `"`+inner+`"`))
				r.URL.RawQuery = q.Encode()
			}
		}
	}
	return body, 0, nil
}

// sharedIDResponse notes created users, gives a created group its shown id,
// and shows every group by that id.
func sharedIDResponse(st *wireState, r *http.Request, _ []byte, status int, h http.Header, body []byte) (int, []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if r.Method == http.MethodPost && status == http.StatusCreated {
		id, _ := wireDecode(body)["id"].(string)
		switch {
		case onUsers(r) && id != "":
			st.last = id
		case onGroups(r) && id != "" && st.last != "" && !st.seen[st.last]:
			if st.names == nil {
				st.names, st.seen = map[string]string{}, map[string]bool{}
			}
			st.names[id], st.seen[st.last] = st.last, true
		}
	}
	for inner, shown := range st.names {
		body = bytes.ReplaceAll(body, []byte(inner), []byte(shown))
		for _, k := range []string{"Location", "Content-Location"} {
			if v := h.Get(k); v != "" {
				h.Set(k, strings.ReplaceAll(v, inner, shown))
			}
		}
	}
	return status, body
}
