package sequences

import (
	"strings"
	"unicode"

	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/fakeidp"
)

// This file holds the rapid generators of the property-based sequences:
// values both realistic and nasty. Generated users carry names without the
// run prefix and emails without a domain; [caseNames.user] applies both when
// a step runs, so that a replayed sequence makes resources of its own run.

// Realistic given and family names, with the scripts and punctuation real
// directories hold.
var realNames = []string{
	"Ada", "Zoë", "Łukasz", "José", "Björk", "O'Brien", "Nguyễn", "김민준", "Søren", "Siobhán",
	"Ольга", "محمد", "李小龍", "Anne-Marie", "Émilie", "Þór", "Ana María", "Jean-Luc", "Ōsaka", "Δημήτρης",
}

var departments = []string{"Engineering", "Sales", "R&D", "Forschung & Entwicklung", "財務", "Ventas / LatAm", "Quality"}

var phoneNumbers = []string{"+1 555 0100", "+44 20 7946 0958", "(555) 010-1234 ext. 7", "+49 (0)30 901820", "tel:+1-201-555-0123", "+81 3-1234-5678"}

// nastyRunes are printable runes of many scripts, punctuation and symbols
// (emoji included), never control characters or lone combining marks.
var nastyRunes = rapid.RuneFrom([]rune("aZ09 -'.&/"), unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Han, unicode.Hangul, unicode.Arabic, unicode.So, unicode.Pd, unicode.Sc)

// textGen returns realistic or nasty text of 1..maxRunes runes, never with
// leading or trailing space (servers may trim; that is not what is tested).
func textGen(maxRunes int) *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom(realNames),
		rapid.Map(rapid.StringOfN(nastyRunes, 1, maxRunes, -1), tidy),
	)
}

// longText sometimes returns a long string (up to 256 runes).
var longText = rapid.OneOf(textGen(24), rapid.Map(rapid.StringOfN(nastyRunes, 100, 256, -1), tidy))

func tidy(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "x"
	}
	return s
}

// userNameGen is the part of a userName after the case prefix: login-like,
// sometimes with non-ASCII letters, never with spaces or quotes.
var userNameGen = rapid.OneOf(
	rapid.StringMatching(`[a-z][a-z0-9._-]{0,15}`),
	rapid.Map(rapid.StringOfN(rapid.RuneFrom([]rune("._-"), unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Han), 1, 40, -1), func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || r == '"' || r == '\\' {
				return '_'
			}
			return r
		}, s)
	}),
)

var emailLocalGen = rapid.StringMatching(`[a-z][a-z0-9]{0,10}(\.[a-z0-9]{1,8})?(\+[a-z0-9]{1,6})?`)

// emailsGen generates min to 2 e-mails. A generated user always has one: a
// server may require an e-mail its /Schemas calls optional, and that is
// create-minimal's finding, not every sequence's.
func emailsGen(min int) *rapid.Generator[[]fakeidp.Email] {
	return rapid.Custom(func(t *rapid.T) []fakeidp.Email {
		n := rapid.IntRange(min, 2).Draw(t, "emailCount")
		var out []fakeidp.Email
		types := []string{"work", "home"}
		for i := range n {
			out = append(out, fakeidp.Email{Value: emailLocalGen.Draw(t, "emailLocal"), Type: types[i], Primary: i == 0 && rapid.Bool().Draw(t, "primary")})
		}
		return out
	})
}

func phonesGen() *rapid.Generator[[]fakeidp.Phone] {
	return rapid.Custom(func(t *rapid.T) []fakeidp.Phone {
		n := rapid.IntRange(0, 2).Draw(t, "phoneCount")
		var out []fakeidp.Phone
		types := []string{"work", "mobile"}
		for i := range n {
			v := rapid.OneOf(rapid.SampledFrom(phoneNumbers), rapid.StringMatching(`\+[1-9][0-9]{6,12}`)).Draw(t, "phone")
			out = append(out, fakeidp.Phone{Value: v, Type: types[i]})
		}
		return out
	})
}

func enterpriseGen() *rapid.Generator[*fakeidp.Enterprise] {
	return rapid.Custom(func(t *rapid.T) *fakeidp.Enterprise {
		if !rapid.Bool().Draw(t, "hasEnterprise") {
			return nil
		}
		opt := func(g *rapid.Generator[string], label string) string {
			if rapid.Bool().Draw(t, label+"Set") {
				return g.Draw(t, label)
			}
			return ""
		}
		e := &fakeidp.Enterprise{
			EmployeeNumber: opt(rapid.StringMatching(`[0-9]{1,8}`), "employeeNumber"),
			Department:     opt(rapid.OneOf(rapid.SampledFrom(departments), textGen(40)), "department"),
			CostCenter:     opt(rapid.StringMatching(`CC-[0-9]{3,5}`), "costCenter"),
			Organization:   opt(textGen(30), "organization"),
		}
		if *e == (fakeidp.Enterprise{}) {
			return nil
		}
		return e
	})
}

// userGen generates a user's attributes; userName is given (without the
// case prefix). Optional attributes are often empty; the enterprise
// extension is drawn only when the server declares it.
func userGen(userName string, enterprise bool) *rapid.Generator[fakeidp.User] {
	return rapid.Custom(func(t *rapid.T) fakeidp.User {
		opt := func(g *rapid.Generator[string], label string) string {
			if rapid.Bool().Draw(t, label+"Set") {
				return g.Draw(t, label)
			}
			return ""
		}
		u := fakeidp.User{
			UserName:    userName,
			ExternalID:  opt(rapid.StringMatching(`[a-f0-9]{8}`), "externalId"),
			DisplayName: opt(longText, "displayName"),
			Name: fakeidp.Name{
				GivenName:  opt(textGen(32), "givenName"),
				FamilyName: opt(textGen(32), "familyName"),
			},
			Title:        opt(textGen(40), "title"),
			Emails:       emailsGen(1).Draw(t, "emails"),
			PhoneNumbers: phonesGen().Draw(t, "phoneNumbers"),
			Active:       rapid.IntRange(0, 4).Draw(t, "activeRoll") > 0,
		}
		if enterprise {
			u.Enterprise = enterpriseGen().Draw(t, "enterprise")
		}
		return u
	})
}

// Attributes a generated PATCH may change.
const (
	attrDisplayName = "displayName"
	attrTitle       = "title"
	attrGivenName   = "name.givenName"
	attrEmails      = "emails"
	attrPhones      = "phoneNumbers"
	attrDepartment  = "department"
)

// changesGen generates one to three attribute changes for a PATCH of u.
func changesGen(u fakeidp.User, enterprise bool) *rapid.Generator[[]Change] {
	return rapid.Custom(func(t *rapid.T) []Change {
		attrs := []string{attrDisplayName, attrTitle, attrGivenName, attrEmails, attrPhones}
		if enterprise {
			attrs = append(attrs, attrDepartment)
		}
		picked := rapid.SliceOfNDistinct(rapid.SampledFrom(attrs), 1, 3, rapid.ID[string]).Draw(t, "patchAttrs")
		var out []Change
		for _, a := range picked {
			c := Change{Attr: a}
			// Remove only what has a value: removing an unassigned attribute is
			// a corner the RFC leaves open (PROTO-PATCH-018).
			if hasValue(u, a) && rapid.IntRange(0, 3).Draw(t, "removeRoll") == 0 {
				c.Remove = true
				out = append(out, c)
				continue
			}
			switch a {
			case attrEmails:
				c.Emails = emailsGen(0).Draw(t, "emails")
				if len(c.Emails) == 0 {
					c.Remove = hasValue(u, a)
					if !c.Remove {
						continue
					}
				}
			case attrPhones:
				c.Phones = phonesGen().Draw(t, "phoneNumbers")
				if len(c.Phones) == 0 {
					c.Remove = hasValue(u, a)
					if !c.Remove {
						continue
					}
				}
			case attrDisplayName:
				// Sometimes the value it already has: a no-op replace.
				if u.DisplayName != "" && rapid.IntRange(0, 4).Draw(t, "sameRoll") == 0 {
					c.Text = u.DisplayName
				} else {
					c.Text = longText.Draw(t, "text")
				}
			default:
				c.Text = textGen(40).Draw(t, "text")
			}
			out = append(out, c)
		}
		return out
	})
}

func hasValue(u fakeidp.User, attr string) bool {
	switch attr {
	case attrDisplayName:
		return u.DisplayName != ""
	case attrTitle:
		return u.Title != ""
	case attrGivenName:
		return u.Name.GivenName != ""
	case attrEmails:
		return len(u.Emails) > 0
	case attrPhones:
		return len(u.PhoneNumbers) > 0
	case attrDepartment:
		return u.Enterprise != nil && u.Enterprise.Department != ""
	}
	return false
}

// groupNameGen is the part of a group's displayName after the case prefix.
var groupNameGen = rapid.OneOf(
	rapid.SampledFrom([]string{"Engineering", "Sales EMEA", "Ünternehmen", "財務部", "Ops & SRE", "All Staff (2026)"}),
	rapid.Map(rapid.StringOfN(nastyRunes, 1, 60, -1), tidy),
)
