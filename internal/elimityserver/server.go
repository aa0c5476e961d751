// Package elimityserver is a small in-memory SCIM server built on the
// third-party library github.com/elimity-com/scim. scimloop's tests run the
// harness against it to show that the harness copes with an independent
// implementation: it completes and reports what it finds, without crashing.
// It is deliberately simple; its gaps are the library's and this adapter's.
package elimityserver

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// New returns the server's handler, mounted under /v2 as the library expects.
// baseURL is the absolute URL of /v2, used for meta.location.
func New(baseURL string) (http.Handler, error) {
	users, groups := newStore("User"), newStore("Group")
	return scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{SupportFiltering: true, SupportPatch: true, MaxResults: 100},
		ResourceTypes: []scim.ResourceType{
			{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users", Schema: schema.CoreUserSchema(), Handler: users},
			{ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups", Schema: schema.CoreGroupSchema(), Handler: groups},
		},
	}, scim.WithBaseURL(baseURL))
}

type record struct {
	attrs    scim.ResourceAttributes
	external optional.String
	created  time.Time
	modified time.Time
	version  int
}

// store is one resource type's in-memory storage.
type store struct {
	mu   sync.Mutex
	kind string
	seq  int
	data map[string]*record
}

func newStore(kind string) *store { return &store{kind: kind, data: map[string]*record{}} }

func (s *store) resource(id string, r *record) scim.Resource {
	created, modified := r.created, r.modified
	return scim.Resource{ID: id, ExternalID: r.external, Attributes: r.attrs,
		Meta: scim.Meta{Created: &created, LastModified: &modified, Version: fmt.Sprintf(`W/"%d"`, r.version)}}
}

func external(attrs scim.ResourceAttributes) optional.String {
	if v, ok := attrs["externalId"].(string); ok {
		return optional.NewString(v)
	}
	return optional.String{}
}

func (s *store) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind == "User" {
		name, _ := attrs["userName"].(string)
		for _, r := range s.data {
			if other, _ := r.attrs["userName"].(string); strings.EqualFold(other, name) {
				return scim.Resource{}, scimerrors.ScimErrorUniqueness
			}
		}
	}
	s.seq++
	id := fmt.Sprintf("%s-%06d", strings.ToLower(s.kind), s.seq)
	now := time.Now().UTC()
	r := &record{attrs: attrs, external: external(attrs), created: now, modified: now, version: 1}
	s.data[id] = r
	return s.resource(id, r), nil
}

func (s *store) Get(_ *http.Request, id string) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.data[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return s.resource(id, r), nil
}

func (s *store) GetAll(_ *http.Request, p scim.ListRequestParams) (scim.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.data))
	for id := range s.data {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var matched []scim.Resource
	for _, id := range ids {
		res := s.resource(id, s.data[id])
		if p.FilterValidator != nil {
			full := map[string]interface{}{"id": id}
			for k, v := range res.Attributes {
				full[k] = v
			}
			if p.FilterValidator.PassesFilter(full) != nil {
				continue
			}
		}
		matched = append(matched, res)
	}
	page := scim.Page{TotalResults: len(matched), Resources: []scim.Resource{}}
	start := max(p.StartIndex, 1) - 1
	for i := start; i < len(matched) && len(page.Resources) < p.Count; i++ {
		page.Resources = append(page.Resources, matched[i])
	}
	return page, nil
}

func (s *store) Replace(_ *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.data[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	r.attrs, r.external = attrs, external(attrs)
	r.modified = time.Now().UTC()
	r.version++
	return s.resource(id, r), nil
}

func (s *store) Delete(_ *http.Request, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[id]; !ok {
		return scimerrors.ScimErrorResourceNotFound(id)
	}
	delete(s.data, id)
	return nil
}

// Patch applies top-level add, replace and remove operations. Value-path
// filters are not evaluated: a remove with a filter drops the whole attribute.
func (s *store) Patch(_ *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.data[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	for _, op := range ops {
		switch {
		case op.Path == nil:
			if m, ok := op.Value.(map[string]interface{}); ok {
				for k, v := range m {
					r.attrs[k] = v
				}
			}
		case strings.EqualFold(op.Op, "remove"):
			delete(r.attrs, op.Path.AttributePath.AttributeName)
		case strings.EqualFold(op.Op, "add"):
			name := op.Path.AttributePath.AttributeName
			if list, ok := r.attrs[name].([]interface{}); ok {
				if more, ok := op.Value.([]interface{}); ok {
					r.attrs[name] = append(list, more...)
					continue
				}
			}
			r.attrs[name] = op.Value
		default:
			r.attrs[op.Path.AttributePath.AttributeName] = op.Value
		}
	}
	r.modified = time.Now().UTC()
	r.version++
	return s.resource(id, r), nil
}
