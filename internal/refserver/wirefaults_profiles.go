package refserver

import (
	"net/http"
	"strings"
)

// wireFaultsProfiles break rules that only a certification profile's
// document makes (KindProfile): each is a choice the RFCs allow.
var wireFaultsProfiles = []*wireFault{
	{Fault: profileFault("rt-id-not-name", "interop", "each ResourceType's id is its name in lower case, where the interop profile wants id = name"),
		resp: respOn(func(r *http.Request) bool { return strings.Contains(strings.ToLower(r.URL.Path), "/resourcetypes") }, func(m map[string]any) {
			if name, ok := m["name"].(string); ok {
				m["id"] = strings.ToLower(name)
			}
		})},
	{Fault: profileFault("max-results-50", "interop", "ServiceProviderConfig says filter.maxResults is 50, where the interop profile wants pages of at least 100"),
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) { m["filter"].(map[string]any)["maxResults"] = 50 })},
	{Fault: profileFault("bulk-not-offered", "ipsie", "ServiceProviderConfig says bulk.supported false and /Bulk answers 501, where the IPSIE profile wants /Bulk"),
		resp: respOnDoc("/serviceproviderconfig", func(m map[string]any) { m["bulk"].(map[string]any)["supported"] = false }),
		req: func(_ *wireState, r *http.Request, _ []byte) ([]byte, int, []byte) {
			if strings.HasSuffix(strings.ToLower(r.URL.Path), "/bulk") {
				return nil, http.StatusNotImplemented, wireError(http.StatusNotImplemented, "", "bulk is not supported")
			}
			return nil, 0, nil
		}},
	{Fault: profileFault("group-patch-ops-capped", "ipsie", "a group PATCH with more than 25 operations is refused with 400, where the IPSIE profile wants at least 50 member operations"),
		req: func(_ *wireState, r *http.Request, body []byte) ([]byte, int, []byte) {
			if r.Method != http.MethodPatch || !strings.Contains(strings.ToLower(r.URL.Path), "/groups/") {
				return nil, 0, nil
			}
			if ops, _ := wireDecode(body)["Operations"].([]any); len(ops) > maxPatchOps {
				return nil, http.StatusBadRequest, wireError(http.StatusBadRequest, "invalidValue", "at most 25 operations per request")
			}
			return nil, 0, nil
		}},
}

// maxPatchOps is the most operations per group PATCH that
// group-patch-ops-capped takes.
const maxPatchOps = 25
