package refserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The faults of what the server advertises: each name, and its line in the
// table faults.go gathers, beside the code that checks it with s.fault.
const (
	fSPCClaimsETagButNone = "spc-claims-etag-but-none"
)

var capabilityFaults = []Fault{
	conformance(fSPCClaimsETagButNone, "ServiceProviderConfig says etag is supported, but there are no ETag headers or meta.version"),
}

// Capabilities are the optional features /ServiceProviderConfig advertises,
// by their names there ("cursor" is pagination.cursor, RFC 9865). Config.Without switches some off: the server then
// advertises them as unsupported and behaves like a correct server built
// without them, so that the harness can be seen to gate its checks (and
// fall back, as reconciliation does without filter) instead of failing.
func Capabilities() []string {
	return []string{"patch", "bulk", "filter", "sort", "etag", "changePassword", "cursor", capAsync}
}

func parseWithout(names []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		caps := Capabilities()
		i := slices.IndexFunc(caps, func(c string) bool { return strings.EqualFold(c, n) })
		if i < 0 {
			return nil, fmt.Errorf("refserver: unknown capability %q (want one of %s)", n, strings.Join(caps, ", "))
		}
		out[caps[i]] = true
	}
	return out, nil
}

// supports reports whether the server has the named capability.
func (s *Server) supports(capability string) bool { return !s.without[capability] }

// etags reports whether resources carry a version: an ETag header and
// meta.version.
func (s *Server) etags() bool { return s.supports("etag") && !s.fault(fSPCClaimsETagButNone) }

// notImplemented is the answer to a request that needs a missing capability
// (RFC 7644 §3.12: 501, the service provider does not support the request).
func notImplemented(capability string) *scimError {
	return errf(http.StatusNotImplemented, "", "this service provider does not support %s (ServiceProviderConfig %s.supported is false)", capability, capability)
}

// lacking returns the 501 for a request on a resource or /Bulk that needs
// a capability the server lacks; nil when it can be served. Conditional
// headers are dropped when there is no etag support: they cannot match.
func (s *Server) lacking(r *http.Request, segs []string) *scimError {
	if !s.supports("etag") {
		r.Header.Del("If-Match")
		r.Header.Del("If-None-Match")
	}
	switch {
	case r.Method == http.MethodPatch && !s.supports("patch"):
		return notImplemented("patch")
	case len(segs) == 1 && strings.EqualFold(segs[0], "bulk") && !s.supports("bulk"):
		return notImplemented("bulk")
	}
	return nil
}

// setsPassword reports whether PATCH ops or a PUT body set a password,
// which needs changePassword.
func setsPassword(ops []patchOp, body map[string]any) bool {
	for _, op := range ops {
		if strings.EqualFold(strings.TrimSpace(op.path), "password") {
			return true
		}
		if m, ok := op.value.(map[string]any); ok && !op.hasPath {
			body = m
		}
	}
	for k := range body {
		if strings.EqualFold(k, "password") {
			return true
		}
	}
	return false
}
