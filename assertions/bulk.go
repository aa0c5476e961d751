package assertions

import (
	"fmt"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
)

var bulkChecks = area("bulk", []Check{
	{ID: "bulk-response", Title: "POST /Bulk answers a BulkResponse", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.7 defines the BulkResponse message the server answers with", RFC: "RFC 7644 §3.7",
		Spec: []string{"PROTO-BULK-001"}, Capability: fakeidp.CapBulk, Rule: "POST /Bulk takes a BulkRequest and answers 200 with a BulkResponse"},
	{ID: "bulk-partial-200", Title: "A bulk job with a failed operation still answers 200", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.7",
		Spec: []string{"PROTO-BULK-002"}, Capability: fakeidp.CapBulk, Rule: "a processed bulk job answers 200 even when some of its operations failed"},
	{ID: "bulk-result-fields", Title: "Every processed operation has a result with method, status and location", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.7, §3.7.3",
		Spec: []string{"PROTO-BULK-003", "PROTO-BULK-012"}, Capability: fakeidp.CapBulk, Rule: "the response holds one result per processed operation, each with method and status, a location unless a POST failed, and a POST's bulkId"},
	{ID: "bulk-error-response", Title: "A failed operation carries a SCIM error", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.7",
		Spec: []string{"PROTO-BULK-005"}, Capability: fakeidp.CapBulk, Rule: "an operation that failed has a response holding a SCIM Error body"},
	{ID: "bulk-bulkid-resolved", Title: "bulkId references become the new ids", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.7.2",
		Spec: []string{"PROTO-BULK-006", "PROTO-BULK-013"}, Capability: fakeidp.CapBulk, Rule: "\"bulkId:q\" in a later operation is replaced by the id of the resource created with bulkId q"},
	{ID: "bulk-bulkid-extension", Title: "bulkId references resolve inside extensions", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.7.2",
		Spec: []string{"PROTO-BULK-007"}, Capability: fakeidp.CapBulk, Rule: "a bulkId reference in the enterprise manager.value is resolved like any other"},
	{ID: "bulk-fail-on-errors", Title: "failOnErrors stops the job after that many errors", Level: lMust, Keyword: "DERIVED", Derived: "RFC 7644 §3.7 defines failOnErrors as the error count after which processing stops", RFC: "RFC 7644 §3.7, §3.7.3",
		Spec: []string{"PROTO-BULK-008"}, Capability: fakeidp.CapBulk, Rule: "with failOnErrors 1 the provider stops after the first error and does not apply the operations after it"},
	{ID: "bulk-continue-on-error", Title: "Without failOnErrors the job goes on after an error", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.7",
		Spec: []string{"PROTO-BULK-009"}, Capability: fakeidp.CapBulk, Rule: "without failOnErrors the provider keeps processing after a failed operation"},
	{ID: "bulk-circular", Title: "Circular bulkId references resolve or fail with 409", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.7.1",
		Spec: []string{"PROTO-BULK-010"}, Capability: fakeidp.CapBulk, Rule: "the provider tries to resolve circular references; when it cannot, the operations fail with 409, never a 5xx"},
	{ID: "bulk-too-many", Title: "More than maxOperations gets 413 naming the limit", Level: lMust, Keyword: "MUST", RFC: "RFC 7644 §3.7.4",
		Spec: []string{"PROTO-BULK-011", "PROTO-STATUS-014"}, Capability: fakeidp.CapBulk, Rule: "a bulk request over maxOperations or maxPayloadSize is answered 413 with an error whose detail names the limit"},
	{ID: "bulk-post-needs-bulkid", Title: "A POST operation without bulkId is refused", Level: lShould, Keyword: "SHOULD", RFC: "RFC 7644 §3.12, Table 8; §3.7",
		Spec: []string{"PROTO-BULK-015"}, Capability: fakeidp.CapBulk, Rule: "bulkId is REQUIRED on POST operations: one without it fails with status 400"},
	{ID: "bulk-no-bulkid-in-ids", Title: "No id contains the string bulkId", Level: lMust, Keyword: "MUST NOT", RFC: "RFC 7643 §3.1",
		Spec: []string{"SCHEMA-ID-006"}, Capability: fakeidp.CapBulk, Rule: "the string \"bulkId\" is reserved and must not appear in any id"},
})

// BulkOp is one result of a BulkResponse.
type BulkOp struct {
	Method, BulkID, Location string
	Status                   int
	Response                 []byte
}

// BulkResults reads the results of a BulkResponse, accepting both status
// forms of RFC 7644 ("201" and {"code":"201"}).
func BulkResults(ex *fakeidp.Exchange) []BulkOp {
	var out []BulkOp
	for _, r := range fakeidp.Get(ex.RespBody, "Operations").Array() {
		st := fakeidp.Lookup(r, "status")
		if st.IsObject() {
			st = fakeidp.Lookup(st, "code")
		}
		var code int
		fmt.Sscan(st.String(), &code)
		out = append(out, BulkOp{Method: strings.ToUpper(fakeidp.Lookup(r, "method").String()), BulkID: fakeidp.Lookup(r, "bulkId").String(),
			Location: fakeidp.Lookup(r, "location").String(), Status: code, Response: []byte(fakeidp.Lookup(r, "response").Raw)})
	}
	return out
}

// BulkResultFields judges every result's fields.
func BulkResultFields(ex *fakeidp.Exchange, sent int) error {
	res := BulkResults(ex)
	if len(res) != sent {
		return fmt.Errorf("%s = %d results for %d operations, want one per processed operation", op(ex), len(res), sent)
	}
	for i, r := range res {
		switch {
		case r.Method == "" || r.Status == 0:
			return fmt.Errorf("%s = result %d without method or status, want both", op(ex), i)
		case r.Status < 300 && r.Location == "":
			return fmt.Errorf("%s = result %d (%s %d) without location, want the resource's URI", op(ex), i, r.Method, r.Status)
		case r.Method == "POST" && r.BulkID == "":
			return fmt.Errorf("%s = result %d (POST) without bulkId, want the request's bulkId echoed", op(ex), i)
		}
	}
	return nil
}
