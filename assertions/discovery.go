package assertions

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

var discoveryChecks = area("discovery", []Check{
	{ID: "disc-spc-schema", Title: "ServiceProviderConfig is served with its schema", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §4",
		Spec: []string{"DISC-SPC-001"}, Rule: "GET /ServiceProviderConfig returns a JSON object whose schemas holds urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
	{ID: "disc-spc-members", Title: "ServiceProviderConfig has every required member", Level: reports.LevelMust, Keyword: "REQUIRED", RFC: "RFC 7643 §5",
		Spec: []string{"DISC-SPC-002", "PROTO-ETAG-001"}, Rule: "patch, bulk, filter, changePassword, sort, etag and authenticationSchemes are required, each feature with a boolean supported"},
	{ID: "disc-resourcetypes-list", Title: "ResourceTypes lists User and Group", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §4",
		Spec: []string{"DISC-RT-001"}, Rule: "GET /ResourceTypes returns every resource type the server supports as a ListResponse"},
	{ID: "disc-schemas-list", Title: "Schemas lists the User and Group schemas", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §4",
		Spec: []string{"DISC-SCH-001"}, Rule: "GET /Schemas returns every supported schema as a ListResponse"},
})

const (
	schemaSPC          = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
)

// SPCSchema judges the /ServiceProviderConfig response.
func SPCSchema(ex *fakeidp.Exchange) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	if err := JSONObject(ex); err != nil {
		return err
	}
	if s := fakeidp.Get(ex.RespBody, "schemas"); !hasString(s, schemaSPC) {
		return fmt.Errorf("%s = schemas %s, want [%q]", op(ex), raw(s), schemaSPC)
	}
	return nil
}

// SPCMembers judges that every required ServiceProviderConfig member is present and typed.
func SPCMembers(ex *fakeidp.Exchange) error {
	body, err := resourceBody(ex)
	if err != nil {
		return err
	}
	var missing []string
	for _, f := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"} {
		if v := fakeidp.Get(body, f, "supported"); !v.IsBool() {
			missing = append(missing, f+".supported ("+raw(v)+")")
		}
	}
	for _, f := range [][]string{{"bulk", "maxOperations"}, {"bulk", "maxPayloadSize"}, {"filter", "maxResults"}} {
		if v := fakeidp.Get(body, f...); v.Type != gjson.Number {
			missing = append(missing, strings.Join(f, ".")+" ("+raw(v)+")")
		}
	}
	if v := fakeidp.Get(body, "authenticationSchemes"); !v.IsArray() {
		missing = append(missing, "authenticationSchemes ("+raw(v)+")")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s = missing or mistyped %s, want each present (booleans for supported, integers for limits, an array of schemes)", op(ex), strings.Join(missing, ", "))
	}
	return nil
}

// ResourceTypesList judges /ResourceTypes: a ListResponse naming User and Group.
func ResourceTypesList(ex *fakeidp.Exchange) error {
	return listNaming(ex, "name", "User", "Group")
}

// SchemasList judges /Schemas: a ListResponse holding the User and Group schemas.
func SchemasList(ex *fakeidp.Exchange) error {
	return listNaming(ex, "id", fakeidp.SchemaUser, fakeidp.SchemaGroup)
}

func listNaming(ex *fakeidp.Exchange, key string, want ...string) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	if err := ListResponse(ex); err != nil {
		return err
	}
	found := map[string]bool{}
	for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		found[strings.ToLower(fakeidp.Lookup(r, key).String())] = true
	}
	for _, w := range want {
		if !found[strings.ToLower(w)] {
			return fmt.Errorf("%s = Resources without %s %q, want it listed", op(ex), key, w)
		}
	}
	return nil
}

// ListResponse checks that ex's body is a ListResponse.
func ListResponse(ex *fakeidp.Exchange) error {
	if err := JSONObject(ex); err != nil {
		return err
	}
	if s := fakeidp.Get(ex.RespBody, "schemas"); !hasString(s, fakeidp.MsgListResponse) {
		return fmt.Errorf("%s = schemas %s, want [%q]", op(ex), raw(s), fakeidp.MsgListResponse)
	}
	if t := fakeidp.Get(ex.RespBody, "totalResults"); t.Type != gjson.Number {
		return fmt.Errorf("%s = totalResults %s, want an integer", op(ex), raw(t))
	}
	return nil
}
