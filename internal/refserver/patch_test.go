package refserver

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const entPrefix = `urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User`

func (c *tc) patch(path string, ops ...obj) resp {
	c.t.Helper()
	return c.do("PATCH", path, patchBody(ops...))
}

func (c *tc) patchOK(path string, ops ...obj) resp {
	c.t.Helper()
	r := c.patch(path, ops...)
	require.Equal(c.t, 200, r.code, r.String())
	return r
}

func TestPatchGroupMembers(t *testing.T) {
	c := newTC(t)
	u1, u2, u3 := c.userID("p1"), c.userID("p2"), c.userID("p3")
	gid := c.createGroup("g").get("id").String()
	p := "/Groups/" + gid

	// Entra add with $ref:null and capitalised op
	r := c.patchOK(p, obj{"op": "Add", "path": "members", "value": arr{obj{"$ref": nil, "value": u1}, obj{"value": u2, "display": "p2"}}})
	assert.Equal(t, []string{u1, u2}, memberValues(r))
	assert.Equal(t, "p2", r.get("members.1.display").String())
	v := r.h.Get("ETag")
	// adding an existing member is a no-op
	r = c.patchOK(p, obj{"op": "add", "path": "members", "value": arr{obj{"value": u1}}})
	assert.Equal(t, []string{u1, u2}, memberValues(r))
	assert.Equal(t, v, r.h.Get("ETag"))
	// unknown member id
	requireError(t, c.patch(p, obj{"op": "add", "path": "members", "value": arr{obj{"value": "no-such-id"}}}), 400, stInvalidValue)

	// RFC remove with a filter
	r = c.patchOK(p, obj{"op": "remove", "path": fmt.Sprintf(`members[value eq "%s"]`, u1)})
	assert.Equal(t, []string{u2}, memberValues(r))
	// removing a non-member succeeds without change
	r = c.patchOK(p, obj{"op": "remove", "path": fmt.Sprintf(`members[value eq "%s"]`, u3)})
	assert.Equal(t, []string{u2}, memberValues(r))

	// Okta: remove + add in one request, ops see each other
	r = c.patchOK(p, obj{"op": "remove", "path": fmt.Sprintf(`members[value eq "%s"]`, u2)}, obj{"op": "add", "path": "members", "value": arr{obj{"value": u3}, obj{"value": u1}}})
	assert.Equal(t, []string{u3, u1}, memberValues(r))

	// Entra legacy removal: only the listed members go
	r = c.patchOK(p, obj{"op": "Remove", "path": "members", "value": arr{obj{"$ref": nil, "value": u3}}})
	assert.Equal(t, []string{u1}, memberValues(r))

	// replace all
	r = c.patchOK(p, obj{"op": "replace", "path": "members", "value": arr{obj{"value": u2}, obj{"value": u3}}})
	assert.Equal(t, []string{u2, u3}, memberValues(r))
	// member sub-attributes are immutable
	requireError(t, c.patch(p, obj{"op": "replace", "path": fmt.Sprintf(`members[value eq "%s"].value`, u2), "value": u1}), 400, stMutability)
	// remove all
	r = c.patchOK(p, obj{"op": "remove", "path": "members"})
	assert.Empty(t, memberValues(r))
	assert.False(t, c.do("GET", "/Users/"+u2, nil).get("groups").Exists())

	// Okta rename with the id inside a path-less replace
	r = c.patchOK(p, obj{"op": "replace", "value": obj{"id": gid, "displayName": "renamed"}})
	assert.Equal(t, "renamed", r.get("displayName").String())
	assert.Equal(t, gid, r.get("id").String())
	requireError(t, c.patch(p, obj{"op": "replace", "value": obj{"id": "other"}}), 400, stMutability)
	// Entra rename
	r = c.patchOK(p, obj{"op": "Replace", "path": "displayName", "value": "again"})
	assert.Equal(t, "again", r.get("displayName").String())
	requireError(t, c.patch(p, obj{"op": "remove", "path": "displayName"}), 400, stMutability)

	// many members in one op
	var many arr
	var ids []string
	for i := 0; i < 50; i++ {
		id := c.userID(fmt.Sprintf("many%d", i))
		ids = append(ids, id)
		many = append(many, obj{"value": id})
	}
	r = c.patchOK(p, obj{"op": "add", "path": "members", "value": many})
	assert.Equal(t, ids, memberValues(r))
	r = c.patchOK(p+"?excludedAttributes=members", obj{"op": "add", "path": "members", "value": arr{obj{"value": u1}}})
	assert.False(t, r.get("members").Exists())
}

func TestPatchUserAttributes(t *testing.T) {
	c := newTC(t)
	u := c.createUser("pu", "emails", arr{obj{"value": "w@x", "type": "work", "primary": true}, obj{"value": "h@y", "type": "home"}},
		"addresses", arr{obj{"type": "work", "locality": "A"}, obj{"type": "home", "locality": "B"}})
	id := u.get("id").String()
	p := "/Users/" + id

	// Entra's email update and familyName
	r := c.patchOK(p, obj{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "new@x"}, obj{"op": "Replace", "path": "name.familyName", "value": "Fam2"})
	assert.Equal(t, "new@x", r.get("emails.0.value").String())
	assert.Equal(t, "h@y", r.get("emails.1.value").String())
	assert.Equal(t, "Fam2", r.get("name.familyName").String())
	assert.Equal(t, "Given", r.get("name.givenName").String())

	// replace with an unmatched filter: noTarget, atomic
	before := c.do("GET", p, nil)
	requireError(t, c.patch(p, obj{"op": "replace", "path": "title", "value": "T"}, obj{"op": "replace", "path": `emails[type eq "other"].value`, "value": "o@x"}), 400, stNoTarget)
	assert.JSONEq(t, string(before.raw), string(c.do("GET", p, nil).raw))

	checkPatchRejects(t, c, p)

	// Entra string booleans, Okta path-less deactivate
	r = c.patchOK(p, obj{"op": "Replace", "path": "active", "value": "False"})
	assert.Equal(t, false, r.get("active").Value())
	r = c.patchOK(p, obj{"op": "replace", "value": obj{"active": true}})
	assert.Equal(t, true, r.get("active").Value())
	assert.Equal(t, "new@x", r.get("emails.0.value").String())

	// path-less replace with dotted and URN keys (Entra with aadOptscim062020)
	r = c.patchOK(p, obj{"op": "replace", "value": obj{"displayName": "D", "name.givenName": "G",
		urnEnterprise + ":employeeNumber": "E"}})
	assert.Equal(t, "D", r.get("displayName").String())
	assert.Equal(t, "G", r.get("name.givenName").String())
	assert.Equal(t, "Fam2", r.get("name.familyName").String())
	assert.Equal(t, "E", r.get(entPrefix+".employeeNumber").String())
	assert.False(t, r.get(`name\.givenName`).Exists())
	assert.Contains(t, r.get("schemas").String(), urnEnterprise)

	// add semantics
	r = c.patchOK(p, obj{"op": "add", "value": obj{"nickName": "Babs", "emails": arr{obj{"value": "b@z", "type": "other"}}}})
	assert.Equal(t, "Babs", r.get("nickName").String())
	assert.Len(t, r.get("emails").Array(), 3)
	r = c.patchOK(p, obj{"op": "add", "path": "nickName", "value": "Y"})
	assert.Equal(t, "Y", r.get("nickName").String())
	r = c.patchOK(p, obj{"op": "add", "path": "name", "value": obj{"middleName": "J"}})
	assert.Equal(t, "J", r.get("name.middleName").String())
	assert.Equal(t, "G", r.get("name.givenName").String())
	// primary moves to the new value
	r = c.patchOK(p, obj{"op": "add", "path": "emails", "value": arr{obj{"value": "p@z", "type": "work2", "primary": true}}})
	n := 0
	for _, e := range r.get("emails").Array() {
		if e.Get("primary").Bool() {
			n++
			assert.Equal(t, "p@z", e.Get("value").String())
		}
	}
	assert.Equal(t, 1, n)
	// add with a value path that matches nothing creates the element
	r = c.patchOK(p, obj{"op": "add", "path": `phoneNumbers[type eq "mobile"].value`, "value": "+1555"})
	assert.Equal(t, "mobile", r.get("phoneNumbers.0.type").String())
	assert.Equal(t, "+1555", r.get("phoneNumbers.0.value").String())

	// replace semantics
	r = c.patchOK(p, obj{"op": "replace", "path": "title", "value": "Eng"})
	assert.Equal(t, "Eng", r.get("title").String())
	r = c.patchOK(p, obj{"op": "replace", "path": `addresses[type eq "work"]`, "value": obj{"type": "work", "locality": "C"}})
	assert.Equal(t, "C", r.get("addresses.0.locality").String())
	assert.Equal(t, "B", r.get("addresses.1.locality").String())
	r = c.patchOK(p, obj{"op": "replace", "path": "name", "value": obj{"givenName": "New"}})
	assert.Equal(t, "New", r.get("name.givenName").String())
	assert.Equal(t, "Fam2", r.get("name.familyName").String())
	r = c.patchOK(p, obj{"op": "Replace", "path": "EMAILS[TYPE eq \"home\"].VALUE", "value": "h2@y"})
	assert.Contains(t, r.get("emails.#.value").String(), "h2@y")

	// remove semantics
	r = c.patchOK(p, obj{"op": "remove", "path": "nickName"})
	assert.False(t, r.get("nickName").Exists())
	r = c.patchOK(p, obj{"op": "remove", "path": `emails[type eq "home" and value ew "y"]`})
	assert.NotContains(t, r.get("emails.#.value").String(), "h2@y")
	r = c.patchOK(p, obj{"op": "remove", "path": "phoneNumbers"})
	assert.False(t, r.get("phoneNumbers").Exists())
	r = c.patchOK(p, obj{"op": "remove", "path": urnEnterprise + ":employeeNumber"})
	assert.False(t, r.get(entPrefix).Exists())
	assert.NotContains(t, r.get("schemas").String(), urnEnterprise)

	checkPatchEnterpriseAndPassword(t, c, p)
}

// checkPatchRejects: PATCH requests that must fail, and how.
func checkPatchRejects(t *testing.T, c *tc, p string) {
	t.Helper()
	// remove with no path
	requireError(t, c.patch(p, obj{"op": "remove"}), 400, stNoTarget)
	// unknown op, invalid path, readOnly, required
	requireError(t, c.patch(p, obj{"op": "move", "path": "title", "value": "x"}), 400, stInvalidSyntax)
	requireError(t, c.patch(p, obj{"op": "add", "path": `emails[type eq`, "value": "x"}), 400, stInvalidPath)
	requireError(t, c.patch(p, obj{"op": "add", "path": `name..givenName`, "value": "x"}), 400, stInvalidPath)
	requireError(t, c.patch(p, obj{"op": "add", "path": `noSuchAttr`, "value": "x"}), 400, stInvalidPath)
	requireError(t, c.patch(p, obj{"op": "replace", "path": "id", "value": "x"}), 400, stMutability)
	requireError(t, c.patch(p, obj{"op": "replace", "path": "meta.created", "value": "2000-01-01T00:00:00Z"}), 400, stMutability)
	requireError(t, c.patch(p, obj{"op": "add", "path": "groups", "value": arr{obj{"value": "x"}}}), 400, stMutability)
	requireError(t, c.patch(p, obj{"op": "remove", "path": "userName"}), 400, stMutability)
	requireError(t, c.patch(p, obj{"op": "add", "path": "title"}), 400, stInvalidValue)
	requireError(t, c.patch(p, obj{"op": "replace", "path": "active", "value": "maybe"}), 400, stInvalidValue)
	requireError(t, c.do("PATCH", p, obj{"Operations": arr{obj{"op": "add", "path": "title", "value": "x"}}}), 400, stInvalidSyntax)
	requireError(t, c.do("PATCH", p, obj{"schemas": arr{urnPatchOp}, "Operations": arr{}}), 400, stInvalidSyntax)
	requireError(t, c.do("PATCH", p, `{"schemas":[`), 400, stInvalidSyntax)
}

// checkPatchEnterpriseAndPassword: extension paths, Entra's legacy manager,
// password, attributes on PATCH, and the 200 body against a later GET.
func checkPatchEnterpriseAndPassword(t *testing.T, c *tc, p string) {
	t.Helper()
	// enterprise: URN path replace, and Entra's legacy manager shape
	mgr := c.userID("boss")
	r := c.patchOK(p, obj{"op": "replace", "path": urnEnterprise + ":department", "value": "R&D"})
	assert.Equal(t, "R&D", r.get(entPrefix+".department").String())
	r = c.patchOK(p, obj{"op": "Add", "path": "manager", "value": arr{obj{"$ref": base + "/Users/" + mgr, "value": mgr}}})
	assert.Equal(t, mgr, r.get(entPrefix+".manager.value").String())
	requireError(t, c.patch(p, obj{"op": "replace", "path": urnEnterprise + ":manager.displayName", "value": "x"}), 400, stMutability)

	// password is accepted, never shown
	r = c.patchOK(p, obj{"op": "replace", "path": "password", "value": "n3w"})
	assert.False(t, r.get("password").Exists())
	// attributes on PATCH
	r = c.patchOK(p+"?attributes=userName", obj{"op": "replace", "path": "title", "value": "Boss"})
	assert.ElementsMatch(t, []string{"schemas", "id", "userName"}, keys(r))
	// the 200 body equals a later GET
	r = c.patchOK(p, obj{"op": "replace", "path": "title", "value": "Chief"})
	assert.JSONEq(t, string(r.raw), string(c.do("GET", p, nil).raw))
}

func keys(r resp) []string {
	var out []string
	r.j.ForEach(func(k, _ gjsonResult) bool { out = append(out, k.String()); return true })
	return out
}

func TestPatchAtomic(t *testing.T) {
	c := newTC(t)
	id := c.userID("atom")
	p := "/Users/" + id
	before := c.do("GET", p, nil)
	requireError(t, c.patch(p, obj{"op": "replace", "path": "displayName", "value": "X"}, obj{"op": "remove", "path": "userName"}), 400, stMutability)
	assert.JSONEq(t, string(before.raw), string(c.do("GET", p, nil).raw))
}
