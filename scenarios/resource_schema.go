package scenarios

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

var resourceSchema = Scenario{
	Name:   "resource-schema",
	Areas:  []string{"schema"},
	Checks: withCommon("http-json-shape"),
	Run: func(s *S) {
		r := &schemaRun{s: s, ent: s.Env.SP.Enterprise}
		a, get, local := r.fullUser()
		r.schemasInOtherOrder()
		r.namesInOtherCase()
		r.repeatedValues(a)
		s.judgeBinary()
		s.judgeManager(a, r.ent)
		grp, gg := r.group(a, get, local)
		r.userGroups(a, grp)
		r.emptyGroups()
		r.minimalUser()
		slices.Sort(r.allIDs)
		s.Judge("schema-id-unique", assertions.Expect(gg, len(slices.Compact(slices.Clone(r.allIDs))) == len(r.allIDs), "repeated ids among "+join(r.allIDs), "every user and group id distinct"), gg)
		s.Judge("schema-id-unique", sharedIDs(s.Env.Tracker.All()), gg)
	},
}

// schemaRun is one run of the resource-schema scenario: every resource body
// it sees is judged, and every id it sees kept to judge their uniqueness.
type schemaRun struct {
	s      *S
	ent    bool
	allIDs []string
}

// judgeBody judges the checks that apply to any resource body of typ.
func (r *schemaRun) judgeBody(ex *fakeidp.Exchange, typ string) {
	s := r.s
	s.Judge("schema-no-duplicate-uris", assertions.NoDuplicateURIs(ex), ex)
	s.Judge("schema-datetime-valid", assertions.DateTimes(ex), ex)
	s.Judge("schema-booleans", assertions.Booleans(ex), ex)
	s.Judge("http-json-shape", assertions.JSONShape(ex), ex)
	declared := s.Env.SP.UserAttrs
	if typ == "Group" {
		declared = s.Env.SP.GroupAttrs
	}
	if len(declared) > 0 {
		s.Judge("schema-canonical-names", assertions.CanonicalNames(ex, declared), ex)
	}
	if id := fakeidp.Get(ex.RespBody, "id").String(); id != "" && !slices.Contains(r.allIDs, id) {
		r.allIDs = append(r.allIDs, id)
	}
}

// rawUser creates a user from a literal body, judging an error answer.
func (r *schemaRun) rawUser(body string) *fakeidp.Exchange {
	ex := r.s.RawPost("User", []byte(body), nil)
	if ex.Status >= 400 {
		r.s.JudgeError(ex)
	}
	return ex
}

// fullUser creates a full user, with mixed case, a phone, an address and
// every enterprise attribute, and judges it as created and as read. It
// returns the user, its read and the local part of its name.
func (r *schemaRun) fullUser() (fakeidp.User, *fakeidp.Exchange, string) {
	s, ent := r.s, r.ent
	a := s.NewUser()
	local := strings.TrimPrefix(a.UserName, s.Env.Names.Prefix)
	a.UserName = s.Env.Names.Prefix + "MiXeD-" + local
	a.ExternalID = "AbC-" + local
	a.Name.Formatted = a.Name.GivenName + " " + a.Name.FamilyName
	a.PhoneNumbers = []fakeidp.Phone{{Value: "55555555555", Type: "work"}}
	body := s.UserResource(a)
	if s.declares("schema-country-code", "addresses") {
		body["addresses"] = []any{map[string]any{"type": "work", "locality": "Springfield", "country": "US", "primary": true}}
	}
	entAttrs := map[string]any{"employeeNumber": "E-" + local, "costCenter": "CC-1", "organization": "Org", "division": "Div", "department": "Dept"}
	if ent {
		body[fakeidp.SchemaEnterprise] = entAttrs
	}
	post := s.Post("User", body, a.UserName)
	if _, ok := body["addresses"]; ok && post.Status >= 400 && post.Status < 500 {
		// The address is schema-country-code's probe: its refusal is that
		// check's failure, and the rest is judged on the user without it.
		s.JudgeError(post)
		s.Judge("schema-country-code", assertions.CreateAccepted(post), post)
		delete(body, "addresses")
		post = s.Post("User", body, a.UserName)
	}
	a.ID = s.requireCreated(post, "user "+quote(a.UserName))
	s.JudgeResource(post, "User")
	r.judgeBody(post, "User")
	s.Judge("schema-created-equals-modified", assertions.CreatedEqualsModified(post), post)
	get := s.Get("User", a.ID, nil)
	s.JudgeResource(get, "User")
	r.judgeBody(get, "User")
	s.Judge("schema-created-equals-modified", assertions.CreatedEqualsModified(get), get)
	s.Judge("schema-externalid-exact", assertions.AttrIs(get, "externalId", a.ExternalID), post, get)
	if _, sent := body["addresses"]; sent {
		s.Judge("schema-country-code", assertions.AttrIs(get, "addresses.0.country", "US"), post, get)
	}
	s.Judge("schema-value-roundtrip", assertions.AttrIs(get, "userName", a.UserName), post, get)
	if _, sent := body["phoneNumbers"]; sent {
		s.Judge("schema-value-roundtrip", assertions.AttrIs(get, "phoneNumbers.0.value", "55555555555"), post, get)
	}
	if f := fakeidp.Get(get.RespBody, "name", "formatted").String(); f != "" {
		s.Judge("schema-name-formatted", assertions.Expect(get, strings.Contains(f, a.Name.GivenName) && strings.Contains(f, a.Name.FamilyName),
			"name.formatted "+f, "a formatted name naming "+a.Name.GivenName+" "+a.Name.FamilyName), get)
	} else {
		s.Judge("schema-name-formatted", nil, get)
	}
	for _, e := range fakeidp.Get(get.RespBody, "emails").Array() {
		v := fakeidp.Lookup(e, "value").String()
		at := strings.LastIndex(v, "@")
		s.Judge("schema-email-syntax", assertions.Expect(get, at > 0 && at < len(v)-1 && !strings.ContainsAny(v, " <>"), "email "+v, "an RFC 5321 address local@domain"), get)
	}
	for _, p := range []string{"userName", "name.givenName", "name.familyName", "emails.0.value", "active"} {
		s.Judge("schema-okta-minimum", assertions.AttrPresent(get, p), get)
	}
	s.Judge("schema-okta-minimum", assertions.AttrIs(get, "emails.0.primary", true), get)
	if ent {
		s.Judge("schema-extension-container", assertions.ExtensionContainer(get, fakeidp.SchemaEnterprise, "employeeNumber", "department", "costCenter"), get)
		for k, v := range entAttrs {
			s.Judge("schema-enterprise-attrs", assertions.AttrIs(get, fakeidp.SchemaEnterprise+":"+k, v), post, get)
		}
	} else {
		s.Judge("schema-extension-container", assertions.ExtensionContainer(get, fakeidp.SchemaEnterprise), get)
		s.Skip("schema-enterprise-attrs", "the server declares no enterprise User extension")
	}
	return a, get, local
}

// schemasInOtherOrder creates a user whose schemas come in the other
// order, and with no externalId.
func (r *schemaRun) schemasInOtherOrder() {
	s, ent := r.s, r.ent
	b := s.NewUser()
	b.ExternalID = ""
	bb := s.UserResource(b)
	if ent {
		bb["schemas"] = []any{fakeidp.SchemaEnterprise, fakeidp.SchemaUser}
	}
	bpost := s.Post("User", bb, b.UserName)
	s.Judge("schema-order-irrelevant", assertions.CreateAccepted(bpost), bpost)
	if safety.OK(bpost) {
		r.judgeBody(bpost, "User")
		bget := s.Get("User", fakeidp.Get(bpost.RespBody, "id").String(), nil)
		s.Judge("schema-externalid-not-invented", assertions.AttrAbsent(bget, "externalId"), bpost, bget)
		s.Judge("schema-externalid-not-invented", assertions.AttrAbsent(bpost, "externalId"), bpost)
	} else {
		s.JudgeError(bpost)
	}
}

// namesInOtherCase creates users whose attribute names come in other
// cases, and whose sub-attributes come in another order.
func (r *schemaRun) namesInOtherCase() {
	s := r.s
	c := s.NewUser()
	cex := r.rawUser(`{"schemas":["` + fakeidp.SchemaUser + `"],"USERNAME":` + jsonString(c.UserName) + `,"Emails":[{"Value":` + jsonString(c.Emails[0].Value) + `,"Type":"work","Primary":true}],"Name":{"GivenName":"Case","FamilyName":"Insensitive"}}`)
	s.Judge("schema-attr-names-case-insensitive", assertions.CreateAccepted(cex), cex)
	if safety.OK(cex) {
		cget := s.Get("User", fakeidp.Get(cex.RespBody, "id").String(), nil)
		s.Judge("schema-attr-names-case-insensitive", assertions.AttrIs(cget, "userName", c.UserName), cex, cget)
		s.Judge("schema-attr-names-case-insensitive", assertions.AttrIs(cget, "emails.0.value", c.Emails[0].Value), cex, cget)
		s.Judge("schema-attr-names-case-insensitive", assertions.AttrIs(cget, "name.familyName", "Insensitive"), cex, cget)
		r.judgeBody(cget, "User")
	}
	d := s.NewUser()
	dex := r.rawUser(`{"name":{"familyName":"Order","givenName":"Sub"},"userName":` + jsonString(d.UserName) + `,"emails":[{"value":` + jsonString(d.Emails[0].Value) + `,"type":"work"}],"schemas":["` + fakeidp.SchemaUser + `"]}`)
	s.Judge("schema-subattr-order", assertions.CreateAccepted(dex), dex)
	if safety.OK(dex) {
		dget := s.Get("User", fakeidp.Get(dex.RespBody, "id").String(), nil)
		s.Judge("schema-subattr-order", assertions.AttrIs(dget, "name.givenName", "Sub"), dex, dget)
		s.Judge("schema-subattr-order", assertions.AttrIs(dget, "name.familyName", "Order"), dex, dget)
	}
}

// repeatedValues creates users with a's externalId again, with two primary
// emails, and with an email and a phone number each sent twice.
func (r *schemaRun) repeatedValues(a fakeidp.User) {
	s := r.s
	e := s.NewUser()
	e.ExternalID = a.ExternalID
	eex := s.Post("User", s.UserResource(e), e.UserName)
	// Table 9 lets a server keep externalId unique (409 uniqueness): that
	// policy passes; any other refusal does not.
	s.Judge("schema-externalid-not-unique", assertions.Status(eex, 201, 200, 409), eex)
	if !safety.OK(eex) {
		s.JudgeError(eex)
	}
	f := s.NewUser()
	f.Emails = append(f.Emails, fakeidp.Email{Value: s.freshEmail("second"), Type: "home", Primary: true})
	fex := s.Post("User", s.UserResource(f), f.UserName)
	if safety.OK(fex) {
		fget := s.Get("User", fakeidp.Get(fex.RespBody, "id").String(), nil)
		s.Judge("schema-primary-once", assertions.OnePrimary(fget, "emails"), fex, fget)
	} else {
		s.Judge("schema-primary-once", assertions.BadRequest(fex), fex)
		s.JudgeError(fex)
	}
	// G: an email and a phone number, each sent twice.
	g := s.NewUser()
	g.Emails = append(g.Emails, g.Emails...)
	g.PhoneNumbers = []fakeidp.Phone{{Value: "+15555550100", Type: "work"}, {Value: "+15555550100", Type: "work"}}
	gex := s.Post("User", s.UserResource(g), g.UserName)
	if safety.OK(gex) {
		gget := s.Get("User", fakeidp.Get(gex.RespBody, "id").String(), nil)
		s.Judge("schema-no-duplicate-pairs", assertions.NoDuplicatePairs(gget, "emails"), gex, gget)
		s.Judge("schema-no-duplicate-pairs", assertions.NoDuplicatePairs(gget, "phoneNumbers"), gex, gget)
	} else {
		s.Judge("schema-no-duplicate-pairs", assertions.Rejected(gex, []int{400, 409}), gex)
		s.JudgeError(gex)
	}
}

// group creates a group with initial members and an externalId, and
// judges its members and the references of it and of a (read as get).
func (r *schemaRun) group(a fakeidp.User, get *fakeidp.Exchange, local string) (fakeidp.Group, *fakeidp.Exchange) {
	s := r.s
	grp := s.NewGroup(a.ID)
	grp.ExternalID = "GrP-Ext-" + local
	grp, gpost := s.CreateGroup(grp)
	r.judgeBody(gpost, "Group")
	gg := s.Get("Group", grp.ID, nil)
	r.judgeBody(gg, "Group")
	s.Judge("schema-group-initial-members", assertions.MembersEqual(gg, []string{a.ID}), gpost, gg)
	s.Judge("schema-group-externalid", assertions.AttrIs(gg, "externalId", grp.ExternalID), gpost, gg)
	for _, m := range fakeidp.Get(gg.RespBody, "members").Array() {
		if t := fakeidp.Lookup(m, "type").String(); t != "" {
			s.Judge("schema-group-initial-members", assertions.Expect(gg, t == "User", "member type "+t, "User"), gg)
		}
		if ref := fakeidp.Lookup(m, "$ref").String(); ref != "" {
			s.judgeRef(gg, ref, fakeidp.Lookup(m, "value").String())
		}
	}
	s.judgeRef(gg, fakeidp.Get(gg.RespBody, "meta", "location").String(), grp.ID)
	s.judgeRef(get, fakeidp.Get(get.RespBody, "meta", "location").String(), a.ID)
	return grp, gg
}

// userGroups judges User.groups of a, a member of grp.
func (r *schemaRun) userGroups(a fakeidp.User, grp fakeidp.Group) {
	s := r.s
	uget := s.Get("User", a.ID, nil)
	if !s.Env.SP.Declares("User", "groups") || !fakeidp.Get(uget.RespBody, "groups").Exists() {
		s.Skip("schema-user-groups", "the server does not expose User.groups")
	} else {
		s.Judge("schema-user-groups", assertions.UserGroupsInclude(uget, grp.ID, true), uget)
		for _, v := range fakeidp.Get(uget.RespBody, "groups").Array() {
			if ref := fakeidp.Lookup(v, "$ref").String(); ref != "" {
				s.Judge("schema-user-groups", assertions.Expect(uget, strings.HasSuffix(ref, "/Groups/"+fakeidp.Lookup(v, "value").String()),
					"groups $ref "+ref, "the Group's URI, ending /Groups/"+fakeidp.Lookup(v, "value").String()), uget)
			}
		}
	}
}

// emptyGroups creates groups with empty and with absent members.
func (r *schemaRun) emptyGroups() {
	s := r.s
	for _, gb := range []map[string]any{
		{"schemas": []any{fakeidp.SchemaGroup}, "displayName": s.Env.Names.Next("group"), "members": []any{}},
		{"schemas": []any{fakeidp.SchemaGroup}, "displayName": s.Env.Names.Next("group")},
	} {
		ex := s.Post("Group", gb, gb["displayName"].(string))
		s.Judge("schema-group-empty-members", assertions.CreateAccepted(ex), ex)
		if safety.OK(ex) {
			r.judgeBody(ex, "Group")
		} else {
			s.JudgeError(ex)
		}
	}
}

// judgeRef GETs a reference and judges that it names the resource with id.
func (s *S) judgeRef(from *fakeidp.Exchange, ref, id string) {
	base := s.C.BaseURL()
	var path string
	switch {
	case strings.HasPrefix(strings.ToLower(ref), strings.ToLower(base)):
		path = ref[len(base):]
	case strings.HasPrefix(ref, "/Users/") || strings.HasPrefix(ref, "/Groups/"):
		path = ref
	default:
		s.Judge("schema-references-resolve", assertions.Expect(from, false, "reference "+ref, "a URI under the service base "+base), from)
		return
	}
	ex := s.Do(fakeidp.Request{Method: http.MethodGet, Path: path, Retry: true})
	s.Judge("schema-references-resolve", assertions.GetOK(ex, id), from, ex)
}

// judgeBinary round-trips an x509 certificate value when the server declares the attribute.
func (s *S) judgeBinary() {
	if _, ok := s.Env.SP.UserAttrs["x509certificates"]; !ok {
		s.Skip("schema-binary-base64", "the server's User schema declares no x509Certificates (binary) attribute")
		return
	}
	u := s.NewUser()
	body := s.UserResource(u)
	body["x509Certificates"] = []any{map[string]any{"value": base64.StdEncoding.EncodeToString([]byte("scimloop test certificate bytes"))}}
	ex := s.Post("User", body, u.UserName)
	if !safety.OK(ex) {
		s.Judge("schema-binary-base64", assertions.CreateAccepted(ex), ex)
		s.JudgeError(ex)
		return
	}
	get := s.Get("User", fakeidp.Get(ex.RespBody, "id").String(), nil)
	s.Judge("schema-binary-base64", assertions.Base64Values(get, "x509Certificates"), ex, get)
	s.Judge("schema-binary-base64", assertions.CountValues(get, "x509Certificates", 1), ex, get)
}

// judgeManager sets the enterprise manager with a client-chosen displayName.
func (s *S) judgeManager(boss fakeidp.User, ent bool) {
	if !ent {
		s.Skip("schema-manager", "the server declares no enterprise User extension")
		return
	}
	u := s.NewUser()
	body := s.UserResource(u)
	body[fakeidp.SchemaEnterprise] = map[string]any{"employeeNumber": "M-1", "manager": map[string]any{"value": boss.ID, "displayName": "Client Said"}}
	ex := s.Post("User", body, u.UserName)
	if !safety.OK(ex) {
		s.Judge("schema-manager", assertions.CreateAccepted(ex), ex)
		s.JudgeError(ex)
		return
	}
	get := s.Get("User", fakeidp.Get(ex.RespBody, "id").String(), nil)
	s.Judge("schema-manager", assertions.AttrIs(get, fakeidp.SchemaEnterprise+":manager.value", boss.ID), ex, get)
	dn := fakeidp.Attr(get.RespBody, fakeidp.SchemaEnterprise+":manager.displayName").String()
	s.Judge("schema-manager", assertions.Expect(get, dn != "Client Said", "manager.displayName \"Client Said\" as the client sent it", "the server's own value (readOnly)"), ex, get)
}

func jsonString(s string) string { return string(fakeidp.MustJSON(s)) }

// minimalUser creates a user with only the attributes the server's /Schemas
// marks required, judged on its own exchange: a server that demands more
// than it declares fails here, and nowhere else.
func (r *schemaRun) minimalUser() {
	s := r.s
	body, missing := s.Env.SP.MinimalUser(s.NewUser())
	if len(missing) > 0 {
		s.Skip("create-minimal", "the server's /Schemas marks "+strings.Join(missing, ", ")+" required, and the harness has no value of its own for it")
		return
	}
	ex := s.Post("User", body, body["userName"].(string))
	s.Judge("create-minimal", assertions.CreateAccepted(ex), ex)
	if safety.OK(ex) {
		r.judgeBody(ex, "User")
	} else {
		s.JudgeError(ex)
	}
}

// sharedIDs judges that no id the run was given names both a User and a
// Group: ids are unique across all of a provider's resources (RFC 7643
// §3.1), and the tracker already holds every id the run created.
func sharedIDs(all []safety.Tracked) error {
	typeOf := map[string]string{}
	var shared []string
	for _, t := range all {
		if prev, ok := typeOf[t.ID]; ok && prev != t.Type {
			shared = append(shared, t.ID)
		}
		typeOf[t.ID] = t.Type
	}
	if len(shared) > 0 {
		return fmt.Errorf("the server issued %d id(s) to both a User and a Group (first %s), want every id unique across all resources", len(shared), shared[0])
	}
	return nil
}
