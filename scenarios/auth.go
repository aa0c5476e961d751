package scenarios

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

var authChecksScenario = Scenario{
	Name:   "auth",
	Areas:  []string{"auth"},
	Checks: []string{"content-type-scim"},
	Run: func(s *S) {
		base := s.C.BaseURL()
		pu, _ := url.Parse(base)
		switch {
		case strings.HasPrefix(base, "https://"):
			s.Judge("auth-tls", assertions.TLS(base))
		case pu != nil && fakeidp.IsLoopback(pu.Hostname()):
			s.Skip("auth-tls", "plain http to a loopback host: TLS is not judged on loopback (a local test server)")
		default:
			s.Judge("auth-tls", assertions.TLS(base))
		}

		anon := s.C.WithoutAuth("")
		spc := s.doWith(anon, fakeidp.Request{Method: http.MethodGet, Path: "/ServiceProviderConfig"})
		s.Judge("auth-discovery-public", assertions.Status(spc, 200), spc)

		if !s.C.HasCredentials() {
			reason := "no credentials were configured: a server the harness reaches without credentials cannot be expected to refuse"
			for _, id := range []string{"auth-missing-401", "auth-www-authenticate", "auth-401-error-body"} {
				s.Skip(id, reason)
			}
			return
		}
		for _, c := range []*fakeidp.Client{anon, s.C.WithoutAuth("non-token"), s.C.WithoutAuth("Bearer scimloop-not-the-token")} {
			ex := s.doWith(c, fakeidp.Request{Method: http.MethodGet, Path: "/Users", Query: q("count", "1")})
			s.Judge("auth-missing-401", assertions.Unauthorized(ex), ex)
			s.Judge("auth-www-authenticate", assertions.WWWAuthenticate(ex), ex)
			s.Judge("auth-401-error-body", assertions.UnauthorizedBody(ex), ex)
			if ex.Status >= 400 {
				s.Judge("content-type-scim", assertions.ContentTypeSCIM(ex), ex)
			}
		}
	},
}

// doWith sends req through another client (for example one without
// credentials), stopping the scenario when no response came.
func (s *S) doWith(c *fakeidp.Client, req fakeidp.Request) *fakeidp.Exchange {
	return s.must(s.sess.With(c).Do(req))
}
