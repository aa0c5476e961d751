package fakeidp

import (
	"net/http"
	"sync"
	"sync/atomic"
)

// jsonContentTypeValue labels request bodies once the server has refused
// application/scim+json (see bodyMedia); shared like scimContentTypeValue.
var jsonContentTypeValue = []string{"application/json"}

// bodyMedia is the media type a client labels request bodies with, shared
// by its copies. It is application/scim+json, SCIM's own, until the server
// answers a body so labelled with 415: that refusal is kept, for the check
// that owns it (http-scim-json-request-body), and the body is sent again as
// application/json, as every later one is. A server that consumes only
// application/json then fails one check, and the run judges everything
// else, instead of every create failing and every scenario stopping.
type bodyMedia struct {
	json    atomic.Bool
	mu      sync.Mutex
	refusal *Exchange
}

// contentType returns the Content-Type value for a request body.
func (m *bodyMedia) contentType() []string {
	if m.json.Load() {
		return jsonContentTypeValue
	}
	return scimContentTypeValue
}

// refused reports whether ex is a 415 to a body the client labelled
// application/scim+json (not one whose caller chose the type), keeping the
// first such exchange and switching to application/json: the caller sends
// the request again.
func (m *bodyMedia) refused(req Request, ex *Exchange) bool {
	if ex.Status != http.StatusUnsupportedMediaType || req.Body == nil || req.Header.Get("Content-Type") != "" ||
		ex.ReqHeader.Get("Content-Type") != scimContentType {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.refusal == nil {
		m.refusal = ex
	}
	m.json.Store(true)
	return true
}

// SCIMBodyRefusal returns the 415 with which the server refused a request
// body labelled application/scim+json, or nil when it never did. After it,
// the client labels bodies application/json.
func (c *Client) SCIMBodyRefusal() *Exchange {
	c.media.mu.Lock()
	defer c.media.mu.Unlock()
	return c.media.refusal
}
