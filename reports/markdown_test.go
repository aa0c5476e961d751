package reports

import (
	"bytes"
	"strings"
	"testing"
)

func renderMarkdown(t *testing.T, run *Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, run); err != nil {
		t.Fatalf("WriteMarkdown: %v", err)
	}
	return b.String()
}

func TestMarkdownGolden(t *testing.T) {
	checkGolden(t, "summary.md.golden", []byte(renderMarkdown(t, fixtureRun())))
}

func TestMarkdownEmptyRunGolden(t *testing.T) {
	checkGolden(t, "summary-empty.md.golden", []byte(renderMarkdown(t, &Run{})))
}

func TestMarkdownContent(t *testing.T) {
	md := renderMarkdown(t, fixtureRun())
	for _, want := range []string{
		"**RFC verdict: ❌ FAIL** · **IdP compatibility: ❌ FAIL**",
		"| `etag-changes-on-update` | MUST | RFC 7644 §3.14 | update-user |",
		"| `entra-false-string` | IDP |",
		"| `final-state-consistent` | MUST |",
		"### Warnings (SHOULD and MAY failures, not failing the run) (2)",
		"| `if-match-412` | SHOULD |",
		"| `sort-supported` | MAY |",
		"| `patch-remove-member` | MUST | precondition: group create failed with 500 |",
		"| `bulk` | no | 1 |",
		"| (other reasons) |  | 1 |",
		"| Group | `g-7` |  | DELETE /Groups/g-7: connection reset \\| retry |",
		"```sh\nscimloop run --url https://scim.example.test/v2 --seed 42 --dialect entra\n```",
		"| `POST /Users` | 1 | 42.5 | 42.5 | 42.5 | 42.5 |",
		"cleanup interrupted\uFFFD[0m &lt;after&gt; 30s",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary does not contain %q", want)
		}
	}
	// Every table row has the same number of unescaped cell separators as
	// its header: no finding breaks a table.
	var cols int
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("table row has %d separators, header has %d: %q", n, cols, line)
		}
	}
	if strings.Contains(md, "<b>") || strings.ContainsAny(md, "\x00\x1b") {
		t.Error("summary lets raw markup or control characters through")
	}
}

func TestMarkdownCell(t *testing.T) {
	tests := map[string]string{
		"a|b":        `a\|b`,
		"l1\nl2\r\n": "l1 l2  ",
		"<script>&":  "&lt;script&gt;&amp;",
		"\x00\xff":   "\uFFFD\uFFFD",
	}
	for in, want := range tests {
		if got := mdCell(in); got != want {
			t.Errorf("mdCell(%q) = %q, want %q", in, got, want)
		}
	}
	codes := map[string]string{
		"id":     "`id`",
		"a`b":    "``a`b``",
		"`x":     "`` `x ``",
		"p|q<r>": "`p\\|q<r>`",
	}
	for in, want := range codes {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdFence("a ``` b ````"); got != "`````" {
		t.Errorf("mdFence = %q, want five backticks", got)
	}
}
