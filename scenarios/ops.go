package scenarios

import (
	"net/http"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// resourceChecks are judged on every response that carries a resource.
var resourceChecks = []string{
	"resource-schemas", "resource-id", "meta-present", "meta-resourcetype", "meta-location-resolves",
	"etag-header-present", "etag-syntax", "etag-matches-version", "content-type-scim",
}

// errorChecks are judged on every error response.
var errorChecks = []string{"error-schema", "error-status-string", "content-type-scim"}

// listChecks are judged on every ListResponse; the scenarios that list
// resources judge them besides paging-and-sorting, which owns them.
var listChecks = []string{"list-schema", "list-total-integer", "list-resources-present", "list-resources-have-id"}

// withCommon returns the common checks followed by ids.
func withCommon(ids ...string) []string {
	out := append([]string{}, resourceChecks...)
	for _, id := range errorChecks {
		if !contains(out, id) {
			out = append(out, id)
		}
	}
	for _, id := range ids {
		if !contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// JudgeResource judges the checks that apply to any response carrying a
// resource of type typ ("User" or "Group").
func (s *S) JudgeResource(ex *fakeidp.Exchange, typ string) {
	if err := assertions.JSONObject(ex); err != nil {
		s.Judge("resource-id", err, ex)
		return
	}
	body := ex.RespBody
	base := fakeidp.SchemaUser
	if typ == "Group" {
		base = fakeidp.SchemaGroup
	}
	s.Judge("resource-schemas", assertions.HasSchemas(body, base), ex)
	s.Judge("resource-id", assertions.HasID(body), ex)
	s.Judge("meta-present", assertions.MetaPresent(body), ex)
	s.Judge("meta-resourcetype", assertions.MetaResourceType(body, typ), ex)
	s.Judge("meta-location-resolves", assertions.MetaLocation(body, s.C.BaseURL(), safety.Endpoint(typ)), ex)
	s.Judge("etag-header-present", assertions.ETagPresent(ex), ex)
	s.Judge("etag-syntax", assertions.ETagSyntax(ex), ex)
	// Without an ETag header there is nothing meta.version can equal: that
	// is etag-header-present's finding, seen again.
	versionCause := ""
	if ex.Header("ETag") == "" {
		versionCause = "etag-header-present"
	}
	s.JudgeCausedBy("etag-matches-version", versionCause, assertions.ETagMatchesVersion(ex), ex)
	s.Judge("content-type-scim", assertions.ContentTypeSCIM(ex), ex)
}

// JudgeError judges the checks that apply to any error response.
func (s *S) JudgeError(ex *fakeidp.Exchange) {
	if !assertions.IsError(ex) {
		return
	}
	s.Judge("error-schema", assertions.ErrorBody(ex), ex)
	s.Judge("error-status-string", assertions.ErrorStatusString(ex), ex)
	s.Judge("content-type-scim", assertions.ContentTypeSCIM(ex), ex)
}

// NewUser returns a realistic user whose names carry the run prefix.
func (s *S) NewUser() fakeidp.User {
	name := s.Env.Names.Next("user")
	local := strings.TrimPrefix(name, s.Env.Names.Prefix)
	u := fakeidp.User{
		UserName:    name,
		ExternalID:  name + "-ext",
		DisplayName: "Test " + local,
		Name:        fakeidp.Name{GivenName: "Test", FamilyName: local},
		Emails:      []fakeidp.Email{{Value: s.Env.Names.Email(local), Type: "work", Primary: true}},
		Active:      true,
	}
	if s.Env.SP.Enterprise {
		u.Enterprise = &fakeidp.Enterprise{EmployeeNumber: local, Department: "Quality"}
	}
	return u
}

// Post sends a create to endpoint and tracks what the server created.
// It never retries blindly: before a retry it looks the resource up by name.
// Use it for the main path's creates; a create that got no usable answer
// stops the scenario.
func (s *S) Post(typ string, body map[string]any, name string) *fakeidp.Exchange {
	ex, err := s.sess.Create(typ, fakeidp.MustJSON(body), name)
	if err != nil {
		s.Stop("%v", err)
	}
	return ex
}

// Probe sends a create like [S.Post] for an edge case whose answer its own
// check judges: an odd answer the session will not track (a 201 without an
// id, or with an id the run does not own) is handed back to be judged, and
// never stops the scenario. Only a request that got no answer stops it.
func (s *S) Probe(typ string, body map[string]any, name string) *fakeidp.Exchange {
	ex, err := s.sess.Create(typ, fakeidp.MustJSON(body), name)
	if err != nil && (ex == nil || ex.Status == 0) {
		s.Stop("%v", err)
	}
	if err != nil && safety.OK(ex) {
		// A create answered with the id of a resource the run did not
		// create: ids are unique across all resources (RFC 7643 §3.1).
		s.JudgeAlways("schema-id-unique", err, ex)
	}
	return ex
}

// requireCreated returns the id a main-path create answered. When the
// server refused the create, create-201 fails and the scenario stops with it
// as the cause; a success without an id fails resource-id, likewise.
func (s *S) requireCreated(ex *fakeidp.Exchange, what string) string {
	if ex.Status < 200 || ex.Status > 299 {
		s.JudgeError(ex)
		if s.Passed("create-201") {
			s.JudgeAlways("create-201", assertions.Created(ex), ex)
		}
		s.StopBecause("create-201", "creating %s: %s answered %d, so nothing that depends on it can be judged", what, ex.URL, ex.Status)
	}
	id := fakeidp.Get(ex.RespBody, "id").String()
	if id == "" {
		s.JudgeAlways("resource-id", assertions.HasID(ex.RespBody), ex)
		s.StopBecause("resource-id", "creating %s: the answer carried no id, so nothing that depends on it can be judged", what)
	}
	return id
}

// CreateUser creates u, judges the answer, and records it in the model. It
// stops the scenario when the server did not create the user.
func (s *S) CreateUser(u fakeidp.User) (fakeidp.User, *fakeidp.Exchange) {
	ex := s.Post("User", s.UserResource(u), u.UserName)
	u.ID = s.requireCreated(ex, "user "+quote(u.UserName))
	s.Dir.PutUser(u, safety.MetaOf(ex))
	return u, ex
}

// CreateGroup creates g, records it in the model, and stops when it fails.
func (s *S) CreateGroup(g fakeidp.Group) (fakeidp.Group, *fakeidp.Exchange) {
	body := s.GroupResource(g)
	if len(g.Members) == 0 {
		delete(body, "members") // the plain form; "members":[] is a probe of its own (schema-group-empty-members)
	}
	ex := s.Post("Group", body, g.DisplayName)
	g.ID = s.requireCreated(ex, "group "+quote(g.DisplayName))
	s.Dir.PutGroup(g, safety.MetaOf(ex))
	return g, ex
}

// NewGroup returns a group whose displayName carries the run prefix.
func (s *S) NewGroup(members ...string) fakeidp.Group {
	name := s.Env.Names.Next("group")
	return fakeidp.Group{DisplayName: name, ExternalID: name + "-ext", Members: members}
}

// Get reads a resource the run created.
func (s *S) Get(typ, id string, header http.Header) *fakeidp.Exchange {
	return s.must(s.sess.Get(typ, id, header))
}

// Write sends a PUT, PATCH or DELETE to a resource the run created. Any
// other id is refused: the harness never touches what it did not create.
func (s *S) Write(method, typ, id string, body any, header http.Header) *fakeidp.Exchange {
	return s.must(s.sess.Write(method, typ, id, body, header))
}

// must stops the scenario when a session call got no usable answer.
func (s *S) must(ex *fakeidp.Exchange, err error) *fakeidp.Exchange {
	if err != nil {
		s.Stop("%v", err)
	}
	return ex
}

// Filter lists resources of typ matching filter.
func (s *S) Filter(typ, filter string) *fakeidp.Exchange {
	return s.Do(fakeidp.Request{Method: http.MethodGet, Path: safety.Endpoint(typ), Retry: true,
		Query: map[string][]string{"filter": {filter}}})
}

// Times reads meta timestamps from a resource response, stamped with when
// the harness observed them.
func (s *S) Times(ex *fakeidp.Exchange) (assertions.MetaTimes, bool) {
	mt, err := assertions.ReadMeta(ex.RespBody)
	if err != nil {
		return assertions.MetaTimes{}, false
	}
	mt.Observed = ex.Started.Add(ex.Latency)
	return mt, true
}

// Sleep waits d unless the run is cancelled.
func (s *S) Sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.Ctx.Done():
		s.Stop("the run was cancelled")
	case <-t.C:
	}
}
