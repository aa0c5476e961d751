package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/scimloop/scimloop/internal/redact"
)

func renderHAR(t *testing.T, run *Run) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHAR(&b, run); err != nil {
		t.Fatalf("WriteHAR: %v", err)
	}
	return b.Bytes()
}

func TestHARGolden(t *testing.T) {
	checkGolden(t, "exchanges.har.golden", renderHAR(t, fixtureRun()))
}

func TestHARHasNoSecrets(t *testing.T) {
	out := string(renderHAR(t, fixtureRun()))
	for _, secret := range []string{fixtureToken, fixturePassword, fixtureSecret, "Bearer", "session=", "a=b"} {
		if strings.Contains(out, secret) {
			t.Errorf("HAR contains the secret %q", secret)
		}
	}
	if n := strings.Count(out, redact.Redacted); n < 8 {
		t.Errorf("HAR has %d %s markers, want at least 8 (headers, URL, bodies)", n, redact.Redacted)
	}
}

// TestHARStructure parses the output as generic JSON and checks every field
// HAR 1.2 requires, with its type.
func TestHARStructure(t *testing.T) {
	run := fixtureRun()
	var doc map[string]any
	if err := json.Unmarshal(renderHAR(t, run), &doc); err != nil {
		t.Fatalf("HAR is not JSON: %v", err)
	}
	log := mustObject(t, doc, "log")
	if v := log["version"]; v != "1.2" {
		t.Errorf("log.version = %v, want 1.2", v)
	}
	creator := mustObject(t, log, "creator")
	if creator["name"] != "scimloop" || creator["version"] != "v0.3.0-test" {
		t.Errorf("log.creator = %v", creator)
	}
	entries, ok := log["entries"].([]any)
	if !ok || len(entries) != len(run.Exchanges) {
		t.Fatalf("log.entries = %T with %d entries, want %d", log["entries"], len(entries), len(run.Exchanges))
	}
	for i, e := range entries {
		entry, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("entry %d is %T", i, e)
		}
		if seq := entry["_seq"].(float64); int(seq) != i+1 {
			t.Errorf("entry %d has _seq %v, want entries in sequence order", i, seq)
		}
		started, _ := entry["startedDateTime"].(string)
		if _, err := time.Parse(time.RFC3339Nano, started); err != nil || !strings.Contains(started, ".") {
			t.Errorf("entry %d startedDateTime %q is not RFC 3339 with milliseconds: %v", i, started, err)
		}
		total := mustNumber(t, entry, "time")
		mustObject(t, entry, "cache")
		timings := mustObject(t, entry, "timings")
		send, wait, receive := mustNumber(t, timings, "send"), mustNumber(t, timings, "wait"), mustNumber(t, timings, "receive")
		if send != 0 || receive != 0 || wait != total || wait < 0 {
			t.Errorf("entry %d timings = %v, time %v: want send 0, receive 0, wait = time >= 0", i, timings, total)
		}
		req := mustObject(t, entry, "request")
		for _, k := range []string{"method", "url", "httpVersion"} {
			mustString(t, req, k)
		}
		for _, k := range []string{"cookies", "headers", "queryString"} {
			mustNameValues(t, req, k)
		}
		if mustNumber(t, req, "headersSize") != -1 {
			t.Errorf("entry %d request.headersSize != -1", i)
		}
		mustNumber(t, req, "bodySize")
		if pd, ok := req["postData"].(map[string]any); ok {
			mustString(t, pd, "mimeType")
			mustString(t, pd, "text")
		}
		resp := mustObject(t, entry, "response")
		mustNumber(t, resp, "status")
		mustString(t, resp, "statusText")
		mustString(t, resp, "httpVersion")
		if mustString(t, resp, "redirectURL") != "" {
			t.Errorf("entry %d redirectURL not empty", i)
		}
		for _, k := range []string{"cookies", "headers"} {
			mustNameValues(t, resp, k)
		}
		mustNumber(t, resp, "headersSize")
		mustNumber(t, resp, "bodySize")
		content := mustObject(t, resp, "content")
		mustNumber(t, content, "size")
		mustString(t, content, "mimeType")
	}

	// Spot checks: query string decoded in order, status text, the error.
	first := entries[1].(map[string]any)["request"].(map[string]any)
	qs := first["queryString"].([]any)
	if len(qs) != 2 || qs[0].(map[string]any)["name"] != "attributes" || qs[1].(map[string]any)["value"] != redact.Redacted {
		t.Errorf("entry 2 queryString = %v", qs)
	}
	if st := entries[1].(map[string]any)["response"].(map[string]any)["statusText"]; st != "Created" {
		t.Errorf("entry 2 statusText = %v, want Created", st)
	}
	if e := entries[5].(map[string]any)["_error"]; e != "read tcp: connection reset by peer" {
		t.Errorf("entry 6 _error = %v", e)
	}
}

func TestHAREmptyRun(t *testing.T) {
	out := renderHAR(t, &Run{})
	var doc struct {
		Log struct {
			Entries []any `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || doc.Log.Entries == nil {
		t.Errorf("HAR of an empty run = %s, %v; want an empty entries array", out, err)
	}
}

func mustObject(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%q is %T, want an object", key, m[key])
	}
	return v
}

func mustString(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	v, ok := m[key].(string)
	if !ok {
		t.Errorf("%q is %T, want a string", key, m[key])
	}
	return v
}

func mustNumber(t *testing.T, m map[string]any, key string) float64 {
	t.Helper()
	v, ok := m[key].(float64)
	if !ok {
		t.Errorf("%q is %T, want a number", key, m[key])
	}
	return v
}

func mustNameValues(t *testing.T, m map[string]any, key string) {
	t.Helper()
	list, ok := m[key].([]any)
	if !ok {
		t.Errorf("%q is %T, want an array", key, m[key])
		return
	}
	for _, e := range list {
		nv, ok := e.(map[string]any)
		if !ok {
			t.Errorf("%q has %T, want objects", key, e)
			continue
		}
		mustString(t, nv, "name")
		mustString(t, nv, "value")
	}
}
