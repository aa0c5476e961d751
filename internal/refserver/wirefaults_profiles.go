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
}
