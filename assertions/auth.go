package assertions

import (
	"fmt"

	"github.com/scimloop/scimloop/fakeidp"
)

var authChecks = area("auth", []Check{
	{ID: "auth-missing-401", Title: "No or a bogus Authorization gets 401", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8",
		Spec: []string{"PROTO-AUTH-001"}, Rule: "a request without credentials, or with invalid ones, is answered 401 Unauthorized"},
	{ID: "auth-www-authenticate", Title: "401 answers carry WWW-Authenticate", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §2 (RFC 7235 §4.1)",
		Spec: []string{"PROTO-AUTH-002"}, Rule: "the service provider indicates its supported authentication schemes in a WWW-Authenticate header on 401"},
	{ID: "auth-401-error-body", Title: "A 401 carries a SCIM error body", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.12",
		Spec: []string{"PROTO-AUTH-003"}, Rule: "the 401 body is a SCIM Error: the Error schema and status \"401\" (a detail is optional)"},
	{ID: "auth-discovery-public", Title: "ServiceProviderConfig is readable without credentials", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7643 §5",
		Spec: []string{"PROTO-AUTH-008"}, Rule: "authenticationSchemes should be publicly readable: GET /ServiceProviderConfig works without authentication"},
	{ID: "auth-tls", Title: "The service is reached over TLS", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §7.2",
		Spec: []string{"PROTO-AUTH-006"}, Rule: "SCIM requires transport-layer security: the base URL is https"},
})

// Unauthorized judges an answer to a request with missing or bad credentials.
func Unauthorized(ex *fakeidp.Exchange) error { return Status(ex, 401) }

// WWWAuthenticate judges that a 401 names its authentication schemes.
func WWWAuthenticate(ex *fakeidp.Exchange) error {
	if ex.Status != 401 || ex.Header("WWW-Authenticate") != "" {
		return nil
	}
	return fmt.Errorf("%s = 401 without a WWW-Authenticate header, want one naming the scheme (e.g. Bearer)", op(ex))
}

// UnauthorizedBody judges the 401 body: Error schema and status "401". The
// detail is OPTIONAL (RFC 7644 §3.12), so its absence is no failure.
func UnauthorizedBody(ex *fakeidp.Exchange) error {
	if ex.Status != 401 {
		return nil
	}
	if err := ErrorBody(ex); err != nil {
		return err
	}
	return ErrorStatusString(ex)
}

// TLS judges the scheme of the base URL the run used.
func TLS(baseURL string) error {
	if len(baseURL) >= 8 && baseURL[:8] == "https://" {
		return nil
	}
	return fmt.Errorf("base URL %s = plain http, want https (TLS 1.2 or later)", baseURL)
}
