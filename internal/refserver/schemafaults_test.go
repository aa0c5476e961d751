package refserver

import (
	"net/url"
	"testing"
)

// schemaSymptoms are the symptom probes of the schema properties' faults
// (TestEveryFaultShowsAndOnlyWithItsFault): false on the correct server,
// true with the fault.
var schemaSymptoms = map[string]func(t *testing.T, faults []string) bool{
	fEmptyCanonicalValues: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		declared := c.do("GET", "/Schemas/"+urnUser, nil).get(`attributes.#(name=="roles").subAttributes.#(name=="type").canonicalValues`)
		refused := c.do("POST", "/Users", userBody("u", "roles", arr{obj{"value": "admin", "type": "work"}})).code == 400
		return declared.IsArray() && len(declared.Array()) == 0 && refused
	},
	fDecimalTruncated: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		r := c.createUser("u", urnWorkforce, obj{"hourlyRate": 85.5})
		return r.get(escapeURN(urnWorkforce)+".hourlyRate").Float() != 85.5
	},
	fDateTimeRewritten: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		r := c.createUser("u", urnWorkforce, obj{"hireDate": "2021-03-04T09:00:00+02:00"})
		return r.get(escapeURN(urnWorkforce)+".hireDate").Time().Unix() != 1614841200
	},
	fWriteOnlyReturned: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.createUser("u", "password", "Secret-123!").get("id").String()
		return c.do("PUT", "/Users/"+id, userBody("u", "password", "Secret-456!")).get("password").Exists()
	},
	fImmutableChanges: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.createUser("u", urnWorkforce, obj{"badgeId": "B-7"}).get("id").String()
		r := c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "replace", "path": "title", "value": "Boss"}))
		return r.get(escapeURN(urnWorkforce)+".badgeId").String() != "B-7"
	},
	fSubAttrDroppedOnReplace: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.createUser("u").get("id").String()
		r := c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "replace", "path": "name", "value": obj{"givenName": "New"}}))
		return r.get("name.familyName").String() != "Family"
	},
	fIntegersComparedAsText: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("u", urnWorkforce, obj{"level": 10})
		return c.do("GET", "/Users?filter="+url.QueryEscape(urnWorkforce+`:level gt 9`), nil).get("totalResults").Int() != 1
	},
	fPrimaryNotExclusive: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.createUser("u").get("id").String()
		c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "phoneNumbers", "value": arr{obj{"value": "+1 555 0100", "type": "work", "primary": true}}}))
		r := c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "add", "path": "phoneNumbers", "value": arr{obj{"value": "+1 555 0199", "type": "home", "primary": true}}}))
		n := 0
		for _, e := range r.get("phoneNumbers").Array() {
			if e.Get("primary").Bool() {
				n++
			}
		}
		return n > 1
	},
}

// escapeURN escapes a URN's dots for a gjson path.
func escapeURN(urn string) string {
	out := make([]byte, 0, len(urn)+8)
	for i := 0; i < len(urn); i++ {
		if urn[i] == '.' || urn[i] == ':' {
			out = append(out, '\\')
		}
		out = append(out, urn[i])
	}
	return string(out)
}
