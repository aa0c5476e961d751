package refserver

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scim2/filter-parser/v2"
)

// Faults only the schema properties catch (sequences/schemaprop.go).
const (
	fEmptyCanonicalValues    = "empty-canonical-values"
	fDecimalTruncated        = "decimal-truncated"
	fDateTimeRewritten       = "datetime-rewritten"
	fWriteOnlyReturned       = "writeonly-returned"
	fImmutableChanges        = "immutable-changes"
	fSubAttrDroppedOnReplace = "subattribute-dropped-on-replace"
	fPrimaryNotExclusive     = "primary-not-exclusive-on-patch"
	fIntegersComparedAsText  = "integers-compared-as-text"
)

var schemaFaults = []Fault{
	should(fEmptyCanonicalValues, "roles.type and x509Certificates.type are declared with an empty canonicalValues list, and every value sent for them is refused with 400"),
	idp(fDecimalTruncated, "entra", "decimal attributes (the workforce extension's hourlyRate) are stored without their fraction"),
	idp(fDateTimeRewritten, "entra", "dateTime attributes (the workforce extension's hireDate) keep their digits but lose their offset, which moves the instant"),
	conformance(fWriteOnlyReturned, "the response to a PUT or PATCH carries the writeOnly password (its stored hash)"),
	conformance(fImmutableChanges, "every PUT or PATCH re-issues the immutable badgeId of the workforce extension"),
	conformance(fSubAttrDroppedOnReplace, "PATCH replace of a complex attribute with a path drops the sub-attributes the value does not name"),
	conformance(fPrimaryNotExclusive, "PATCH add of a primary value to a multi-valued attribute other than emails leaves the old primary value primary too"),
	conformance(fIntegersComparedAsText, "filters compare integer attributes (the workforce extension's level) as text, not by numeric value: level 10 is not gt 9"),
}

// This file holds the workforce extension, which gives the reference
// server a decimal, a dateTime, an integer and an immutable attribute for
// the schema properties to exercise, and the misbehaviours of the faults
// that only those properties catch (declared above, in schemaFaults).

// urnWorkforce is the reference server's own User extension.
const urnWorkforce = "urn:scimloop:schemas:extension:workforce:2.0:User"

func buildWorkforceSchema() *schemaDef {
	badge := str("badgeId", "The badge printed for the User at hire; set once, never changed.")
	badge.Mutability = mImmutable
	badge.CaseExact = true
	return &schemaDef{
		ID:          urnWorkforce,
		Name:        "WorkforceUser",
		Description: "Workforce details of a User",
		Attributes: []*attrDef{
			withType(str("hourlyRate", "The User's internal hourly cost rate, in the organization's currency."), tDecimal),
			withType(str("hireDate", "When the User was hired."), tDateTime),
			withType(str("level", "The User's job level."), tInteger),
			badge,
		},
	}
}

// emptyCanonicalOn reports whether the empty-canonical-values fault
// declares an empty canonicalValues list on sub of a (and refuses every
// value of it): the type of roles and of x509Certificates.
func emptyCanonicalOn(a, sub *attrDef) bool {
	return sub != nil && sub.Name == "type" && (a.Name == "roles" || a.Name == "x509Certificates")
}

// declareEmptyCanonical gives the schema document's roles.type and
// x509Certificates.type an empty canonicalValues list.
func declareEmptyCanonical(doc map[string]any, a *attrDef) {
	subs, _ := doc["subAttributes"].([]any)
	for i, sd := range subs {
		if emptyCanonicalOn(a, a.sub(sd.(map[string]any)["name"].(string))) {
			m := copyMap(sd.(map[string]any))
			m["canonicalValues"] = []any{}
			subs[i] = m
		}
	}
}

// rewriteZone keeps a dateTime's wall-clock digits and replaces its offset
// with Z: the datetime-rewritten fault, which moves the instant.
func rewriteZone(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC).Format(time.RFC3339Nano)
}

// truncate is the decimal-truncated fault: the fraction is dropped.
func truncate(f float64) float64 { return math.Trunc(f) }

// reissueImmutable is the immutable-changes fault: an update re-issues the
// User's immutable badgeId, though the request re-sent it unchanged or
// left it alone.
func reissueImmutable(attrs map[string]any) {
	ext, ok := attrs[urnWorkforce].(map[string]any)
	if !ok {
		return
	}
	if b, ok := ext["badgeId"].(string); ok {
		ext = copyMap(ext)
		ext["badgeId"] = strings.TrimSuffix(b, "-R") + "-R"
		attrs[urnWorkforce] = ext
	}
}

// showPassword is the writeonly-returned fault: the response to a PUT or
// PATCH carries the stored password (its hash).
func showPassword(out, attrs map[string]any) {
	if pw, ok := attrs["password"]; ok && out != nil {
		out["password"] = pw
	}
}

// textOrder compares integers as the integers-compared-as-text fault does:
// by their decimal text, as strings.
func textOrder(vals []any, op filter.CompareOperator, want float64) bool {
	w := strconv.FormatFloat(want, 'f', -1, 64)
	for _, v := range vals {
		if f, ok := v.(float64); ok && ordered(op, strings.Compare(strconv.FormatFloat(f, 'f', -1, 64), w)) {
			return true
		}
	}
	return false
}
