package reports

import (
	"github.com/scimloop/scimloop/internal/redact"

	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// quoteCases are strings that must reach a program unchanged.
var quoteCases = map[string]string{
	"plain":          "abc",
	"empty":          "",
	"single quotes":  `{"name":"O'Brien","note":"it's"}`,
	"only a quote":   `'`,
	"double quotes":  `say "hi"`,
	"newlines":       "line one\nline two\r\n",
	"unicode":        `{"displayName":"Zoë Ægir 山田 🙂"}`,
	"shell specials": "$HOME `id` $(id) \\ ; & | * ? [a] {b,c} ~ # !",
	"tab":            "a\tb",
	"control bytes":  "nul\x00 cr\r esc\x1b del\x7f 100% \\n",
}

// TestShQuoteRoundTrip hands every quoted string to sh and checks that the
// program it runs gets it back byte for byte.
func TestShQuoteRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh on PATH:", err)
	}
	for name, s := range quoteCases {
		t.Run(name, func(t *testing.T) {
			if hasControl(s) {
				t.Skip("an argument cannot hold NUL; such bodies go through printf (TestCurlSendsTheSameRequest)")
			}
			out, err := exec.Command("sh", "-c", "printf '%s' "+shQuote(s)).Output()
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != s {
				t.Errorf("sh got %q, want %q (quoted: %s)", out, s, shQuote(s))
			}
		})
	}
}

func TestCurlText(t *testing.T) {
	for _, tc := range []struct {
		name string
		ex   Exchange
		want string
	}{
		{"get", Exchange{Method: "GET", URL: "http://127.0.0.1:1/scim/v2/Users?filter=userName%20eq%20%22a%22",
			RequestHeaders: map[string][]string{"Accept": {"application/scim+json"}, "Authorization": {"REDACTED"}}},
			`printf '%s\n' "Authorization: Bearer $SCIMLOOP_TOKEN" | curl -sS -i -g 'http://127.0.0.1:1/scim/v2/Users?filter=userName%20eq%20%22a%22' -H 'Accept: application/scim+json' -H @-`},
		{"post with quote", Exchange{Method: "POST", URL: "http://h/Users", RequestBody: `{"userName":"o'neil"}`,
			RequestHeaders: map[string][]string{"Content-Type": {"application/scim+json"}}},
			`curl -sS -i -g -X POST http://h/Users -H 'Content-Type: application/scim+json' --data-binary '{"userName":"o'\''neil"}'`},
		{"api key and redacted custom header", Exchange{Method: "DELETE", URL: "http://h/Users/1",
			RequestHeaders: map[string][]string{"X-Api-Key": {"REDACTED"}, "X-Tenant": {"REDACTED"}, "Content-Length": {"0"}}},
			`printf '%s\n' "X-Api-Key: $SCIMLOOP_HEADER_X_API_KEY" "X-Tenant: $SCIMLOOP_HEADER_X_TENANT" | curl -sS -i -g -X DELETE http://h/Users/1 -H @-`},
		{"control bytes", Exchange{Method: "POST", URL: "http://h/Users", RequestBody: "a\x00b\r\n'%\\"},
			"printf 'a\\000b\\015\n" + `'\''%%\\' | curl -sS -i -g -X POST http://h/Users --data-binary @-`},
		{"head", Exchange{Method: "HEAD", URL: "http://h/Users"}, `curl -sS -i -g --head http://h/Users`},
		{"odd header name", Exchange{Method: "GET", URL: "http://h/", RequestHeaders: map[string][]string{"X_Key$": {"REDACTED"}}},
			`printf '%s\n' 'X_Key$: '"$SCIMLOOP_HEADER_X_KEY_" | curl -sS -i -g http://h/ -H @-`},
		{"control bytes and a token", Exchange{Method: "POST", URL: "http://h/Users", RequestBody: "a\x00b",
			RequestHeaders: map[string][]string{"Authorization": {"REDACTED"}}},
			`printf '%s\n' "Authorization: Bearer $SCIMLOOP_TOKEN" | { printf 'a\000b' | curl -sS -i -g -X POST http://h/Users -H @/dev/fd/3 --data-binary @-; } 3<&0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Curl(tc.ex); got != tc.want {
				t.Errorf("Curl =\n %s\nwant\n %s", got, tc.want)
			}
		})
	}
}

// TestCurlSendsTheSameRequest runs each command with the curl binary
// against a server that records what arrives, and compares it with the
// recorded request: method, path and query, the body byte for byte, and the
// credentials taken from the environment, which never reach curl's command
// line (a shim in front of curl logs it).
func TestCurlSendsTheSameRequest(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("the curl binary is not installed:", err)
	}
	type got struct {
		method, uri, body, auth, key, ctype string
	}
	var (
		mu   sync.Mutex
		last got
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = got{r.Method, r.URL.RequestURI(), string(b), r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Content-Type")}
		mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	shim := curlShim(t)
	for name, body := range quoteCases {
		t.Run(name, func(t *testing.T) {
			uri := `/scim/v2/Groups?filter=members[value%20eq%20%22x%22]&attributes={a}`
			ex := Exchange{Method: "PATCH", URL: srv.URL + uri, RequestBody: body,
				RequestHeaders: map[string][]string{"Authorization": {redact.Redacted}, "X-Api-Key": {redact.Redacted}, "Content-Type": {"application/scim+json"}}}
			cmd := exec.Command("sh", "-c", Curl(ex))
			cmd.Env = append(os.Environ(), "PATH="+shim.dir+string(os.PathListSeparator)+os.Getenv("PATH"), TokenEnv+"=tok'en-0123456789", HeaderEnv("X-Api-Key")+"=k$y-0123456789")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if !strings.HasPrefix(string(out), "HTTP/1.1 418") {
				t.Errorf("curl printed %q, want the status 418", out)
			}
			argv := shim.lastArgs(t)
			for _, secret := range []string{"tok'en-0123456789", "k$y-0123456789"} {
				if strings.Contains(argv, secret) {
					t.Errorf("curl's command line holds a credential: %s", argv)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			want := got{"PATCH", uri, body, "Bearer tok'en-0123456789", "k$y-0123456789", "application/scim+json"}
			if last != want {
				t.Errorf("server got %+v, want %+v", last, want)
			}
		})
	}
}

// shimmedCurl is a directory with a curl that logs its command line, one
// argument per line, to a file and then runs the real curl.
type shimmedCurl struct{ dir, log string }

func curlShim(t *testing.T) shimmedCurl {
	t.Helper()
	real, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("the curl binary is not installed:", err)
	}
	dir := t.TempDir()
	s := shimmedCurl{dir: dir, log: filepath.Join(dir, "argv.log")}
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + shQuote(s.log) + "\nexec " + shQuote(real) + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "curl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return s
}

// lastArgs returns the command line the shim last logged.
func (s shimmedCurl) lastArgs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(s.log)
	if err != nil {
		t.Fatalf("the curl shim logged nothing: %v", err)
	}
	return string(b)
}
