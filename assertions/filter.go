package assertions

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/scimloop/scimloop/fakeidp"
)

var filterChecks = area("filter", []Check{
	{ID: "filter-empty-result", Title: "A query with no match is 200 with totalResults 0", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2",
		Spec: []string{"PROTO-STATUS-004"}, Rule: "a query that matches nothing is answered 200 with a ListResponse whose totalResults is 0, never 404"},
	{ID: "filter-eq-exact", Title: "eq returns exactly the matching resources", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-002"}, Rule: "only the resources that match the filter are returned"},
	{ID: "filter-username-case-insensitive", Title: "userName eq matches regardless of case", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.2; RFC 7643 §4.1.1",
		Spec: []string{"PROTO-FILTER-004", "SCHEMA-USER-003"}, Rule: "userName is caseExact=false: userName eq \"ALICE\" matches alice"},
	{ID: "filter-caseexact", Title: "caseExact attributes compare case-sensitively", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.2; RFC 7643 §3.1",
		Spec: []string{"PROTO-FILTER-005"}, Capability: fakeidp.CapFilter, Rule: "externalId is caseExact: a filter differing only in case matches nothing"},
	{ID: "filter-attr-names-case-insensitive", Title: "Attribute names and operators in filters ignore case", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 defines attribute names in filters as case insensitive; RFC 7643 §2.1 likewise", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-003"}, Capability: fakeidp.CapFilter, Rule: "attribute names and operators in a filter are case-insensitive: USERNAME EQ equals userName eq"},
	{ID: "filter-ne", Title: "ne excludes the identical value", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 Table 3 defines ne; a server that filters implements the operators as defined", RFC: "RFC 7644 §3.4.2.2, Table 3",
		Spec: []string{"PROTO-FILTER-006"}, Capability: fakeidp.CapFilter, Rule: "ne matches when the values are not identical"},
	{ID: "filter-co", Title: "co is a substring match, also on emails.value", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 Table 3 defines co; a server that filters implements the operators as defined", RFC: "RFC 7644 §3.4.2.2, Table 3",
		Spec: []string{"PROTO-FILTER-007"}, Capability: fakeidp.CapFilter, Rule: "co matches when the value contains the operand, including sub-attributes of multi-valued attributes"},
	{ID: "filter-sw", Title: "sw is a prefix match, satisfied by the whole value", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 Table 3 defines sw; a server that filters implements the operators as defined", RFC: "RFC 7644 §3.4.2.2, Table 3",
		Spec: []string{"PROTO-FILTER-008"}, Capability: fakeidp.CapFilter, Rule: "sw matches values that start with the operand, identical strings included, ignoring case on a caseExact=false attribute such as userName"},
	{ID: "filter-ew", Title: "ew is a suffix match", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 Table 3 defines ew; a server that filters implements the operators as defined", RFC: "RFC 7644 §3.4.2.2, Table 3",
		Spec: []string{"PROTO-FILTER-009"}, Capability: fakeidp.CapFilter, Rule: "ew matches values that end with the operand"},
	{ID: "filter-pr", Title: "pr matches assigned values only", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 Table 3 defines pr; a server that filters implements the operators as defined", RFC: "RFC 7644 §3.4.2.2, Table 3",
		Spec: []string{"PROTO-FILTER-010"}, Capability: fakeidp.CapFilter, Rule: "pr matches resources where the attribute has a non-empty value"},
	{ID: "filter-ordering", Title: "gt/ge/lt/le compare strings and dateTimes", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 Table 3 defines gt, ge, lt, le per attribute type; a server that filters implements them", RFC: "RFC 7644 §3.4.2.2, Table 3",
		Spec: []string{"PROTO-FILTER-011"}, Capability: fakeidp.CapFilter, Rule: "gt, ge, lt and le compare strings lexicographically and dateTimes (meta.created, meta.lastModified) chronologically"},
	{ID: "filter-logical", Title: "and, or and not combine expressions", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 Table 4 defines and, or, not; a server that filters implements them", RFC: "RFC 7644 §3.4.2.2, Table 4",
		Spec: []string{"PROTO-FILTER-013"}, Capability: fakeidp.CapFilter, Rule: "and, or and not combine filter expressions as logic says"},
	{ID: "filter-precedence", Title: "Without parentheses, and binds tighter than or", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-014"}, Capability: fakeidp.CapFilter, Rule: "filters are evaluated in order of precedence, not before and before or: a or b and c means a or (b and c)"},
	{ID: "filter-grouping", Title: "Parentheses group filter expressions", Level: lMay, Keyword: "MAY", RFC: "RFC 7644 §3.4.2.2, Table 5",
		Spec: []string{"PROTO-FILTER-014"}, Capability: fakeidp.CapFilter, Rule: "grouping with parentheses is a server option; where offered, the grouped expression is evaluated first"},
	{ID: "filter-declined-invalidfilter", Title: "A declined filter is answered 400 invalidFilter", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.4.2.2, Table 9",
		Spec: []string{"PROTO-FILTER-019"}, Capability: fakeidp.CapFilter, Rule: "a server that does not support a filter operation (or an attribute and operator combination) declines it with 400 and scimType invalidFilter, not another status or error type"},
	{ID: "filter-value-path", Title: "A complex filter applies to one and the same value", Level: lMay, Keyword: "MAY", RFC: "RFC 7644 §3.4.2.2, Table 5",
		Spec: []string{"PROTO-FILTER-015"}, Capability: fakeidp.CapFilter, Rule: "emails[type eq \"work\" and value ew \"x\"] matches only when one email satisfies both"},
	{ID: "filter-multi-valued", Title: "A filter on a multi-valued attribute matches any value", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 defines a filter on a multi-valued attribute as matching when any value matches", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-016"}, Capability: fakeidp.CapFilter, Rule: "a filter on a multi-valued attribute matches when any of its values matches"},
	{ID: "filter-sub-attribute", Title: "Dotted sub-attributes can be filtered", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2's MUST to name sub-attributes in dotted notation binds the filter; a server that filters evaluates that notation", RFC: "RFC 7644 §3.4.2.2, §3.10",
		Spec: []string{"PROTO-FILTER-017"}, Capability: fakeidp.CapFilter, Rule: "sub-attributes of complex attributes are filtered with dotted notation: name.familyName eq \"X\""},
	{ID: "filter-urn-path", Title: "URN-qualified attribute paths filter like short names", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.10 defines the URN-qualified attribute notation that §3.4.2.2 filters use", RFC: "RFC 7644 §3.4.2.2, §3.10",
		Spec: []string{"PROTO-FILTER-018", "SCHEMA-ENT-004"}, Capability: fakeidp.CapFilter, Rule: "an attribute path may carry its schema URN, and extension attributes are addressed by theirs"},
	{ID: "filter-json-values", Title: "Comparison values follow JSON (escapes, booleans)", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2's filter grammar (Figure 1) takes comparison values as JSON literals; a server that filters parses them so", RFC: "RFC 7644 §3.4.2.2, Figure 1",
		Spec: []string{"PROTO-FILTER-022"}, Capability: fakeidp.CapFilter, Rule: "comparison values are JSON: quoted strings with escapes, true and false"},
	{ID: "filter-defaulted", Title: "A defaulted attribute filters by the value returned", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-024"}, Capability: fakeidp.CapFilter, Rule: "for an attribute the server defaulted, filters compare against the value it last returned"},
	{ID: "filter-root-query", Title: "A root query treats undefined attributes as unassigned", Level: lMust, Keyword: "SHALL", RFC: "RFC 7644 §3.4.2.1",
		Spec: []string{"PROTO-FILTER-025"}, Capability: fakeidp.CapFilter, Rule: "in a query across resource types, an attribute a type does not define has no value: eq and pr do not match it"},
	{ID: "filter-idp-minimum", Title: "The IdP matching filters return exactly the match", Level: lIDP, Keyword: "IDP", RFC: "Entra ID and Okta provisioning",
		Spec: []string{"PROTO-FILTER-027", "PROTO-LIST-006", "IDP-ENTRA-003"}, Rule: "id eq, externalId eq, emails[type eq \"work\"].value eq and Group displayName eq each return exactly the match, as a ListResponse; declining a filter the IdP sends (these, userName eq, and, members[value eq]) breaks that IdP"},
	{ID: "filter-membership", Title: "Group membership can be filtered", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.4.2.2 defines filters on multi-valued sub-attributes (members.value) like any other", RFC: "RFC 7644 §3.4.2.2",
		Spec: []string{"PROTO-FILTER-028"}, Capability: fakeidp.CapFilter, Rule: "id eq \"g\" and members[value eq \"u\"] finds the group exactly when u is a member (declining it is an IdP incompatibility, judged by filter-idp-minimum)"},
})

// FilterAnswer is how a server answered a filter query.
type FilterAnswer int

// What a filter query can get back.
const (
	FilterAccepted    FilterAnswer = iota // any other status: judged by its results
	FilterDeclined                        // 400, 403, 405, 422 or 501: the server will not run the filter
	FilterServerError                     // a 5xx other than 501
	FilterNoAnswer                        // no usable answer (timeout, reset)
)

// declineStatuses are the answers by which a server refuses to run a filter
// rather than failing at it: 400 (RFC 7644 §3.4.2.2 wants 400 invalidFilter),
// and 403, 405, 422 and 501, which say "not here" in other words.
var declineStatuses = []int{400, 403, 405, 422, 501}

// ClassifyFilter tells what kind of answer ex is to a filter query.
func ClassifyFilter(ex *fakeidp.Exchange) FilterAnswer {
	switch {
	case ex == nil || ex.Status == 0:
		return FilterNoAnswer
	case slices.Contains(declineStatuses, ex.Status):
		return FilterDeclined
	case ex.Status >= 500:
		return FilterServerError
	}
	return FilterAccepted
}

// DeclineAnswer names how a filter was declined: "400 invalidFilter", "400
// invalidValue", "400 without scimType", "501".
func DeclineAnswer(ex *fakeidp.Exchange) string {
	if ex.Status != 400 {
		return strconv.Itoa(ex.Status)
	}
	if t := fakeidp.Get(ex.RespBody, "scimType").String(); t != "" {
		return "400 " + t
	}
	return "400 without scimType"
}

// FilterDeclineLabelled judges a declined filter: RFC 7644 §3.4.2.2 wants
// 400 with scimType invalidFilter, which Table 9 also gives for an attribute
// and operator combination the server does not support. scimType is
// OPTIONAL in general (§3.12), but this sentence names it.
func FilterDeclineLabelled(ex *fakeidp.Exchange) error {
	if ex.Status == 400 && fakeidp.Get(ex.RespBody, "scimType").String() == "invalidFilter" {
		return nil
	}
	return fmt.Errorf("%s = %s, want 400 with scimType \"invalidFilter\" to decline a filter the server does not support", op(ex), DeclineAnswer(ex))
}

// FilterFailed explains a filter query that got a 5xx or no answer, where a
// server that filters answers 200 with the matches or declines with 400
// invalidFilter.
func FilterFailed(ex *fakeidp.Exchange) error {
	got := strconv.Itoa(ex.Status)
	if ex.Status == 0 {
		got = "no answer"
		if ex.Err != nil {
			got += " (" + ex.Err.Error() + ")"
		}
	}
	return fmt.Errorf("%s = %s, want 200 with the matches, or 400 invalidFilter to decline the filter", op(ex), got)
}

// FilterDeclinedForIdP explains a declined filter that an IdP sends (form,
// e.g. `externalId eq`): the IdP cannot work with the server.
func FilterDeclinedForIdP(ex *fakeidp.Exchange, form, who string) error {
	return fmt.Errorf("%s = %s: the server declines %s, which %s", op(ex), DeclineAnswer(ex), form, who)
}

// FilterSpellingDeclined explains a declined filter that only spells
// differently (case, a URN prefix) a form the server filters: attribute
// names and operators are case-insensitive (RFC 7644 §3.4.2.2) and a URN
// prefix is part of the attribute notation (§3.10).
func FilterSpellingDeclined(ex *fakeidp.Exchange, operator, attr string) error {
	return fmt.Errorf("%s = %s, yet the server filters %s on %s: it declines only this spelling of it", op(ex), DeclineAnswer(ex), operator, attr)
}
