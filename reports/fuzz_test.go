package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzWriters plants fuzzed strings (what a server sent back ends up in
// messages, excerpts, URLs, bodies, header values, ids and names) and a
// fuzzed latency into a rich Run and renders every format. No writer may
// panic; JUnit must stay well-formed XML, JSON and HAR valid JSON, and a
// credential in a request header must appear in no output.
func FuzzWriters(f *testing.F) {
	f.Add("ok", "GET /Users → 200", "https://x.invalid/scim/v2/Users?filter=userName%20eq%20%22a%22", `{"id":"a"}`, "W/\"1\"", 12.5)
	f.Add("]]><![CDATA[", "\x00\x01\x1b[31m\xff\xfe", "javascript:alert(1)", "<script>alert(1)</script>", "a\r\nSet-Cookie: x", math.Inf(1))
	f.Add("| --- |\n# h", "```\n~~~", "::", "\uFFFE\uFFFF\U0010FFFF", "\"", math.NaN())
	f.Add(strings.Repeat("x", 300), "--", "%zz", "\xc3", "", -1e308)
	f.Fuzz(func(t *testing.T, msg, excerpt, rawURL, body, header string, latency float64) {
		const secret = "fuzz-s3cr3t-t0ken-9f8e"
		run := fixtureRun()
		run.Target = rawURL
		run.Prefix = msg
		run.Command = "scimloop run --url " + rawURL
		run.Errors = append(run.Errors, msg, excerpt)
		run.Leftovers = append(run.Leftovers, Leftover{Type: header, ID: body, Name: msg, Error: excerpt})
		for i := range run.Checks {
			c := &run.Checks[i]
			c.Reason = msg
			c.Findings = append(c.Findings, Finding{Check: c.ID, Scenario: header, Message: msg, Excerpt: excerpt, Repro: rawURL, Exchanges: []int{1, 2}})
		}
		for i := range run.Scenarios {
			sc := &run.Scenarios[i]
			sc.Reason = excerpt
			for j := range sc.Checks {
				sc.Checks[j].Reason = msg
				sc.Checks[j].Findings = append(sc.Checks[j].Findings, Finding{Check: sc.Checks[j].ID, Scenario: sc.Name, Message: excerpt, Excerpt: msg})
			}
		}
		run.Scenarios = append(run.Scenarios, ScenarioResult{Name: header, Area: msg, Status: StatusFail, Reason: excerpt,
			Checks: []ScenarioCheck{{ID: msg, Status: StatusFail, Findings: []Finding{{Check: msg, Scenario: header, Message: body}}}}})
		run.Exchanges = append(run.Exchanges, Exchange{
			Seq: len(run.Exchanges) + 1, Scenario: header, Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
			Method: msg, URL: rawURL, RequestHeaders: map[string][]string{"Authorization": {"Bearer " + secret}, header: {body}},
			RequestBody: body, Status: 500, ResponseHeaders: map[string][]string{"Content-Type": {header}, "X-" + msg: {excerpt}},
			ResponseBody: body, LatencyMs: latency, Error: excerpt,
		})
		if run.Feedback != nil {
			run.Feedback.MemberDrift = append(run.Feedback.MemberDrift, msg)
		}
		for _, format := range Formats() {
			var buf bytes.Buffer
			start := time.Now()
			if err := Render(format, &buf, run); err != nil {
				if format == "json" || format == "har" {
					// encoding/json refuses NaN and infinite latencies: an
					// error is fine, a panic or a broken file is not.
					continue
				}
				t.Fatalf("%s: %v", format, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("%s took %v", format, d)
			}
			out := buf.Bytes()
			if format == "har" && bytes.Contains(out, []byte(secret)) {
				t.Fatalf("%s: the bearer token leaked into the output", format)
			}
			switch format {
			case "junit":
				wellFormedXML(t, out)
			case "json", "har":
				if !json.Valid(out) {
					t.Fatalf("%s: output is not valid JSON", format)
				}
			}
		}
	})
}

// wellFormedXML reads every token of doc, so any syntax error surfaces.
func wellFormedXML(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("JUnit output is not well-formed XML: %v", err)
		}
	}
}
