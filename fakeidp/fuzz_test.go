package fakeidp

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for everything in fakeidp that reads server output. Each
// asserts that hostile input neither panics nor takes long; their seed
// corpora live in testdata/fuzz/<target>/ (run "make fuzz").

// fuzzTransport answers every request from canned responses by path suffix,
// without any network.
type fuzzTransport struct {
	status   int
	header   http.Header
	bodies   map[string][]byte
	fallback []byte
}

func (t *fuzzTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := t.fallback
	for suffix, b := range t.bodies {
		if strings.HasSuffix(r.URL.Path, suffix) {
			body = b
		}
	}
	return &http.Response{
		StatusCode: t.status, Status: http.StatusText(t.status), Header: t.header.Clone(),
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: -1, Request: r,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

const spcSeed = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":true},"bulk":{"supported":true,"maxOperations":1000,"maxPayloadSize":1048576},"filter":{"supported":true,"maxResults":200},"changePassword":{"supported":false},"sort":{"supported":true},"etag":{"supported":true},"authenticationSchemes":[{"type":"oauthbearertoken","name":"OAuth Bearer Token"}]}`
const rtSeed = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"Resources":[{"id":"User","name":"User","endpoint":"/Users","schema":"urn:ietf:params:scim:schemas:core:2.0:User","schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","required":false}]},{"id":"Group","name":"Group","endpoint":"/Groups"}]}`
const schemasSeed = `{"Resources":[{"id":"urn:ietf:params:scim:schemas:core:2.0:User","attributes":[{"name":"userName","type":"string","required":true,"uniqueness":"server"},{"name":"name","type":"complex","subAttributes":[{"name":"givenName","type":"string"}]}]},{"id":"urn:ietf:params:scim:schemas:core:2.0:Group","attributes":[{"name":"displayName","type":"string"}]}]}`

// FuzzDiscover feeds fuzzed /ServiceProviderConfig, /ResourceTypes and
// /Schemas bodies (and status and Content-Type) to Discover.
func FuzzDiscover(f *testing.F) {
	f.Add(200, "application/scim+json", []byte(spcSeed), []byte(rtSeed), []byte(schemasSeed))
	f.Add(200, "text/html", []byte(`<html><body>Error</body></html>`), []byte(`[]`), []byte(`null`))
	f.Add(200, "application/json", []byte(`{"patch":{"supported":"yes"},"bulk":{"maxOperations":1e999},"authenticationSchemes":{"type":1}}`), []byte(`[{"name":"User","schemaExtensions":"x"}]`), []byte(`{"Resources":[{"id":"urn:ietf:params:scim:schemas:core:2.0:User","attributes":[{"name":7,"subAttributes":{}}]}]}`))
	f.Add(200, "", []byte(strings.Repeat("[", 500)), []byte(strings.Repeat(`{"a":`, 300)), []byte(`{"Resources":[`+strings.Repeat(`{"attributes":[`, 200)))
	f.Add(503, "application/scim+json", []byte(`{"status":"503"}`), []byte{}, []byte{0xff, 0xfe})
	f.Add(200, "application/scim+json", []byte(`{"etag":{"supported":true},"filter":{"supported":1,"maxResults":-99999999999999999999999}}`), []byte(`{"Resources":null}`), []byte(`{"Resources":[null,1,"x",[]]}`))
	f.Fuzz(func(t *testing.T, status int, ctype string, spc, rt, schemas []byte) {
		if status < 100 || status > 999 {
			status = 200
		}
		tr := &fuzzTransport{status: status, header: http.Header{"Content-Type": {ctype}},
			bodies: map[string][]byte{"/ServiceProviderConfig": spc, "/ResourceTypes": rt, "/Schemas": schemas}}
		c, err := NewClient("https://scim.invalid/scim/v2", WithHTTPClient(&http.Client{Transport: tr}),
			WithMaxRetries(0), WithMaxBody(1<<20), WithTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		sp, err := Discover(context.Background(), c)
		if sp == nil {
			t.Fatal("Discover returned no ServiceProvider")
		}
		if err != nil && err.Error() == "" {
			t.Fatal("an error without a message")
		}
		for _, name := range []string{"", CapPatch, CapBulk, CapFilter, CapSort, CapETag, CapChangePassword, "other"} {
			sp.Has(name)
		}
		sp.Declares("User", "userName")
		sp.Declares("Group", "members")
		_ = sp.Capabilities()
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Discover took %v", d)
		}
	})
}

// FuzzGetAttr feeds fuzzed bodies and attribute paths to Get, Attr and
// Lookup, the one JSON reader every check goes through, plus the helpers
// that read response headers (Retry-After) and render exchanges.
func FuzzGetAttr(f *testing.F) {
	f.Add([]byte(`{"Meta":{"Version":"W/\"1\""},"emails":[{"value":"a@b"}]}`), "meta.version", "2")
	f.Add([]byte(`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7"}}`), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add([]byte(`{"a":[1,2,{"b":1e400}]}`), "a.2.b", "-1")
	f.Add([]byte(strings.Repeat(`{"a":`, 500)), "a.a.a.a", "99999999999999999999")
	f.Add([]byte(`[`+strings.Repeat(`[`, 500)), "0.0.0", "")
	f.Add([]byte("\xff\xfe{\"id\":\"\\ud800\"}"), "urn:", "  7 ")
	f.Add([]byte(`{"id":12345678901234567890123,"id":"dup","ID":null}`), "id", "Thu, 01 Jan 1970 00:00:00 GMT")
	f.Fuzz(func(t *testing.T, body []byte, path, retryAfter string) {
		start := time.Now()
		_ = IsJSON(body)
		v := Attr(body, path)
		_ = v.String()
		_ = v.Int()
		_ = v.Bool()
		_ = Get(body, strings.Split(path, ".")...)
		for _, r := range Get(body, "Resources").Array() {
			_ = Lookup(r, "id").String()
		}
		if d := backoff(1, retryAfter); d < 0 || d > maxRetryAfter {
			t.Fatalf("backoff(%q) = %v, want within [0, %v]", retryAfter, d, maxRetryAfter)
		}
		ex := &Exchange{Method: "GET", URL: "https://x.invalid/" + path, Status: 200, RespBody: body,
			RespHeader: NewHeaders(http.Header{"Retry-After": {retryAfter}, "Etag": {path}})}
		_ = Excerpt(ex, 64)
		_ = describeBody(ex)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("reading a %d-byte body took %v", len(body), d)
		}
	})
}

// FuzzRecorder feeds fuzzed bodies, URLs and headers through the recorder,
// which redacts and scrubs everything a server sends before it is kept: the
// configured secret must never survive.
func FuzzRecorder(f *testing.F) {
	f.Add([]byte(`{"password":"p","userName":"u"}`), "https://x.invalid/Users?access_token=abc", "Bearer tok", "s3cret-token")
	f.Add([]byte(`password=hunter2&x=1`), "https://x.invalid/?q=s3cret-token", "s3cret-token", "s3cret-token")
	f.Add([]byte(`{"Operations":[{"op":"replace","path":"password","value":"x"}]}`), "", "", "abcd")
	f.Add([]byte(strings.Repeat(`{"password":`, 200)), "::", "\x00", "abababab")
	f.Fuzz(func(t *testing.T, body []byte, rawURL, header, secret string) {
		if len(secret) < 4 {
			secret += "-pad"
		}
		if strings.ContainsAny(secret, "REDACT") {
			return // the replacement text itself could spell such a secret
		}
		rec := NewRecorder()
		rec.addSecrets(secret)
		ex := rec.add(&Exchange{Method: "POST", URL: rawURL, ReqBody: body, RespBody: body,
			ReqHeader:  NewHeaders(http.Header{"Authorization": {"Bearer " + secret}, "X-Echo": {header + secret}}),
			RespHeader: NewHeaders(http.Header{"Set-Cookie": {header}, "X-Echo": {secret + header}})}, nil, false)
		for what, s := range map[string]string{"url": ex.URL, "request body": string(ex.ReqBody), "response body": string(ex.RespBody)} {
			if strings.Contains(s, secret) {
				t.Fatalf("the secret %q survived in the %s: %q", secret, what, s)
			}
		}
		for _, h := range []Headers{ex.ReqHeader, ex.RespHeader} {
			for k, v := range h.All() {
				if strings.Contains(v, secret) {
					t.Fatalf("the secret %q survived in header %s: %q", secret, k, v)
				}
			}
		}
		if strings.Contains(rec.Scrub("x"+secret+"y"), secret) {
			t.Fatal("Scrub left the secret")
		}
	})
}
