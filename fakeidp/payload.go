package fakeidp

import "encoding/json"

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
