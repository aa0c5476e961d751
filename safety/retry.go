package safety

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// allowRetry decides whether req may be repeated after a 429 or 503, which
// say the server did not act. Reads, PUT, DELETE and PATCH repeat safely on
// SCIM's terms (a repeated add or remove is a no-op). A POST is never
// repeated blindly: before each retry every userName and displayName its
// body would create (Bulk operations included) is looked up, and the retry
// is abandoned if any of them exists. A caller's own policy is kept.
func (s *Session) allowRetry(req *fakeidp.Request) {
	if req.Retry {
		return
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch:
		req.Retry = true
	case http.MethodPost:
		req.Retry = true
		if strings.HasSuffix(req.Path, "/.search") {
			return // a query
		}
		names := namesToCreate(req.Body)
		req.BeforeRetry = func(ctx context.Context) (*fakeidp.Exchange, error) {
			for _, n := range names {
				if found, err := s.FindByName(n.typ, n.name); err != nil || found != nil {
					return nil, fmt.Errorf("not retrying POST %s after a 429 or 503: %s %q exists (or could not be looked up: %v), so the first attempt may have created it", req.Path, n.typ, n.name, err)
				}
			}
			return nil, nil
		}
	}
}

type createdName struct{ typ, name string }

// namesToCreate returns the userName and displayName values a POST body
// would create: of a User or Group, or of each POST in a BulkRequest.
func namesToCreate(body []byte) []createdName {
	if !fakeidp.IsJSON(body) {
		return nil
	}
	var out []createdName
	add := func(v gjson.Result) {
		if n := fakeidp.Lookup(v, "userName").String(); n != "" {
			out = append(out, createdName{"User", n})
		} else if n := fakeidp.Lookup(v, "displayName").String(); n != "" {
			out = append(out, createdName{"Group", n})
		}
	}
	doc := gjson.ParseBytes(body)
	if ops := fakeidp.Lookup(doc, "Operations"); ops.IsArray() {
		for _, op := range ops.Array() {
			if strings.EqualFold(fakeidp.Lookup(op, "method").String(), http.MethodPost) {
				add(fakeidp.Lookup(op, "data"))
			}
		}
		return out
	}
	add(doc)
	return out
}
