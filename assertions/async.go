package assertions

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// asyncChecks judge asynchronous requests (RFC 9967 §2.5.1.1, §3), only on
// a server whose ServiceProviderConfig advertises securityEvents.asyncRequest
// "long" or "request". What the RFC sends as a Security Event Token (the
// txn claim, Bulk completions) is not seen over SCIM HTTP and is not judged;
// Preference-Applied is described, not required, and is not judged either.
var asyncChecks = area("async", []Check{
	{ID: "async-202-no-body", Title: "A 202 answer to respond-async has no body", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 9967 §2.5.1.1",
		Spec: []string{"PROTO-ASYNC-005"}, Capability: fakeidp.CapAsync,
		Rule: "when the server accepts a write for asynchronous processing (202 Accepted), the answer carries no body"},
	{ID: "async-202-set-txn", Title: "A 202 answer carries Set-Txn", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 9967 §3",
		Spec: []string{"PROTO-ASYNC-006"}, Capability: fakeidp.CapAsync,
		Rule: "a 202 Accepted answer without a body carries a non-empty Set-Txn header, the value the completion event will bear"},
	{ID: "async-set-txn-unique", Title: "Each 202 answer has its own Set-Txn", Level: reports.LevelMust, Keyword: KeywordDerived, RFC: "RFC 9967 §3",
		Derived: "§3 defines the Set-Txn value as a unique string by which the client finds the one completion event of its request; a value repeated across requests matches two",
		Spec:    []string{"PROTO-ASYNC-007"}, Capability: fakeidp.CapAsync,
		Rule: "two writes accepted asynchronously get different Set-Txn values"},
	{ID: "async-202-location", Title: "A 202 answer carries a Location", Level: reports.LevelMust, Keyword: "MUST", RFC: "RFC 9967 §2.5.1.1",
		Spec: []string{"PROTO-ASYNC-010"}, Capability: fakeidp.CapAsync,
		Rule: "a 202 Accepted answer has a Location: a URI where the completion event can be fetched, or the resource's normal SCIM location"},
	{ID: "async-sync-answer-normal", Title: "A write not taken asynchronously gets its normal answer", Level: reports.LevelMust, Keyword: KeywordDerived, RFC: "RFC 9967 §2.5.1.1; RFC 7644 §3.3",
		Derived: "§2.5.1.1 has the server answer respond-async either with 202 or with the normal SCIM response, which for a create is RFC 7644 §3.3's 201 with the resource",
		Spec:    []string{"PROTO-ASYNC-004"}, Capability: fakeidp.CapAsync,
		Rule: "a create sent with Prefer: respond-async is answered either 202 Accepted or, as without the preference, 201 Created with the resource"},
	{ID: "async-create-takes-effect", Title: "A create accepted with 202 takes effect", Level: reports.LevelMust, Keyword: KeywordDerived, RFC: "RFC 9967 §2.5.1.1; RFC 7644 §3.3",
		Derived: "§2.5.1.1 performs a normal SCIM request asynchronously; a valid create of a new, uniquely named user, which RFC 7644 §3.3 has the server create, exists once processed",
		Spec:    []string{"PROTO-ASYNC-013"}, Capability: fakeidp.CapAsync,
		Rule: "after a 202 Accepted create, the user can be read back within the harness's bound (10 s)"},
	{ID: "async-update-takes-effect", Title: "A replace accepted with 202 takes effect", Level: reports.LevelMust, Keyword: KeywordDerived, RFC: "RFC 9967 §2.5.1.1; RFC 7644 §3.5.1",
		Derived: "§2.5.1.1 performs a normal SCIM request asynchronously; a valid PUT, which RFC 7644 §3.5.1 applies, shows in a read once processed",
		Spec:    []string{"PROTO-ASYNC-013"}, Capability: fakeidp.CapAsync,
		Rule: "after a 202 Accepted PUT, a read shows the new value within the harness's bound (10 s)"},
})

// AsyncNoBody judges a 202 answer: it must carry no body.
func AsyncNoBody(ex *fakeidp.Exchange) error {
	if n := len(strings.TrimSpace(string(ex.RespBody))); n > 0 {
		return fmt.Errorf("%s = 202 with a %d-byte body (%s), want no body", op(ex), n, clip(string(ex.RespBody), 80))
	}
	return nil
}

// AsyncSetTxn judges a 202 answer without a body: Set-Txn must be there.
func AsyncSetTxn(ex *fakeidp.Exchange) error {
	if strings.TrimSpace(ex.Header("Set-Txn")) == "" {
		return fmt.Errorf("%s = 202 without a Set-Txn header, want one naming the transaction", op(ex))
	}
	return nil
}

// AsyncTxnDistinct judges two 202 answers: their Set-Txn values differ. A
// missing value is AsyncSetTxn's finding, not this one's.
func AsyncTxnDistinct(a, b *fakeidp.Exchange) error {
	ta, tb := strings.TrimSpace(a.Header("Set-Txn")), strings.TrimSpace(b.Header("Set-Txn"))
	if ta != "" && ta == tb {
		return fmt.Errorf("%s and %s were both answered Set-Txn %q, want a value of their own each", op(a), op(b), clip(ta, 60))
	}
	return nil
}

// AsyncLocation judges a 202 answer's Location: present, and a URI
// (absolute or a reference, as the RFC's own example is). Which of the two
// URIs the RFC allows it is cannot be told from outside.
func AsyncLocation(ex *fakeidp.Exchange) error {
	loc := strings.Trim(strings.TrimSpace(ex.Header("Location")), `"`)
	if loc == "" {
		return fmt.Errorf("%s = 202 without a Location header, want the completion event's URI or the resource's location", op(ex))
	}
	if _, err := url.Parse(loc); err != nil || strings.ContainsAny(loc, " \t") {
		return fmt.Errorf("%s = 202 with Location %q, which is not a URI", op(ex), clip(loc, 80))
	}
	return nil
}

// AsyncNormalCreate judges a create sent with respond-async that was not
// answered 202: the answer must be the normal one, 201 with the resource.
// A refusal is a normal answer too, judged by the checks of creates.
func AsyncNormalCreate(ex *fakeidp.Exchange) error {
	if ex.Status >= 400 {
		return nil
	}
	if ex.Status != http.StatusCreated {
		return fmt.Errorf("%s with Prefer: respond-async = %d%s, want 202 Accepted or the normal 201 Created", op(ex), ex.Status, bodyNote(ex))
	}
	return HasID(ex.RespBody)
}

// bodyNote says what body an answer had, for messages.
func bodyNote(ex *fakeidp.Exchange) string {
	if len(ex.RespBody) == 0 {
		return " with no body"
	}
	return ""
}

// ReadBackShows judges a read made after an asynchronous write: 200 with
// the attribute at path equal to want (caseless, as userName is).
func ReadBackShows(get *fakeidp.Exchange, want string, path ...string) error {
	if err := Status(get, http.StatusOK); err != nil {
		return err
	}
	if got := fakeidp.Get(get.RespBody, path...).String(); !strings.EqualFold(got, want) {
		return fmt.Errorf("%s = 200 with %s %q, want %q", op(get), strings.Join(path, "."), clip(got, 60), clip(want, 60))
	}
	return nil
}
