package refserver

import "net/http"

// The reference server can keep two certification profiles' own rules,
// which go beyond what RFC 7643 and RFC 7644 require (Config.InteropProfile,
// Config.RateLimit; `scimloop serve --interop-profile`, `--rate-limit`). They
// are switches, not personalities: a server keeping the interop profile
// refuses the pathless PATCH that RFC 7644 §3.5.2 allows, so a plain run
// against it would fail.

const (
	fPathlessPatchApplied = "interop-pathless-patch-applied"
	fRetryAfterMissing    = "429-without-retry-after"
	fUnknownFilterAttr    = "unknown-filter-attribute-matches-nothing"
)

var profileRuleFaults = []Fault{
	profileFault(fPathlessPatchApplied, "interop", "with --interop-profile, a PATCH operation without path is applied, where the interop profile wants 400 invalidSyntax (the server still claims interopProfileConformant)"),
	profileFault(fUnknownFilterAttr, "interop", "a filter on an attribute the resource type does not define matches nothing (200, no resources), where the interop profile wants 400 invalidFilter"),
	profileFault(fRetryAfterMissing, "ipsie", "with --rate-limit, a rate-limited request gets 429 without a Retry-After header, where the IPSIE profile wants one"),
}

// pathlessRefused is the interop profile's answer to a PATCH with an
// operation that has no path, or nil when the server takes it.
func (s *Server) pathlessRefused(ops []patchOp) *scimError {
	if !s.cfg.InteropProfile || s.fault(fPathlessPatchApplied) {
		return nil
	}
	for i, op := range ops {
		if !op.hasPath {
			return badRequest(stInvalidSyntax, "operation %d (%s) has no path: the SCIM interoperability profile requires one", i, op.op)
		}
	}
	return nil
}

// rateLimited answers r with 429 when the server rate-limits (--rate-limit)
// and the seeded draw (chaos.go) picks r; a retry of the same request is
// never limited twice in a row. The answer carries Retry-After unless the
// 429-without-retry-after fault is on.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request) bool {
	if !s.cfg.RateLimit {
		return false
	}
	roll, ok := s.chaos.draw(requestKey(r))
	if !ok {
		return false
	}
	if !s.fault(fRetryAfterMissing) {
		w.Header().Set("Retry-After", retryAfterFor(roll))
	}
	s.writeError(w, errf(http.StatusTooManyRequests, "", "too many requests (rate limit)"))
	return true
}

// retryAfterFor is mostly "retry now"; one answer in 32 asks for a
// one-second wait, so that honouring Retry-After is exercised without
// making every run a minute long.
func retryAfterFor(roll uint64) string {
	if (roll>>8)%32 == 0 {
		return "1"
	}
	return "0"
}
