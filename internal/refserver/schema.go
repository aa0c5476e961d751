package refserver

import "strings"

// Schema URNs served by the reference server.
const (
	urnUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	urnGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	urnEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	urnSPC        = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	urnRT         = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	urnSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Attribute data types (RFC 7643 §2.3).
const (
	tString    = "string"
	tBoolean   = "boolean"
	tDecimal   = "decimal"
	tInteger   = "integer"
	tDateTime  = "dateTime"
	tBinary    = "binary"
	tReference = "reference"
	tComplex   = "complex"
)

// Mutability and returned keywords (RFC 7643 §7).
const (
	mReadOnly  = "readOnly"
	mReadWrite = "readWrite"
	mImmutable = "immutable"
	mWriteOnly = "writeOnly"

	rAlways  = "always"
	rNever   = "never"
	rDefault = "default"
	rRequest = "request"
)

// attrDef is one attribute definition. The same data drives /Schemas,
// input validation, filtering (caseExact, type), sorting and projection.
type attrDef struct {
	Name            string
	Type            string
	MultiValued     bool
	Description     string
	Required        bool
	CaseExact       bool
	Mutability      string
	Returned        string
	Uniqueness      string
	CanonicalValues []string
	ReferenceTypes  []string
	SubAttributes   []*attrDef
}

// sub finds a sub-attribute by name, case-insensitively.
func (a *attrDef) sub(name string) *attrDef {
	for _, s := range a.SubAttributes {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

type schemaDef struct {
	ID          string
	Name        string
	Description string
	Attributes  []*attrDef
}

func (s *schemaDef) attr(name string) *attrDef {
	for _, a := range s.Attributes {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// resourceType describes an endpoint (RFC 7643 §6).
type resourceType struct {
	Name        string
	Endpoint    string // "/Users"
	Description string
	Schema      *schemaDef
	Extensions  []*schemaDef
	Required    string // name of the attribute that is required and, for users, unique
}

// attribute-definition helpers; defaults follow RFC 7643 §2.2.
func str(name, desc string) *attrDef {
	return &attrDef{Name: name, Type: tString, Description: desc, Mutability: mReadWrite, Returned: rDefault, Uniqueness: "none"}
}

func withType(a *attrDef, t string) *attrDef { a.Type = t; return a }

func complexAttr(name, desc string, multi bool, subs ...*attrDef) *attrDef {
	return &attrDef{Name: name, Type: tComplex, MultiValued: multi, Description: desc, Mutability: mReadWrite, Returned: rDefault, Uniqueness: "none", SubAttributes: subs}
}

func ref(name, desc string, types ...string) *attrDef {
	a := str(name, desc)
	a.Type = tReference
	a.ReferenceTypes = types
	return a
}

func canon(a *attrDef, values ...string) *attrDef { a.CanonicalValues = values; return a }

func primaryAttr() *attrDef {
	return withType(str("primary", "A Boolean value indicating the 'primary' or preferred attribute value for this attribute."), tBoolean)
}

// multiValued builds the usual value/display/type/primary complex attribute.
func multiValued(name, desc string, value *attrDef, types ...string) *attrDef {
	return complexAttr(name, desc, true,
		value,
		str("display", "A human-readable name, primarily used for display purposes."),
		canon(str("type", "A label indicating the attribute's function."), types...),
		primaryAttr(),
	)
}

func buildUserSchema() *schemaDef {
	userName := str("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Case-insensitive and unique.")
	userName.Required = true
	userName.Uniqueness = "server"

	password := str("password", "The User's cleartext password, used to set or compare a password. Never returned.")
	password.Mutability = mWriteOnly
	password.Returned = rNever

	active := withType(str("active", "A Boolean value indicating the User's administrative status."), tBoolean)

	groups := complexAttr("groups", "A list of groups to which the user belongs, either through direct membership or through nested groups. Derived from Group membership.", true,
		str("value", "The identifier of the User's group."),
		ref("$ref", "The URI of the corresponding 'Group' resource to which the user belongs.", "User", "Group"),
		str("display", "A human-readable name, primarily used for display purposes."),
		canon(str("type", "A label indicating the attribute's function, e.g., 'direct' or 'indirect'."), "direct", "indirect"),
	)
	groups.Mutability = mReadOnly
	for _, s := range groups.SubAttributes {
		s.Mutability = mReadOnly
	}

	x509Value := withType(str("value", "The value of an X.509 certificate."), tBinary)

	return &schemaDef{
		ID:          urnUser,
		Name:        "User",
		Description: "User Account",
		Attributes: []*attrDef{
			userName,
			complexAttr("name", "The components of the user's real name.", false,
				str("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
				str("familyName", "The family name of the User, or last name in most Western languages."),
				str("givenName", "The given name of the User, or first name in most Western languages."),
				str("middleName", "The middle name(s) of the User."),
				str("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages."),
				str("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages."),
			),
			str("displayName", "The name of the User, suitable for display to end-users."),
			str("nickName", "The casual way to address the user in real life."),
			ref("profileUrl", "A fully qualified URL pointing to a page representing the User's online profile.", "external"),
			str("title", "The user's title, such as \"Vice President\"."),
			str("userType", "Used to identify the relationship between the organization and the user."),
			str("preferredLanguage", "Indicates the User's preferred written or spoken language."),
			str("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
			str("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
			active,
			password,
			multiValued("emails", "Email addresses for the user.", str("value", "Email addresses for the user."), "work", "home", "other"),
			multiValued("phoneNumbers", "Phone numbers for the User.", str("value", "Phone number of the User."), "work", "home", "mobile", "fax", "pager", "other"),
			multiValued("ims", "Instant messaging addresses for the User.", str("value", "Instant messaging address for the User."), "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
			multiValued("photos", "URLs of photos of the User.", ref("value", "URL of a photo of the User.", "external"), "photo", "thumbnail"),
			complexAttr("addresses", "A physical mailing address for this User.", true,
				str("formatted", "The full mailing address, formatted for display or use with a mailing label."),
				str("streetAddress", "The full street address component."),
				str("locality", "The city or locality component."),
				str("region", "The state or region component."),
				str("postalCode", "The zip code or postal code component."),
				str("country", "The country name component (ISO 3166-1 alpha-2)."),
				canon(str("type", "A label indicating the attribute's function."), "work", "home", "other"),
				primaryAttr(),
			),
			groups,
			multiValued("entitlements", "A list of entitlements for the User that represent a thing the User has.", str("value", "The value of an entitlement.")),
			multiValued("roles", "A list of roles for the User that collectively represent who the User is.", str("value", "The value of a role.")),
			multiValued("x509Certificates", "A list of certificates issued to the User.", x509Value),
		},
	}
}

func buildEnterpriseSchema() *schemaDef {
	mgrDisplay := str("displayName", "The displayName of the User's manager.")
	mgrDisplay.Mutability = mReadOnly
	return &schemaDef{
		ID:          urnEnterprise,
		Name:        "EnterpriseUser",
		Description: "Enterprise User",
		Attributes: []*attrDef{
			str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
			str("costCenter", "Identifies the name of a cost center."),
			str("organization", "Identifies the name of an organization."),
			str("division", "Identifies the name of a division."),
			str("department", "Identifies the name of a department."),
			complexAttr("manager", "The User's manager.", false,
				str("value", "The id of the SCIM resource representing the User's manager."),
				ref("$ref", "The URI of the SCIM resource representing the User's manager.", "User"),
				mgrDisplay,
			),
		},
	}
}

func buildGroupSchema() *schemaDef {
	displayName := str("displayName", "A human-readable name for the Group. REQUIRED (RFC 7643 erratum 5368).")
	displayName.Required = true
	members := complexAttr("members", "A list of members of the Group.", true,
		str("value", "Identifier of the member of this Group."),
		ref("$ref", "The URI corresponding to a SCIM resource that is a member of this Group.", "User", "Group"),
		canon(str("type", "A label indicating the type of resource, e.g., 'User' or 'Group'."), "User", "Group"),
		str("display", "A human-readable name of the member, as sent by the client."),
	)
	for _, s := range members.SubAttributes {
		s.Mutability = mImmutable
	}
	return &schemaDef{
		ID:          urnGroup,
		Name:        "Group",
		Description: "Group",
		Attributes:  []*attrDef{displayName, members},
	}
}

// commonAttrs are the RFC 7643 §3.1 attributes shared by every resource.
// They are not listed under /Schemas (as in RFC 7643 §8.7.1) but drive
// validation, filtering and projection like any other attribute.
func buildCommonAttrs() []*attrDef {
	id := str("id", "A unique identifier for a SCIM resource as defined by the service provider.")
	id.CaseExact, id.Mutability, id.Returned, id.Uniqueness = true, mReadOnly, rAlways, "server"
	ext := str("externalId", "An identifier for the resource as defined by the provisioning client.")
	ext.CaseExact = true
	ro := func(a *attrDef) *attrDef { a.Mutability = mReadOnly; return a }
	version := ro(str("version", "The version of the resource."))
	version.CaseExact = true
	meta := complexAttr("meta", "A complex attribute containing resource metadata.", false,
		ro(str("resourceType", "The name of the resource type of the resource.")),
		ro(withType(str("created", "The DateTime that the resource was added to the service provider."), tDateTime)),
		ro(withType(str("lastModified", "The most recent DateTime that the details of this resource were updated at the service provider."), tDateTime)),
		ro(ref("location", "The URI of the resource being returned.")),
		version,
	)
	meta.Mutability = mReadOnly
	schemas := ref("schemas", "The schemas used by the resource.", "uri")
	schemas.MultiValued, schemas.Mutability = true, mReadOnly
	schemas.CaseExact = false
	return []*attrDef{id, ext, meta, schemas}
}

// schemaSet holds every definition, built once.
type schemaSet struct {
	user, group, enterprise *schemaDef
	workforce               *schemaDef
	common                  []*attrDef
	userRT, groupRT         *resourceType
}

var defs = buildSchemaSet()

func buildSchemaSet() *schemaSet {
	s := &schemaSet{user: buildUserSchema(), group: buildGroupSchema(), enterprise: buildEnterpriseSchema(), common: buildCommonAttrs()}
	s.workforce = buildWorkforceSchema()
	s.userRT = &resourceType{Name: "User", Endpoint: "/Users", Description: "User Account", Schema: s.user, Extensions: []*schemaDef{s.enterprise, s.workforce}, Required: "userName"}
	s.groupRT = &resourceType{Name: "Group", Endpoint: "/Groups", Description: "Group", Schema: s.group, Required: "displayName"}
	return s
}

func (s *schemaSet) schemas() []*schemaDef {
	return []*schemaDef{s.user, s.group, s.enterprise, s.workforce}
}

func (s *schemaSet) resourceTypes() []*resourceType { return []*resourceType{s.userRT, s.groupRT} }

func (s *schemaSet) commonAttr(name string) *attrDef {
	for _, a := range s.common {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// attrRef is a resolved attribute path: which schema (container) the
// attribute lives in, the attribute, and an optional sub-attribute.
type attrRef struct {
	schema string // "" for core and common attributes; the extension URN otherwise
	attr   *attrDef
	sub    *attrDef
	common bool // id, externalId, meta, schemas
}

// resolve parses a path of the form [urn:...:]name[.sub] for a resource
// type. Attribute names are case-insensitive (RFC 7643 §2.1). An unqualified
// name that is not a core attribute falls back to the extensions (lenient:
// Entra sends "manager" unqualified). caseSensitive implements the
// filter-attribute-names-case-sensitive fault.
func (rt *resourceType) resolve(path string, caseSensitive bool) (attrRef, bool) {
	rest := path
	var ns string // "core" schema id or extension id, "" if unqualified
	lower := strings.ToLower(path)
	if strings.HasPrefix(lower, "urn:") {
		for i := -1; i < len(rt.Extensions); i++ {
			sc := rt.Schema
			if i >= 0 {
				sc = rt.Extensions[i]
			}
			p := strings.ToLower(sc.ID) + ":"
			if strings.HasPrefix(lower, p) {
				ns, rest = sc.ID, path[len(p):]
				break
			}
		}
	}
	if ns == "" && strings.HasPrefix(lower, "urn:") {
		return attrRef{}, false
	}
	name, subName, hasSub := strings.Cut(rest, ".")
	if name == "" || (hasSub && subName == "") || strings.Contains(subName, ".") {
		return attrRef{}, false
	}
	eq := strings.EqualFold
	if caseSensitive {
		eq = func(a, b string) bool { return a == b }
	}
	find := func(list []*attrDef, n string) *attrDef {
		for _, a := range list {
			if eq(a.Name, n) {
				return a
			}
		}
		return nil
	}
	var r attrRef
	if ns == "" || ns == rt.Schema.ID {
		if a := find(defs.common, name); a != nil {
			r = attrRef{attr: a, common: true}
		} else if a := find(rt.Schema.Attributes, name); a != nil {
			r = attrRef{attr: a}
		}
	}
	if r.attr == nil {
		for _, ext := range rt.Extensions {
			if ns != "" && ns != ext.ID {
				continue
			}
			if a := find(ext.Attributes, name); a != nil {
				r = attrRef{schema: ext.ID, attr: a}
				break
			}
		}
	}
	if r.attr == nil {
		return attrRef{}, false
	}
	if hasSub {
		if r.attr.Type != tComplex {
			return attrRef{}, false
		}
		r.sub = find(r.attr.SubAttributes, subName)
		if r.sub == nil {
			return attrRef{}, false
		}
	}
	return r, true
}

// extension returns the extension schema whose URN equals s
// (case-insensitively), or nil.
func (rt *resourceType) extension(s string) *schemaDef {
	for _, e := range rt.Extensions {
		if strings.EqualFold(e.ID, s) {
			return e
		}
	}
	return nil
}

// leaf is the definition the path finally addresses.
func (r attrRef) leaf() *attrDef {
	if r.sub != nil {
		return r.sub
	}
	return r.attr
}

func (r attrRef) String() string {
	s := r.attr.Name
	if r.schema != "" {
		s = r.schema + ":" + s
	}
	if r.sub != nil {
		s += "." + r.sub.Name
	}
	return s
}
