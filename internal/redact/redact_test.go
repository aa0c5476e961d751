package redact

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestBody(t *testing.T) {
	tests := []struct {
		name, in, want string
		secrets        []string
	}{
		{name: "top level", in: `{"userName":"a","password":"x1"}`, want: `{"userName":"a","password":"REDACTED"}`},
		{name: "any case, spacing kept", in: "{ \"PassWord\" :\n \"x1\" , \"b\":1}", want: "{ \"PassWord\" :\n \"REDACTED\" , \"b\":1}"},
		{name: "nested in array", in: `{"Resources":[{"id":"1","password":"x1"},{"id":"2","password":"x2"}]}`, want: `{"Resources":[{"id":"1","password":"REDACTED"},{"id":"2","password":"REDACTED"}]}`},
		{name: "urn-qualified key", in: `{"urn:ietf:params:scim:schemas:core:2.0:User:password":"x1"}`, want: `{"urn:ietf:params:scim:schemas:core:2.0:User:password":"REDACTED"}`},
		{name: "non-string value", in: `{"password":{"old":"a","new":"b"},"n":[1,2]}`, want: `{"password":"REDACTED","n":[1,2]}`},
		{name: "oauth", in: `{"access_token":"t","refresh_token":"r","id_token":"i","client_secret":"c","token_type":"bearer"}`, want: `{"access_token":"REDACTED","refresh_token":"REDACTED","id_token":"REDACTED","client_secret":"REDACTED","token_type":"bearer"}`},
		{name: "patch path before value", in: `{"Operations":[{"op":"replace","path":"password","value":"x1"}]}`, want: `{"Operations":[{"op":"replace","path":"password","value":"REDACTED"}]}`},
		{name: "patch value before path", in: `{"Operations":[{"value":"x1","op":"Replace","path":"PASSWORD"}]}`, want: `{"Operations":[{"value":"REDACTED","op":"Replace","path":"PASSWORD"}]}`},
		{name: "patch urn path", in: `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"x1"}]}`, want: `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"REDACTED"}]}`},
		{name: "patch without path", in: `{"Operations":[{"op":"replace","value":{"password":"x1","active":true}}]}`, want: `{"Operations":[{"op":"replace","value":{"password":"REDACTED","active":true}}]}`},
		{name: "patch other path", in: `{"Operations":[{"op":"replace","path":"displayName","value":"password"}]}`, want: `{"Operations":[{"op":"replace","path":"displayName","value":"password"}]}`},
		{name: "escaped key", in: `{"pass\u0077ord":"x1"}`, want: `{"pass\u0077ord":"REDACTED"}`},
		{name: "escaped key in patch path", in: `{"Operations":[{"path":"pass\u0077ord","value":"x1"}]}`, want: `{"Operations":[{"path":"pass\u0077ord","value":"REDACTED"}]}`},
		{name: "escaped value", in: `{"password":"a\"b\\"}`, want: `{"password":"REDACTED"}`},
		{name: "truncated string", in: `{"Resources":[{"password":"x1abc`, want: `{"Resources":[{"password":"REDACTED"`},
		{name: "truncated after colon", in: `{"password":`, want: `{"password":`},
		{name: "truncated patch", in: `{"Operations":[{"op":"replace","path":"password","value":"x1`, want: `{"Operations":[{"op":"replace","path":"password","value":"REDACTED"`},
		{name: "json in text", in: "HTTP/1.1 200 OK\n\n{\"password\":\"x1\"}", want: "HTTP/1.1 200 OK\n\n{\"password\":\"REDACTED\"}"},
		{name: "form", in: "grant_type=client_credentials&client_secret=c1&password=x1", want: "grant_type=client_credentials&client_secret=REDACTED&password=REDACTED"},
		{name: "literal secret", in: `{"userName":"a","note":"tok-123456 and tok-123456-long"}`, want: `{"userName":"a","note":"REDACTED and REDACTED"}`, secrets: Secrets(MinSecretLen, "tok-123456", "tok-123456-long")},
		{name: "literal secret and key", in: `{"password":"tok-123456","x":"tok-123456"}`, want: `{"password":"REDACTED","x":"REDACTED"}`, secrets: []string{"tok-123456"}},
		{name: "nothing", in: `{"userName":"a","passwordless":true}`, want: `{"userName":"a","passwordless":true}`},
		{name: "not json", in: "not json \xff <html>", want: "not json \xff <html>"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Body([]byte(tt.in), tt.secrets))
			if got != tt.want {
				t.Errorf("Body(%q)\n = %q\nwant %q", tt.in, got, tt.want)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid([]byte(got)) {
				t.Errorf("Body(%q) = %q, no longer valid JSON", tt.in, got)
			}
		})
	}
}

func TestBodyUnchangedIsSameSlice(t *testing.T) {
	for _, in := range []string{`{"a":1}`, `{"password":"REDACTED"}`} {
		b := []byte(in)
		if out := Body(b, []string{"secret-x"}); &out[0] != &b[0] {
			t.Errorf("Body(%s) copied a body with nothing to redact", in)
		}
	}
}

func TestBodyDoesNotModifyArgument(t *testing.T) {
	in := []byte(`{"password":"x1","t":"tok-123456"}`)
	orig := string(in)
	Body(in, []string{"tok-123456"})
	if string(in) != orig {
		t.Errorf("Body modified its argument: %s", in)
	}
}

func TestBodyDeepNesting(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if got := string(Body([]byte(deep), nil)); got != deep {
		t.Error("Body changed a deeply nested body without secrets")
	}
	deep = strings.Repeat(`{"password":[`, 100000)
	if got := string(Body([]byte(deep), nil)); !strings.HasPrefix(got, `{"password":"REDACTED"`) {
		t.Errorf("Body left the outermost secret of a deep body: %.40q", got)
	}
}

func FuzzBody(f *testing.F) {
	for _, s := range []string{`{"password":"x"}`, `{"Operations":[{"value":"x","path":"password"}]}`, `[{"a":"b"}]`, `{"password":`, "x=1&password=2", `{"pass\u0077ord":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := Body(in, nil)
		if json.Valid(in) && !json.Valid(out) {
			t.Errorf("Body(%q) = %q, no longer valid JSON", in, out)
		}
		if again := Body(out, nil); string(again) != string(out) {
			t.Errorf("Body is not idempotent: %q -> %q -> %q", in, out, again)
		}
		// The quick test that skips the scan must never skip a secret.
		if !mayHoldSecretKey(in) && string(structuredBody(in)) != string(in) {
			t.Errorf("mayHoldSecretKey(%q) = false, but the scan redacts it to %q", in, structuredBody(in))
		}
		if got, want := mayHoldSecretKey(in), naiveMayHoldSecretKey(in); got != want {
			t.Errorf("mayHoldSecretKey(%q) = %v, want %v", in, got, want)
		}
		if got := mayHoldSecretKey(string(in)); got != mayHoldSecretKey(in) {
			t.Errorf("mayHoldSecretKey of %q as a string = %v, as bytes the opposite", in, got)
		}
	})
}

// naiveMayHoldSecretKey is what mayHoldSecretKey must answer, said plainly:
// one of the words in any ASCII case, or a \u escape.
func naiveMayHoldSecretKey(b []byte) bool {
	lower := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for _, w := range []string{"password", "token", "secret", `\u`} {
		if strings.Contains(string(lower), w) {
			return true
		}
	}
	return false
}

func TestMayHoldSecretKey(t *testing.T) {
	for in, want := range map[string]bool{
		"": false, `{"userName":"a","schemas":["urn:x"]}`: false, "PassWord": true, "xTOKEN": true, "a_secret": true,
		`"pass\u0077ord"`: true, `\\u`: true, "passwor": false, "toke": false, "secre": false, "w": false, "k": false,
		"c": false, "sec": false, "tokEn=1": true, "PASSWORD": true, "\\": false, "\\x": false,
	} {
		if mayHoldSecretKey([]byte(in)) != want || mayHoldSecretKey(in) != want || naiveMayHoldSecretKey([]byte(in)) != want {
			t.Errorf("mayHoldSecretKey(%q): want %v", in, want)
		}
	}
}

func TestHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      map[string][]string
		secrets []string
		want    map[string][]string
	}{
		{name: "credential headers, any case",
			in: map[string][]string{
				"Authorization": {"Bearer abc"}, "proxy-authorization": {"Basic xyz"}, "Cookie": {"a=b", "c=d"},
				"SET-COOKIE": {"s=1"}, "X-Api-Key": {"k"}, "Api-Key": {"k"}, "X-Auth-Token": {"t"},
				"Content-Type": {"application/scim+json"},
			},
			want: map[string][]string{
				"Authorization": {"REDACTED"}, "proxy-authorization": {"REDACTED"}, "Cookie": {"REDACTED", "REDACTED"},
				"SET-COOKIE": {"REDACTED"}, "X-Api-Key": {"REDACTED"}, "Api-Key": {"REDACTED"}, "X-Auth-Token": {"REDACTED"},
				"Content-Type": {"application/scim+json"},
			}},
		{name: "literal secret in another header",
			in:      map[string][]string{"X-Echo": {"ok", "got tok-123456"}, "Location": {"/Users/1"}},
			secrets: []string{"tok-123456"},
			want:    map[string][]string{"X-Echo": {"ok", "got REDACTED"}, "Location": {"/Users/1"}}},
		{name: "nil", in: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := map[string][]string{}
			for k, v := range tt.in {
				orig[k] = append([]string(nil), v...)
			}
			got := Header(tt.in, tt.secrets)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Header = %v, want %v", got, tt.want)
			}
			if tt.in != nil && !reflect.DeepEqual(tt.in, orig) {
				t.Errorf("Header modified its argument: %v", tt.in)
			}
		})
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		secrets        []string
	}{
		{name: "query parameter", in: "https://h.test/v2/Users?filter=userName%20eq%20%22a%22&access_token=abc&x=1", want: "https://h.test/v2/Users?filter=userName%20eq%20%22a%22&access_token=REDACTED&x=1"},
		{name: "escaped parameter name", in: "https://h.test/v2/Users?pass%77ord=abc", want: "https://h.test/v2/Users?pass%77ord=REDACTED"},
		{name: "userinfo password masked, user kept", in: "https://user:pw@h.test/v2/Users", want: "https://user:REDACTED@h.test/v2/Users"},
		{name: "user without password", in: "https://user@h.test/v2", want: "https://user@h.test/v2"},
		{name: "fragment", in: "https://h.test/cb#access_token=abc&state=s", want: "https://h.test/cb#access_token=REDACTED&state=s"},
		{name: "literal secret", in: "https://h.test/v2/Users?q=tok-123456", want: "https://h.test/v2/Users?q=REDACTED", secrets: []string{"tok-123456"}},
		{name: "not a URL", in: "http://[::1%zz/x?password=pw1&y=2", want: "http://[::1%zz/x?password=REDACTED&y=2"},
		{name: "nothing", in: "https://h.test/v2/Users/2819c223", want: "https://h.test/v2/Users/2819c223"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := URL(tt.in, tt.secrets); got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	tests := []struct {
		name   string
		minLen int
		in     []string
		want   []string
	}{
		{name: "longest first, short and duplicate dropped", minLen: MinSecretLen, in: []string{"abcd", "", "abc", "abcdefgh", "abcd"}, want: []string{"abcdefgh", "abcd"}},
		{name: "longer minimum", minLen: 6, in: []string{"abcd", "abcdef"}, want: []string{"abcdef"}},
		{name: "any non-empty", in: []string{"", "a", "ab"}, want: []string{"ab", "a"}},
		{name: "none", in: nil, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Secrets(tt.minLen, tt.in...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Secrets(%d, %q) = %q, want %q", tt.minLen, tt.in, got, tt.want)
			}
		})
	}
}

func TestStringAndBytes(t *testing.T) {
	secrets := Secrets(MinSecretLen, "tok-1234", "tok-1234-long")
	tests := []struct {
		in, want string
		found    bool
	}{
		{in: "a tok-1234-long b tok-1234", want: "a REDACTED b REDACTED", found: true},
		{in: "nothing here", want: "nothing here"},
		{in: "", want: ""},
	}
	for _, tt := range tests {
		if got := String(tt.in, secrets); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
		got, found := Bytes([]byte(tt.in), secrets)
		if string(got) != tt.want || found != tt.found {
			t.Errorf("Bytes(%q) = %q, %v, want %q, %v", tt.in, got, found, tt.want, tt.found)
		}
	}
}
