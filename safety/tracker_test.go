package safety

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
)

// TestGuardComparesIDsExactly: an id the run refused ("3") blocks a write
// only where the write names it exactly: as a path segment or a JSON string
// value, never as a substring of another id, name or number.
func TestGuardComparesIDsExactly(t *testing.T) {
	tr := NewTracker(0)
	tr.Add("User", "13", "scimloop-abcd-user-1")
	tr.Add("Group", "4", "scimloop-abcd-group-1")
	tr.Refuse("3")
	for _, tc := range []struct {
		req     fakeidp.Request
		blocked bool
	}{
		{fakeidp.Request{Method: http.MethodPatch, Path: "/Users/13", Body: []byte(`{"Operations":[{"op":"replace","path":"title","value":"user-3 of 33"}]}`)}, false},
		{fakeidp.Request{Method: http.MethodPost, Path: "/Users", Body: []byte(`{"userName":"scimloop-abcd-user-3","count":3}`)}, false},
		{fakeidp.Request{Method: http.MethodPut, Path: "/Users/13", Body: []byte(`{"id":"13","phoneNumbers":[{"value":"+1 555 0133"}]}`)}, false},
		{fakeidp.Request{Method: http.MethodDelete, Path: "/Users/3"}, true},
		{fakeidp.Request{Method: http.MethodPatch, Path: "/Groups/4", Body: []byte(`{"Operations":[{"op":"add","path":"members","value":[{"value":"3"}]}]}`)}, true},
		{fakeidp.Request{Method: http.MethodPost, Path: "/Bulk", Body: []byte(`{"Operations":[{"method":"DELETE","path":"/Users/3"}]}`)}, true},
		{fakeidp.Request{Method: http.MethodPatch, Path: "/Groups/4", Body: []byte(`{"Operations":[{"op":"remove","path":"members[value eq \"3\"]"}]}`)}, true},
		{fakeidp.Request{Method: http.MethodPatch, Path: "/Groups/4", Body: []byte(`{"Operations":[{"op":"remove","path":"members[value eq \"13\"]"}]}`)}, false},
	} {
		err := tr.CheckWrite(context.Background(), nil, tc.req)
		if blocked := err != nil; blocked != tc.blocked {
			t.Errorf("%s %s %s: blocked = %v (%v), want %v", tc.req.Method, tc.req.Path, tc.req.Body, blocked, err, tc.blocked)
		} else if blocked && !strings.Contains(err.Error(), `"3"`) {
			t.Errorf("the refusal does not name the id: %v", err)
		}
	}
}
