package assertions

import "testing"

// The cursor judges accept what RFC 9865 allows and refuse what it does not.
func TestCursorJudges(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"no pagination", SPCPagination(bad("GET", "/ServiceProviderConfig", 200, `{}`)), true},
		{"full pagination", SPCPagination(bad("GET", "/ServiceProviderConfig", 200,
			`{"pagination":{"cursor":true,"index":false,"defaultPaginationMethod":"cursor","defaultPageSize":10,"maxPageSize":50,"cursorTimeout":60}}`)), true},
		{"cursor missing", SPCPagination(bad("GET", "/ServiceProviderConfig", 200, `{"pagination":{"index":true}}`)), false},
		{"cursor a string", SPCPagination(bad("GET", "/ServiceProviderConfig", 200, `{"pagination":{"cursor":"true","index":true}}`)), false},
		{"unknown method", SPCPagination(bad("GET", "/ServiceProviderConfig", 200, `{"pagination":{"cursor":true,"index":true,"defaultPaginationMethod":"offset"}}`)), false},
		{"zero timeout", SPCPagination(bad("GET", "/ServiceProviderConfig", 200, `{"pagination":{"cursor":true,"index":true,"cursorTimeout":0}}`)), false},
		{"fractional page size", SPCPagination(bad("GET", "/ServiceProviderConfig", 200, `{"pagination":{"cursor":true,"index":true,"maxPageSize":2.5}}`)), false},
		{"url-safe cursors", CursorURLSafe(bad("GET", "/Users", 200, `{"nextCursor":"aZ09-._~","previousCursor":null}`)), true},
		{"no cursors", CursorURLSafe(bad("GET", "/Users", 200, `{"Resources":[]}`)), true},
		{"slash in cursor", CursorURLSafe(bad("GET", "/Users", 200, `{"nextCursor":"v1/abc"}`)), false},
		{"empty cursor", CursorURLSafe(bad("GET", "/Users", 200, `{"nextCursor":""}`)), false},
		{"numeric cursor", CursorURLSafe(bad("GET", "/Users", 200, `{"previousCursor":12}`)), false},
	} {
		if (tc.err == nil) != tc.ok {
			t.Errorf("%s: error %v, want ok=%v", tc.name, tc.err, tc.ok)
		}
	}
	if c, ok := Cursor(bad("GET", "/Users", 200, `{"nextCursor":null}`), "nextCursor"); ok {
		t.Errorf("a null nextCursor = %q, want none", c)
	}
}
