package assertions

import (
	"fmt"
	"strings"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

var resourceChecks = area("resource", []Check{
	{ID: "create-201", Title: "A successful create answers 201 Created", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.3",
		Spec: []string{"PROTO-STATUS-001"}, Rule: "a successful POST creating a resource returns 201 Created"},
	{ID: "create-returns-resource", Title: "The 201 body is the created resource with its id", Level: reports.LevelShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.3",
		Spec: []string{"PROTO-CREATE-002"}, Rule: "the 201 response should contain the provider's representation of the new resource, with its id"},
	{ID: "create-location", Title: "Location header equals meta.location", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.3",
		Spec: []string{"PROTO-CREATE-003", "SCHEMA-META-008"}, Rule: "the URI of the created resource is given in the Location header and in meta.location, and they are the same"},
	{ID: "get-200", Title: "GET of an existing resource answers 200 with it", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7643 §3.1 makes id a MUST that identifies the resource; §3.4.1 defines GET on it as answered 200", RFC: "RFC 7644 §3.4.1",
		Spec: []string{"PROTO-STATUS-002", "SCHEMA-ID-003"}, Rule: "GET /{type}/{id} of an existing resource returns 200 and the resource with the same id"},
	{ID: "resource-schemas", Title: "Every resource names its schemas", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7643 §3",
		Spec: []string{"SCHEMA-RES-001", "SCHEMA-RES-003"}, Rule: "every resource has a non-empty schemas array that includes its base schema"},
	{ID: "resource-id", Title: "Every resource has a server-issued id", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-ID-001"}, Rule: "every representation includes a non-empty id assigned by the provider"},
	{ID: "meta-present", Title: "meta has resourceType, created, lastModified and location", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-META-001", "SCHEMA-META-003", "PROTO-CREATE-005"}, Rule: "meta carries resourceType, created and lastModified (xsd:dateTime) and location, all set by the provider"},
	{ID: "meta-resourcetype", Title: "meta.resourceType names the endpoint's type", Level: reports.LevelMust, Keyword: "SHALL", RFC: "RFC 7644 §3.3.1",
		Spec: []string{"SCHEMA-META-009", "PROTO-CREATE-004"}, Rule: "meta.resourceType is the resource type's name: User for /Users, Group for /Groups"},
	{ID: "meta-location-resolves", Title: "meta.location is the resource's own URI", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7643 §3.1 defines meta.location as the resource's URI: following it must reach the same resource", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-META-008"}, Rule: "meta.location is the URI of the resource: /{type}/{id} under the service's base URL"},
	{ID: "meta-created-stable", Title: "meta.created never changes", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7643 §3.1 defines meta.created as the time the resource was added; it cannot change later", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-META-005"}, Rule: "created is when the resource was added; it is readOnly and never changes"},
	{ID: "meta-lastmodified-monotonic", Title: "lastModified never precedes created or an earlier value", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7643 §3.1 defines lastModified as the latest change time; time does not run backwards", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-META-006"}, Rule: "lastModified is never before created and never moves backwards"},
	{ID: "meta-lastmodified-advances", Title: "lastModified moves forward on a change", Level: reports.LevelMust, Keyword: "DERIVED", Derived: "RFC 7643 §3.1 defines lastModified as the latest change time; a change must move it", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-META-006"}, Rule: "lastModified is the most recent change: a change made at least a second after the last one moves it strictly later"},
})

// Created judges a create answer: 201.
func Created(ex *fakeidp.Exchange) error { return Status(ex, 201) }

// CreateReturnsResource judges that the 201 body is a resource with an id.
func CreateReturnsResource(ex *fakeidp.Exchange) error {
	body, err := resourceBody(ex)
	if err != nil {
		return err
	}
	if id := fakeidp.Get(body, "id").String(); id == "" {
		return fmt.Errorf("%s = %d with a body without id, want the created resource", op(ex), ex.Status)
	}
	return nil
}

// LocationMatchesMeta judges that the Location header equals meta.location.
func LocationMatchesMeta(ex *fakeidp.Exchange) error {
	loc := ex.Header("Location")
	meta := fakeidp.Get(ex.RespBody, "meta", "location").String()
	switch {
	case loc == "":
		return fmt.Errorf("%s = %d without a Location header, want Location: %s", op(ex), ex.Status, orUnknown(meta))
	case meta != "" && loc != meta:
		return fmt.Errorf("%s = Location %q, meta.location %q, want them equal", op(ex), loc, meta)
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "<the resource URI>"
	}
	return s
}

// GetOK judges a GET of a known resource: 200 and the same id.
func GetOK(ex *fakeidp.Exchange, id string) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	body, err := resourceBody(ex)
	if err != nil {
		return err
	}
	if got := fakeidp.Get(body, "id").String(); got != id {
		return fmt.Errorf("%s = id %q, want %q", op(ex), got, id)
	}
	return nil
}

// HasSchemas judges that a resource's schemas includes base.
func HasSchemas(body []byte, base string) error {
	s := fakeidp.Get(body, "schemas")
	if !s.IsArray() || len(s.Array()) == 0 {
		return fmt.Errorf("schemas = %s, want a non-empty array including %q", raw(s), base)
	}
	if !hasString(s, base) {
		return fmt.Errorf("schemas = %s, want it to include %q", raw(s), base)
	}
	return nil
}

// HasID judges that a resource has a non-empty string id.
func HasID(body []byte) error {
	if v := fakeidp.Get(body, "id"); v.Str == "" {
		return fmt.Errorf("id = %s, want a non-empty string", raw(v))
	}
	return nil
}

// MetaPresent judges meta's required sub-attributes and their types.
func MetaPresent(body []byte) error {
	meta := fakeidp.Get(body, "meta")
	if !meta.IsObject() {
		return fmt.Errorf("meta = %s, want an object", raw(meta))
	}
	var probs []string
	for _, k := range []string{"resourceType", "location"} {
		if v := fakeidp.Lookup(meta, k); v.Str == "" {
			probs = append(probs, "meta."+k+" = "+raw(v))
		}
	}
	for _, k := range []string{"created", "lastModified"} {
		if _, err := parseTime(fakeidp.Lookup(meta, k)); err != nil {
			probs = append(probs, "meta."+k+": "+err.Error())
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%s; want resourceType and location strings and created/lastModified xsd:dateTime values", strings.Join(probs, "; "))
	}
	return nil
}

// MetaResourceType judges meta.resourceType.
func MetaResourceType(body []byte, want string) error {
	if got := fakeidp.Get(body, "meta", "resourceType").String(); got != want {
		return fmt.Errorf("meta.resourceType = %q, want %q", got, want)
	}
	return nil
}

// MetaLocation judges that meta.location is base/{endpoint}/{id}.
func MetaLocation(body []byte, baseURL, endpoint string) error {
	id := fakeidp.Get(body, "id").String()
	want := strings.TrimRight(baseURL, "/") + endpoint + "/" + id
	got := fakeidp.Get(body, "meta", "location").String()
	if !strings.EqualFold(strings.TrimRight(got, "/"), want) {
		return fmt.Errorf("meta.location = %q, want %q", got, want)
	}
	return nil
}

// MetaTimes are a resource's meta timestamps as observed at one moment.
type MetaTimes struct {
	Created, LastModified time.Time
	Observed              time.Time // when the harness saw them (after the write)
}

// ReadMeta extracts meta.created and meta.lastModified.
func ReadMeta(body []byte) (MetaTimes, error) {
	c, err := parseTime(fakeidp.Get(body, "meta", "created"))
	if err != nil {
		return MetaTimes{}, fmt.Errorf("meta.created: %v", err)
	}
	m, err := parseTime(fakeidp.Get(body, "meta", "lastModified"))
	if err != nil {
		return MetaTimes{}, fmt.Errorf("meta.lastModified: %v", err)
	}
	return MetaTimes{Created: c, LastModified: m}, nil
}

// CreatedStable judges that meta.created did not change between two views.
func CreatedStable(before, after MetaTimes) error {
	if !before.Created.Equal(after.Created) {
		return fmt.Errorf("meta.created = %s, earlier %s, want it unchanged", after.Created.Format(time.RFC3339Nano), before.Created.Format(time.RFC3339Nano))
	}
	return nil
}

// LastModifiedMonotonic judges that lastModified is not before created nor
// before the earlier value.
func LastModifiedMonotonic(before, after MetaTimes) error {
	if after.LastModified.Before(after.Created) {
		return fmt.Errorf("meta.lastModified = %s, before meta.created %s", after.LastModified.Format(time.RFC3339Nano), after.Created.Format(time.RFC3339Nano))
	}
	if after.LastModified.Before(before.LastModified) {
		return fmt.Errorf("meta.lastModified = %s, earlier value %s, want it never to move backwards", after.LastModified.Format(time.RFC3339Nano), before.LastModified.Format(time.RFC3339Nano))
	}
	return nil
}

// LastModifiedAdvanced judges that a real change moved lastModified strictly
// later. It judges only when at least a second separates the two writes, since
// many servers keep lastModified to the second; it returns ok=false otherwise.
func LastModifiedAdvanced(before, after MetaTimes) (ok bool, err error) {
	if after.Observed.Sub(before.Observed) < time.Second+50*time.Millisecond {
		return false, nil
	}
	if !after.LastModified.After(before.LastModified) {
		return true, fmt.Errorf("meta.lastModified = %s after a change made %v after the write that set %s, want a later value",
			after.LastModified.Format(time.RFC3339Nano), after.Observed.Sub(before.Observed).Round(time.Millisecond), before.LastModified.Format(time.RFC3339Nano))
	}
	return true, nil
}

// CreateAccepted judges that a create worked: 201, or 200 from a server that
// answers creates that way. Only create-201 judges the exact status, so one
// wrong status code is reported once rather than by every check that creates.
func CreateAccepted(ex *fakeidp.Exchange) error { return Status(ex, 201, 200) }
