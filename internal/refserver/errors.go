package refserver

import (
	"fmt"
	"net/http"
	"strconv"
)

// SCIM message schema URNs (RFC 7644 §3.1, §8.2).
const (
	urnError         = "urn:ietf:params:scim:api:messages:2.0:Error"
	urnListResponse  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	urnSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	urnPatchOp       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	urnBulkRequest   = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	urnBulkResponse  = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// scimType keywords of RFC 7644 Table 9.
const (
	stInvalidFilter = "invalidFilter"
	stTooMany       = "tooMany"
	stUniqueness    = "uniqueness"
	stMutability    = "mutability"
	stInvalidSyntax = "invalidSyntax"
	stInvalidPath   = "invalidPath"
	stNoTarget      = "noTarget"
	stInvalidValue  = "invalidValue"
	stInvalidVers   = "invalidVers"
)

// scimError is an error that maps onto an RFC 7644 §3.12 error response.
type scimError struct {
	status   int
	scimType string
	detail   string
}

func (e *scimError) Error() string {
	if e.scimType != "" {
		return fmt.Sprintf("%d %s: %s", e.status, e.scimType, e.detail)
	}
	return fmt.Sprintf("%d: %s", e.status, e.detail)
}

func errf(status int, scimType, format string, args ...any) *scimError {
	return &scimError{status: status, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

func badRequest(scimType, format string, args ...any) *scimError {
	return errf(http.StatusBadRequest, scimType, format, args...)
}

func notFound(format string, args ...any) *scimError {
	return errf(http.StatusNotFound, "", format, args...)
}

// body renders the error as a SCIM Error message. statusAsNumber is the
// error-status-as-number fault.
func (e *scimError) body(statusAsNumber bool) map[string]any {
	m := map[string]any{
		"schemas": []any{urnError},
		"status":  strconv.Itoa(e.status),
		"detail":  e.detail,
	}
	if statusAsNumber {
		m["status"] = e.status
	}
	if e.scimType != "" {
		m["scimType"] = e.scimType
	}
	return m
}
