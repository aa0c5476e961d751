package reports

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestRedactBody(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"top level", `{"userName":"a","password":"x1"}`, `{"userName":"a","password":"REDACTED"}`},
		{"any case, spacing kept", "{ \"PassWord\" :\n \"x1\" , \"b\":1}", "{ \"PassWord\" :\n \"REDACTED\" , \"b\":1}"},
		{"nested in array", `{"Resources":[{"id":"1","password":"x1"},{"id":"2","password":"x2"}]}`, `{"Resources":[{"id":"1","password":"REDACTED"},{"id":"2","password":"REDACTED"}]}`},
		{"urn-qualified key", `{"urn:ietf:params:scim:schemas:core:2.0:User:password":"x1"}`, `{"urn:ietf:params:scim:schemas:core:2.0:User:password":"REDACTED"}`},
		{"non-string value", `{"password":{"old":"a","new":"b"},"n":[1,2]}`, `{"password":"REDACTED","n":[1,2]}`},
		{"oauth", `{"access_token":"t","refresh_token":"r","id_token":"i","client_secret":"c","token_type":"bearer"}`, `{"access_token":"REDACTED","refresh_token":"REDACTED","id_token":"REDACTED","client_secret":"REDACTED","token_type":"bearer"}`},
		{"patch path before value", `{"Operations":[{"op":"replace","path":"password","value":"x1"}]}`, `{"Operations":[{"op":"replace","path":"password","value":"REDACTED"}]}`},
		{"patch value before path", `{"Operations":[{"value":"x1","op":"Replace","path":"PASSWORD"}]}`, `{"Operations":[{"value":"REDACTED","op":"Replace","path":"PASSWORD"}]}`},
		{"patch urn path", `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"x1"}]}`, `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"REDACTED"}]}`},
		{"patch without path", `{"Operations":[{"op":"replace","value":{"password":"x1","active":true}}]}`, `{"Operations":[{"op":"replace","value":{"password":"REDACTED","active":true}}]}`},
		{"patch other path", `{"Operations":[{"op":"replace","path":"displayName","value":"password"}]}`, `{"Operations":[{"op":"replace","path":"displayName","value":"password"}]}`},
		{"escaped key", `{"pass\u0077ord":"x1"}`, `{"pass\u0077ord":"REDACTED"}`},
		{"escaped value", `{"password":"a\"b\\"}`, `{"password":"REDACTED"}`},
		{"truncated string", `{"Resources":[{"password":"x1abc`, `{"Resources":[{"password":"REDACTED"`},
		{"truncated after colon", `{"password":`, `{"password":`},
		{"truncated patch", `{"Operations":[{"op":"replace","path":"password","value":"x1`, `{"Operations":[{"op":"replace","path":"password","value":"REDACTED"`},
		{"json in text", "HTTP/1.1 200 OK\n\n{\"password\":\"x1\"}", "HTTP/1.1 200 OK\n\n{\"password\":\"REDACTED\"}"},
		{"form", "grant_type=client_credentials&client_secret=c1&password=x1", "grant_type=client_credentials&client_secret=REDACTED&password=REDACTED"},
		{"nothing", `{"userName":"a","passwordless":true}`, `{"userName":"a","passwordless":true}`},
		{"not json", "not json \xff <html>", "not json \xff <html>"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(RedactBody([]byte(tt.in)))
			if got != tt.want {
				t.Errorf("RedactBody(%q)\n = %q\nwant %q", tt.in, got, tt.want)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid([]byte(got)) {
				t.Errorf("RedactBody(%q) = %q, no longer valid JSON", tt.in, got)
			}
		})
	}
}

func TestRedactBodyUnchangedIsSameSlice(t *testing.T) {
	in := []byte(`{"a":1}`)
	if out := RedactBody(in); &out[0] != &in[0] {
		t.Error("RedactBody copied a body with nothing to redact")
	}
}

func TestRedactBodyDeepNesting(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if got := string(RedactBody([]byte(deep))); got != deep {
		t.Error("RedactBody changed a deeply nested body without secrets")
	}
}

func FuzzRedactBody(f *testing.F) {
	for _, s := range []string{`{"password":"x"}`, `{"Operations":[{"value":"x","path":"password"}]}`, `[{"a":"b"}]`, `{"password":`, "x=1&password=2"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := RedactBody(in)
		if json.Valid(in) && !json.Valid(out) {
			t.Errorf("RedactBody(%q) = %q, no longer valid JSON", in, out)
		}
		if again := RedactBody(out); string(again) != string(out) {
			t.Errorf("RedactBody is not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

func TestRedactHeaders(t *testing.T) {
	in := map[string][]string{
		"Authorization":       {"Bearer abc"},
		"proxy-authorization": {"Basic xyz"},
		"Cookie":              {"a=b", "c=d"},
		"SET-COOKIE":          {"s=1"},
		"X-Api-Key":           {"k"},
		"Content-Type":        {"application/scim+json"},
	}
	orig := map[string][]string{}
	for k, v := range in {
		orig[k] = append([]string(nil), v...)
	}
	got := RedactHeaders(in)
	want := map[string][]string{
		"Authorization":       {"REDACTED"},
		"proxy-authorization": {"REDACTED"},
		"Cookie":              {"REDACTED", "REDACTED"},
		"SET-COOKIE":          {"REDACTED"},
		"X-Api-Key":           {"REDACTED"},
		"Content-Type":        {"application/scim+json"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RedactHeaders = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(in, orig) {
		t.Errorf("RedactHeaders modified its argument: %v", in)
	}
	if RedactHeaders(nil) != nil {
		t.Error("RedactHeaders(nil) != nil")
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"https://h.test/v2/Users?filter=userName%20eq%20%22a%22&access_token=abc&x=1": "https://h.test/v2/Users?filter=userName%20eq%20%22a%22&access_token=REDACTED&x=1",
		"https://user:pw@h.test/v2/Users":                                             "https://user:REDACTED@h.test/v2/Users",
		"https://h.test/cb#access_token=abc&state=s":                                  "https://h.test/cb#access_token=REDACTED&state=s",
		"https://h.test/v2/Users/2819c223":                                            "https://h.test/v2/Users/2819c223",
	}
	for in, want := range tests {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
