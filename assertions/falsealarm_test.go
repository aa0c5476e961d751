package assertions

import "testing"

// Legal variation that real servers showed and that must not fail a check:
// each answer here is one the RFC allows.

// TestSearchAnswered: a Location header on a search answer is allowed (RFC
// 7644 Figure 5 sends one); a created resource or a non-200 is not.
func TestSearchAnswered(t *testing.T) {
	list := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`
	if err := SearchAnswered(bad("POST", "/Users/.search", 200, list, "Location", "https://example.com/.search")); err != nil {
		t.Errorf("a 200 ListResponse with Location: %v, want no error", err)
	}
	if SearchAnswered(bad("POST", "/Users/.search", 201, `{"id":"1","meta":{"resourceType":"User"}}`)) == nil {
		t.Error("a 201 create passed as a search answer")
	}
	if SearchAnswered(bad("POST", "/Users/.search", 200, `{"id":"1","meta":{"resourceType":"User"}}`)) == nil {
		t.Error("a 200 resource with meta passed as a search answer")
	}
}

// TestUnauthorizedBodyWithoutDetail: detail is OPTIONAL (RFC 7644 §3.12).
func TestUnauthorizedBodyWithoutDetail(t *testing.T) {
	ok := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401"}`
	if err := UnauthorizedBody(bad("GET", "/Users", 401, ok)); err != nil {
		t.Errorf("a 401 Error without detail: %v, want no error", err)
	}
	if UnauthorizedBody(bad("GET", "/Users", 401, `{"status":401}`)) == nil {
		t.Error("a 401 without the Error schema and with a numeric status passed")
	}
}

// TestNoDuplicateGroupNames: Group.displayName has uniqueness "none" (RFC
// 7643 §8.7.1), userName is unique (§4.1.1).
func TestNoDuplicateGroupNames(t *testing.T) {
	groups := `{"Resources":[{"id":"1","displayName":"g"},{"id":"2","displayName":"g"}]}`
	if err := NoDuplicate(bad("GET", "/Groups", 200, groups), "displayName", "g"); err != nil {
		t.Errorf("two groups named g: %v, want no error", err)
	}
	users := `{"Resources":[{"id":"1","userName":"u"},{"id":"2","userName":"U"}]}`
	if NoDuplicate(bad("GET", "/Users", 200, users), "userName", "u") == nil {
		t.Error("two users named u passed")
	}
}
