package fakeidp

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// ServiceProvider is what discovery learned about the server: its advertised
// capabilities (/ServiceProviderConfig) and declared schemas (/Schemas,
// /ResourceTypes). Payloads and checks follow it so the harness judges only
// what the server claims.
type ServiceProvider struct {
	Patch, Bulk, Filter, Sort, ETag, ChangePassword bool
	BulkMaxOperations, BulkMaxPayloadSize           int64
	FilterMaxResults                                int64
	AuthSchemes                                     []string
	// Pagination is the RFC 9865 pagination attribute; nil when the
	// document has none (an index-only server of RFC 7644).
	Pagination *Pagination

	// Async is set when securityEvents.asyncRequest is "long" or "request"
	// (RFC 9967 §4): the server may answer a write 202 when asked to.
	Async bool

	// Enterprise is set when the User resource type declares the enterprise extension.
	Enterprise bool
	// UserAttrs and GroupAttrs hold the declared attributes, by lower-cased name.
	UserAttrs, GroupAttrs map[string]Attribute
	// Types are the declared resource types with their core schema and
	// extensions; SchemaAttrs holds every declared schema's attributes by
	// lower-cased schema URN (then by lower-cased name), so generators can
	// cover extensions too.
	Types       []ResourceType
	SchemaAttrs map[string]map[string]Attribute

	Config, ResourceTypes, Schemas *Exchange
}

// Attribute is one declared schema attribute.
type Attribute struct {
	Name        string
	Type        string
	MultiValued bool
	Required    bool
	CaseExact   bool
	Mutability  string
	Returned    string
	Uniqueness  string
	Sub         map[string]Attribute
	// CanonicalValues is the declared list; HasCanonical tells a declared
	// empty list (which allows nothing) from no list at all.
	CanonicalValues []string
	HasCanonical    bool
	ReferenceTypes  []string
}

// ResourceType is one declared resource type (RFC 7643 §6).
type ResourceType struct {
	Name, Endpoint, Schema string
	Extensions             []SchemaExtension
}

// SchemaExtension is one extension a resource type declares.
type SchemaExtension struct {
	Schema   string
	Required bool
}

// Capability names, as the checks' Capability field uses them.
const (
	CapPatch          = "patch"
	CapBulk           = "bulk"
	CapFilter         = "filter"
	CapSort           = "sort"
	CapETag           = "etag"
	CapChangePassword = "changePassword"
	// CapCursor is cursor-based pagination (RFC 9865), advertised as
	// pagination.cursor rather than cursor.supported.
	CapCursor = "cursor"
	// CapIndex is index-based pagination (startIndex, RFC 7644 §3.4.2.4):
	// every server has it unless pagination.index says false (RFC 9865 §4).
	CapIndex = "index"
	CapAsync = "asyncRequest"
)

// Pagination is what ServiceProviderConfig's pagination attribute
// (RFC 9865 §4) advertises. Zero numbers were not advertised.
type Pagination struct {
	Cursor, Index                               bool
	IndexOff                                    bool // index is false, not only absent: startIndex is not served
	DefaultMethod                               string
	DefaultPageSize, MaxPageSize, CursorTimeout int64
}

// PaginationOf reads the pagination attribute of a ServiceProviderConfig
// document; nil when it has none.
func PaginationOf(spc []byte) *Pagination {
	p := Get(spc, "pagination")
	if !p.IsObject() {
		return nil
	}
	index := Lookup(p, "index")
	return &Pagination{Cursor: Lookup(p, "cursor").Bool(), Index: index.Bool(), IndexOff: index.Type == gjson.False,
		DefaultMethod: Lookup(p, "defaultPaginationMethod").String(), DefaultPageSize: Lookup(p, "defaultPageSize").Int(),
		MaxPageSize: Lookup(p, "maxPageSize").Int(), CursorTimeout: Lookup(p, "cursorTimeout").Int()}
}

// PrefersCursor reports whether a client walking a whole list should page
// by cursor: the server offers cursors and either no index paging or
// cursor as its default method. A server with both and index as its default
// is walked by index, which pages can be fetched concurrently by.
func (p *Pagination) PrefersCursor() bool {
	return p != nil && p.Cursor && (!p.Index || strings.EqualFold(p.DefaultMethod, "cursor"))
}

// Advertised names where ServiceProviderConfig advertises a capability,
// for skip reasons: "patch.supported", "pagination.cursor".
func Advertised(capability string) string {
	switch capability {
	case CapCursor:
		return "pagination.cursor"
	case CapIndex:
		return "index pagination (pagination.index is false)"
	case CapAsync:
		return "securityEvents.asyncRequest (long or request)"
	}
	return capability + ".supported"
}

// Has reports whether the server advertises capability name ("" is always had).
func (sp *ServiceProvider) Has(name string) bool {
	switch name {
	case "":
		return true
	case CapPatch:
		return sp.Patch
	case CapBulk:
		return sp.Bulk
	case CapFilter:
		return sp.Filter
	case CapSort:
		return sp.Sort
	case CapETag:
		return sp.ETag
	case CapChangePassword:
		return sp.ChangePassword
	case CapCursor:
		return sp.Pagination != nil && sp.Pagination.Cursor
	case CapIndex:
		return sp.Pagination == nil || !sp.Pagination.IndexOff
	case CapAsync:
		return sp.Async
	}
	return false
}

// Capabilities returns the advertised capabilities as a map, for reports.
func (sp *ServiceProvider) Capabilities() map[string]bool {
	return map[string]bool{CapPatch: sp.Patch, CapBulk: sp.Bulk, CapFilter: sp.Filter, CapSort: sp.Sort, CapETag: sp.ETag, CapChangePassword: sp.ChangePassword, CapCursor: sp.Has(CapCursor), CapIndex: sp.Has(CapIndex), CapAsync: sp.Async}
}

// Declares reports whether the User schema declares attribute name (lower-cased
// top-level name). With no /Schemas document everything counts as declared.
func (sp *ServiceProvider) Declares(resource, name string) bool {
	attrs := sp.UserAttrs
	if resource == "Group" {
		attrs = sp.GroupAttrs
	}
	if len(attrs) == 0 {
		return true
	}
	_, ok := attrs[strings.ToLower(name)]
	return ok
}

// Discover reads /ServiceProviderConfig, /ResourceTypes and /Schemas. It
// fails only when /ServiceProviderConfig gives no usable JSON: everything
// else degrades to defaults, and the discovery checks judge the documents.
func Discover(ctx context.Context, c *Client) (*ServiceProvider, error) {
	sp := &ServiceProvider{}
	var err error
	sp.Config, err = c.Do(ctx, Request{Method: http.MethodGet, Path: "/ServiceProviderConfig", Retry: true})
	if err != nil {
		return sp, fmt.Errorf("GET /ServiceProviderConfig: %w", err)
	}
	if sp.Config.Status != http.StatusOK || !IsJSON(sp.Config.RespBody) || !gjson.ParseBytes(sp.Config.RespBody).IsObject() {
		return sp, fmt.Errorf("GET %s = %d with %s, want 200 and a ServiceProviderConfig JSON object", sp.Config.URL, sp.Config.Status, describeBody(sp.Config))
	}
	cfg := sp.Config.RespBody
	sp.Patch = Get(cfg, "patch", "supported").Bool()
	sp.Bulk = Get(cfg, "bulk", "supported").Bool()
	sp.BulkMaxOperations = Get(cfg, "bulk", "maxOperations").Int()
	sp.BulkMaxPayloadSize = Get(cfg, "bulk", "maxPayloadSize").Int()
	sp.Filter = Get(cfg, "filter", "supported").Bool()
	sp.FilterMaxResults = Get(cfg, "filter", "maxResults").Int()
	sp.Sort = Get(cfg, "sort", "supported").Bool()
	sp.ETag = Get(cfg, "etag", "supported").Bool()
	sp.ChangePassword = Get(cfg, "changePassword", "supported").Bool()
	sp.Pagination = PaginationOf(cfg)
	switch strings.ToLower(Get(cfg, "securityEvents", "asyncRequest").String()) {
	case "long", "request":
		sp.Async = true
	}
	for _, s := range Get(cfg, "authenticationSchemes").Array() {
		sp.AuthSchemes = append(sp.AuthSchemes, Lookup(s, "type").String())
	}

	sp.ResourceTypes, _ = c.Do(ctx, Request{Method: http.MethodGet, Path: "/ResourceTypes", Retry: true})
	for _, rt := range resources(sp.ResourceTypes) {
		sp.Types = append(sp.Types, resourceType(rt))
		if !strings.EqualFold(Lookup(rt, "name").String(), "User") && !strings.EqualFold(Lookup(rt, "endpoint").String(), "/Users") {
			continue
		}
		for _, ext := range Lookup(rt, "schemaExtensions").Array() {
			if strings.EqualFold(Lookup(ext, "schema").String(), SchemaEnterprise) {
				sp.Enterprise = true
			}
		}
	}

	sp.Schemas, _ = c.Do(ctx, Request{Method: http.MethodGet, Path: "/Schemas", Retry: true})
	sp.SchemaAttrs = map[string]map[string]Attribute{}
	for _, s := range resources(sp.Schemas) {
		if id := Lookup(s, "id").String(); id != "" {
			sp.SchemaAttrs[strings.ToLower(id)] = attributes(Lookup(s, "attributes"))
		}
		switch strings.ToLower(Lookup(s, "id").String()) {
		case strings.ToLower(SchemaUser):
			sp.UserAttrs = attributes(Lookup(s, "attributes"))
		case strings.ToLower(SchemaGroup):
			sp.GroupAttrs = attributes(Lookup(s, "attributes"))
		}
	}
	return sp, nil
}

// resources returns the Resources of a ListResponse, or the elements of a
// bare JSON array (some servers answer discovery lists that way).
func resources(ex *Exchange) []gjson.Result {
	if ex == nil || ex.Status != http.StatusOK || !IsJSON(ex.RespBody) {
		return nil
	}
	v := gjson.ParseBytes(ex.RespBody)
	if v.IsArray() {
		return v.Array()
	}
	return Lookup(v, "Resources").Array()
}

func attributes(list gjson.Result) map[string]Attribute {
	out := map[string]Attribute{}
	for _, a := range list.Array() {
		attr := Attribute{
			Name:        Lookup(a, "name").String(),
			Type:        Lookup(a, "type").String(),
			MultiValued: Lookup(a, "multiValued").Bool(),
			Required:    Lookup(a, "required").Bool(),
			CaseExact:   Lookup(a, "caseExact").Bool(),
			Mutability:  Lookup(a, "mutability").String(),
			Returned:    Lookup(a, "returned").String(),
			Uniqueness:  Lookup(a, "uniqueness").String(),
		}
		if cv := Lookup(a, "canonicalValues"); cv.IsArray() {
			attr.HasCanonical = true
			for _, v := range cv.Array() {
				attr.CanonicalValues = append(attr.CanonicalValues, v.String())
			}
		}
		for _, v := range Lookup(a, "referenceTypes").Array() {
			attr.ReferenceTypes = append(attr.ReferenceTypes, v.String())
		}
		if sub := Lookup(a, "subAttributes"); sub.IsArray() {
			attr.Sub = attributes(sub)
		}
		if attr.Name != "" {
			out[strings.ToLower(attr.Name)] = attr
		}
	}
	return out
}

// resourceType reads one /ResourceTypes entry.
func resourceType(rt gjson.Result) ResourceType {
	out := ResourceType{Name: Lookup(rt, "name").String(), Endpoint: Lookup(rt, "endpoint").String(), Schema: Lookup(rt, "schema").String()}
	for _, ext := range Lookup(rt, "schemaExtensions").Array() {
		out.Extensions = append(out.Extensions, SchemaExtension{Schema: Lookup(ext, "schema").String(), Required: Lookup(ext, "required").Bool()})
	}
	return out
}

func describeBody(ex *Exchange) string {
	switch {
	case ex.Err != nil:
		return "error " + ex.Err.Error()
	case len(ex.RespBody) == 0:
		return "an empty body"
	case !IsJSON(ex.RespBody):
		return fmt.Sprintf("a body that is not JSON (%s, starting %q)", ex.Header("Content-Type"), cut(ex.RespBody, 60))
	}
	return fmt.Sprintf("a %s JSON body", gjson.ParseBytes(ex.RespBody).Type)
}
