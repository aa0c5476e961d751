package assertions

import (
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

var errorChecks = area("errors", []Check{
	{ID: "error-schema", Title: "Errors are JSON with the SCIM Error schema", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7644 §3.12",
		Spec: []string{"PROTO-ERR-001", "PROTO-ERR-002"}, Rule: "errors are returned in the body as JSON with schemas [\"urn:ietf:params:scim:api:messages:2.0:Error\"]"},
	{ID: "error-status-string", Title: "The error status is the HTTP status as a string", Level: reports.LevelMust, Keyword: "REQUIRED", RFC: "RFC 7644 §3.12",
		Spec: []string{"PROTO-ERR-003"}, Rule: "status is REQUIRED: the HTTP status code as a JSON string"},
	{ID: "content-type-scim", Title: "JSON responses are application/scim+json", Level: reports.LevelShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.1, §8.1",
		Spec: []string{"PROTO-HTTP-005"}, Rule: "SCIM responses use the media type application/scim+json"},
})

// IsError reports whether ex is an error answer whose body the error checks judge.
func IsError(ex *fakeidp.Exchange) bool { return ex != nil && ex.Status >= 400 }

// NotFound judges a request for a resource that does not exist.
func NotFound(ex *fakeidp.Exchange) error { return Status(ex, 404) }
