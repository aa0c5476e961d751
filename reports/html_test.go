package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func renderHTML(t *testing.T, run *Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return b.String()
}

func TestHTMLGolden(t *testing.T) {
	checkGolden(t, "report.html.golden", []byte(renderHTML(t, fixtureRun())))
}

func TestHTMLEmptyRunGolden(t *testing.T) {
	checkGolden(t, "report-empty.html.golden", []byte(renderHTML(t, &Run{})))
}

// TestHTMLSelfContained checks the page references nothing outside itself:
// no scripts, stylesheets, images, frames or CSS imports from anywhere.
func TestHTMLSelfContained(t *testing.T) {
	page := renderHTML(t, fixtureRun())
	external := regexp.MustCompile(`(?i)(?:\b(?:src|href|xlink:href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//)|@import|url\(|<link\b|<script\b[^>]*\bsrc|<iframe\b|<object\b|<embed\b`)
	if m := external.FindString(page); m != "" {
		t.Errorf("page has an external reference: %q", m)
	}
	for _, attr := range regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(attr[1], "#") {
			t.Errorf("page has a non-local reference %q", attr[0])
		}
	}
}

func TestHTMLContent(t *testing.T) {
	page := renderHTML(t, fixtureRun())
	for _, want := range []string{
		`<div class="banner fail" id="verdict">`,
		"RFC verdict: FAIL",
		"IdP compatibility: FAIL",
		`id="check-etag-changes-on-update"`,
		`id="check-final-state-consistent"`,
		`id="check-entra-false-string"`,
		`<div class="check warning" id="check-if-match-412">`,
		`<div class="check error" id="check-patch-remove-member">`,
		"<svg",
		"<code>GET /Users</code>",
		// Escaped, never raw.
		"&lt;b&gt;bjensen&lt;/b&gt; &amp; co ]]&gt;",
		"&lt;![CDATA[ x ]]&gt;",
		"scimloop run --url https://scim.example.test/v2 --seed 42 --only etag-changes-on-update",
		// The area matrix colours non-zero cells.
		`<tr><td>etag</td><td class="n zero">0</td><td class="n c-fail">2</td>`,
		// Coverage counts and rows, MUST before SHOULD before MAY.
		`<td class="n c-fail">2</td>`,
		"PROTO-AUTH-006",
		"u-99",
		"warning: SHOULD-level failure",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page does not contain %q", want)
		}
	}
	if strings.Contains(page, "<b>bjensen") {
		t.Error("page lets markup from an excerpt through unescaped")
	}
	for _, bad := range []string{"\x00", "\x1b", "\xff", "\uFFFE"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	coverage := page[strings.Index(page, `id="coverage"`):]
	must, should, may := strings.Index(coverage, "PROTO-STATUS-001"), strings.Index(coverage, "PROTO-ETAG-007"), strings.Index(coverage, "PROTO-SORT-001")
	if !(must < should && should < may) {
		t.Errorf("coverage rows are not MUST, SHOULD, MAY first (positions %d, %d, %d)", must, should, may)
	}
	// The failing section lists blocking failures only.
	failing := page[strings.Index(page, `id="failing"`):strings.Index(page, `id="warnings"`)]
	if strings.Contains(failing, "if-match-412") || !strings.Contains(failing, "etag-changes-on-update") {
		t.Error("failing section does not hold exactly the blocking failures")
	}
}

func TestHTMLLatencyFromRun(t *testing.T) {
	run := fixtureRun()
	run.Latency = []OpLatency{
		{Op: "GET /Users", Count: 2, P50: 11, P90: 6999, P99: 7001, Max: 7002},
		{Op: "DELETE /Groups", Count: 3, P50: 1, P90: 2, P99: 3, Max: 4},
	}
	page := renderHTML(t, run)
	for _, want := range []string{
		`<tr><td><code>GET /Users</code></td><td class="n">2</td><td class="n">11.0</td><td class="n">6999.0</td><td class="n">7001.0</td><td class="n">7002.0</td>`,
		`<tr><td><code>DELETE /Groups</code></td><td class="n">3</td>`,
		`<tr><td><code>POST /Users</code></td><td class="n">1</td><td class="n">42.5</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page does not contain %q", want)
		}
	}
}

func TestOpName(t *testing.T) {
	tests := []struct{ method, url, want string }{
		{"get", "https://h.test/scim/v2/Users/2819c223?x=1", "GET /Users/{id}"},
		{"GET", "https://h.test/scim/v2/Users?filter=x", "GET /Users"},
		{"POST", "https://h.test/scim/v2/Users/.search", "POST /Users/.search"},
		{"POST", "https://h.test/scim/v2/.search", "POST /.search"},
		{"GET", "/ServiceProviderConfig", "GET /ServiceProviderConfig"},
		{"GET", "https://h.test/v2/ResourceTypes/User", "GET /ResourceTypes/User"},
		{"PATCH", "https://h.test/v2/groups/g1", "PATCH /Groups/{id}"},
		{"GET", "https://h.test/v2/Devices/abc", "GET /Devices/{id}"},
		{"GET", "https://h.test/v2/Devices", "GET /Devices"},
		{"GET", "https://h.test/", "GET /"},
	}
	for _, tt := range tests {
		if got := opName(tt.method, tt.url); got != tt.want {
			t.Errorf("opName(%q, %q) = %q, want %q", tt.method, tt.url, got, tt.want)
		}
	}
}

func TestPercentileAndHistogram(t *testing.T) {
	s := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if p := percentile(s, 50); p != 5 {
		t.Errorf("p50 = %v, want 5", p)
	}
	if p := percentile(s, 90); p != 9 {
		t.Errorf("p90 = %v, want 9", p)
	}
	if p := percentile(s, 99); p != 10 {
		t.Errorf("p99 = %v, want 10", p)
	}
	h := histogram([]float64{0.5, 1, 1.5, 10, 6000})
	want := []int{2, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	if len(h) != len(want) {
		t.Fatalf("histogram has %d buckets, want %d", len(h), len(want))
	}
	for i := range want {
		if h[i] != want[i] {
			t.Errorf("histogram = %v, want %v", h, want)
			break
		}
	}
}
