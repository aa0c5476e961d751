package assertions

import "testing"

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
