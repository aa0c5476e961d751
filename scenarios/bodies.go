package scenarios

import "github.com/scimloop/scimloop/fakeidp"

// This file builds the request bodies scenarios send: plain, schema-shaped
// resources with only the attributes the server's /Schemas declares, and
// fresh values for attributes a server may hold unique. A server may refuse
// an attribute it does not declare (RFC 7644 Table 9, invalidSyntax) and may
// keep e-mails and externalIds unique or reserved ("already in use or
// reserved"): neither is a finding, so the main path never trips them.

// UserResource renders u as the server's schemas allow it.
func (s *S) UserResource(u fakeidp.User) map[string]any {
	return s.Env.SP.Shape("User", fakeidp.UserResource(u, s.Env.SP.Enterprise))
}

// GroupResource renders g as the server's schemas allow it.
func (s *S) GroupResource(g fakeidp.Group) map[string]any {
	return s.Env.SP.Shape("Group", fakeidp.GroupResource(g))
}

// withDeclared sets attribute name on body to v only when the server's User
// schema declares it; it reports whether it did.
func (s *S) withDeclared(body map[string]any, name string, v any) bool {
	if !s.Env.SP.Declares("User", name) {
		return false
	}
	body[name] = v
	return true
}

// freshEmail returns an e-mail address no other user of the run has held.
func (s *S) freshEmail(kind string) string {
	return s.Env.Names.Email(s.Env.Names.Next(kind))
}

// refreshed returns u with new e-mails and a new externalId, for a user
// that re-creates or stands in for another: the old values may still be
// held or reserved (RFC 7644 Table 9, uniqueness).
func (s *S) refreshed(u fakeidp.User) fakeidp.User {
	u.Emails = append([]fakeidp.Email(nil), u.Emails...)
	for i := range u.Emails {
		u.Emails[i].Value = s.freshEmail("mail")
	}
	if u.ExternalID != "" {
		u.ExternalID = s.Env.Names.Next("ext")
	}
	return u
}
