package fakeidp

import (
	"encoding/json"
	"sort"
	"strings"
)

// SCIM schema and message URNs.
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	MsgPatchOp       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	MsgListResponse  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	MsgError         = "urn:ietf:params:scim:api:messages:2.0:Error"
	MsgSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	MsgBulkRequest   = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	MsgBulkResponse  = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// UserResource renders u as a SCIM User body. The enterprise extension is
// included only when withEnterprise is set (the server declares it).
func UserResource(u User, withEnterprise bool) map[string]any {
	schemas := []any{SchemaUser}
	r := map[string]any{
		"userName": u.UserName,
		"active":   u.Active,
	}
	if u.ExternalID != "" {
		r["externalId"] = u.ExternalID
	}
	if u.DisplayName != "" {
		r["displayName"] = u.DisplayName
	}
	if u.Title != "" {
		r["title"] = u.Title
	}
	if u.Name != (Name{}) {
		r["name"] = u.Name
	}
	if len(u.Emails) > 0 {
		r["emails"] = u.Emails
	}
	if len(u.PhoneNumbers) > 0 {
		r["phoneNumbers"] = u.PhoneNumbers
	}
	if withEnterprise && u.Enterprise != nil && *u.Enterprise != (Enterprise{}) {
		schemas = append(schemas, SchemaEnterprise)
		r[SchemaEnterprise] = u.Enterprise
	}
	r["schemas"] = schemas
	return r
}

// GroupResource renders g as a SCIM Group body.
func GroupResource(g Group) map[string]any {
	members := make([]any, 0, len(g.Members))
	for _, id := range g.Members {
		members = append(members, map[string]any{"value": id})
	}
	r := map[string]any{
		"schemas":     []any{SchemaGroup},
		"displayName": g.DisplayName,
		"members":     members,
	}
	if g.ExternalID != "" {
		r["externalId"] = g.ExternalID
	}
	return r
}

// PatchOp is one operation of a SCIM PATCH request.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// PatchBody renders a PatchOp message.
func PatchBody(ops ...PatchOp) map[string]any {
	return map[string]any{"schemas": []any{MsgPatchOp}, "Operations": ops}
}

// MustJSON encodes v, which must be encodable (the harness's own values).
func MustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakeidp: encoding a request body: " + err.Error())
	}
	return b
}

// Shape returns body with only the top-level attributes the server's
// /Schemas declares for resource ("User" or "Group"), so that a server which
// refuses undeclared attributes (RFC 7644 Table 9, invalidSyntax) is never
// sent one by accident. The common attributes (RFC 7643 §3.1) and extension
// containers are kept. With no /Schemas to go by, body is returned whole.
func (sp *ServiceProvider) Shape(resource string, body map[string]any) map[string]any {
	out := make(map[string]any, len(body))
	for k, v := range body {
		if commonAttr(k) || strings.HasPrefix(strings.ToLower(k), "urn:") || sp.Declares(resource, k) {
			out[k] = v
		}
	}
	return out
}

// commonAttr reports whether name is an attribute every resource has (RFC
// 7643 §3, §3.1), which a /Schemas document need not list.
func commonAttr(name string) bool {
	switch strings.ToLower(name) {
	case "schemas", "id", "externalid", "meta":
		return true
	}
	return false
}

// MinimalUser renders u with only the attributes the server's /Schemas
// marks required (userName alone in the core schema, RFC 7643 §4.1.1),
// taking their values from u. It also returns the required attributes it
// has no value for, which a caller cannot send. With no /Schemas it
// sends userName, the one attribute the core schema requires.
func (sp *ServiceProvider) MinimalUser(u User) (map[string]any, []string) {
	full := UserResource(u, false)
	body := map[string]any{"schemas": []any{SchemaUser}, "userName": u.UserName}
	var missing []string
	for _, a := range sp.UserAttrs {
		if !a.Required || strings.EqualFold(a.Mutability, "readOnly") || commonAttr(a.Name) || strings.EqualFold(a.Name, "userName") {
			continue
		}
		v, ok := lookupFold(full, a.Name)
		if !ok {
			missing = append(missing, a.Name)
			continue
		}
		body[a.Name] = v
	}
	sort.Strings(missing)
	return body, missing
}

// lookupFold finds key in m, ignoring case (attribute names are
// case-insensitive, RFC 7643 §2.1).
func lookupFold(m map[string]any, key string) (any, bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
