package assertions

import (
	"mime"
	"net/http"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
)

// A Refusal is an answer that turns a request away for how it is labelled,
// not for what it asks: it carries nothing else a check could judge. A
// server that answers 406 to every Accept: application/scim+json fails one
// rule, yet every check that reads a resource sees only that 406. Root is
// the check that owns the rule; the harness reports another check's failure
// as Root's consequence when each of its findings cites such an answer and
// Root failed on one itself (see harness.attributeRefusals).
type Refusal struct {
	Root    string
	Refused func(ex *fakeidp.Exchange) bool
}

// Refusals returns the wholesale refusals the harness recognises.
func Refusals() []Refusal {
	return []Refusal{
		{Root: "http-accept-scim-json", Refused: refusesSCIMAccept},
	}
}

// refusesSCIMAccept reports a 406 to a request that accepts
// application/scim+json: RFC 7644 §3.8 has the server serve it.
func refusesSCIMAccept(ex *fakeidp.Exchange) bool {
	if ex == nil || ex.Status != http.StatusNotAcceptable {
		return false
	}
	for _, v := range ex.ReqHeader.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			if mt, _, err := mime.ParseMediaType(part); err == nil && mt == "application/scim+json" {
				return true
			}
		}
	}
	return false
}
