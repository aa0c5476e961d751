package assertions

import (
	"fmt"

	"github.com/scimloop/scimloop/fakeidp"
)

var capabilityChecks = area("capability", []Check{
	{ID: "cap-advertised-honoured", Title: "Every advertised capability works", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7643 §5 defines ServiceProviderConfig as what the server supports: an advertised feature must work", RFC: "RFC 7643 §5",
		Spec: []string{"DISC-SPC-005"}, Rule: "what /ServiceProviderConfig advertises as supported (patch, bulk, filter, sort, etag, changePassword) works"},
	{ID: "cap-unadvertised-501", Title: "A capability advertised as unsupported answers 501", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8",
		Spec: []string{"PROTO-STATUS-015", "PROTO-PATCH-038", "DISC-SPC-005"}, Rule: "an operation the service provider does not support is answered 501 Not Implemented; one that works although advertised unsupported is a dishonest advertisement"},
})

// Honoured judges a probe of an advertised capability.
func Honoured(capability string, ex *fakeidp.Exchange, problem error) error {
	if problem == nil {
		return nil
	}
	return fmt.Errorf("%s.supported is true, but %v", capability, problem)
}

// NotImplemented judges the answer to an operation advertised as unsupported.
func NotImplemented(capability string, ex *fakeidp.Exchange) error {
	switch {
	case ex.Status == 501:
		return nil
	case ex.Status >= 200 && ex.Status < 300:
		return fmt.Errorf("%s = %d although %s.supported is false, want 501: the capability works but is not advertised", op(ex), ex.Status, capability)
	}
	return fmt.Errorf("%s = %d%s with %s.supported false, want 501 Not Implemented", op(ex), ex.Status, errorDetail(ex), capability)
}
