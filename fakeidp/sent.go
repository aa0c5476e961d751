package fakeidp

import (
	"net/http"
	"sync/atomic"
)

// sentHeaders remembers the recorded form of the headers a client sends with
// a request that adds none of its own: it is the same text for every such
// request while the known secrets stay the same (the credential is
// redacted whole), so it is packed once per client and kind of body (none,
// application/scim+json, application/json: see bodyMedia) rather than once
// per request. A client copy that sends other credentials, or records
// elsewhere, has one of its own.
type sentHeaders struct {
	packed [3]atomic.Pointer[packedFor] // without a body, with one as application/scim+json, as application/json
}

// packedFor is headers packed with one set of known secrets.
type packedFor struct {
	secrets []string
	h       Headers
}

// pack returns h packed and redacted with secrets, as [packHeaders] does.
// plain says that h holds only what the client sends with every request.
func (s *sentHeaders) pack(h http.Header, plain bool, secrets []string) Headers {
	if !plain {
		return packHeaders(h, true, secrets)
	}
	slot := &s.packed[0]
	switch ct := h["Content-Type"]; {
	case len(ct) == 0:
	case ct[0] == jsonContentTypeValue[0]:
		slot = &s.packed[2]
	default:
		slot = &s.packed[1]
	}
	if p := slot.Load(); p != nil && sameSecrets(p.secrets, secrets) {
		return p.h
	}
	p := &packedFor{secrets: secrets, h: packHeaders(h, true, secrets)}
	slot.Store(p)
	return p.h
}

// sameSecrets reports whether a and b are the same list of secrets. The
// recorder replaces its list when it learns a secret and never changes it
// in place, so the same backing array and length mean the same list.
func sameSecrets(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
