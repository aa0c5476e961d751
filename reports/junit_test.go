package reports

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func renderJUnit(t *testing.T, run *Run) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJUnit(&b, run); err != nil {
		t.Fatalf("WriteJUnit: %v", err)
	}
	return b.Bytes()
}

func TestJUnitGolden(t *testing.T) {
	checkGolden(t, "junit.golden", renderJUnit(t, fixtureRun()))
}

func TestJUnitEmptyRunGolden(t *testing.T) {
	checkGolden(t, "junit-empty.golden", renderJUnit(t, &Run{Tool: "scimloop", Version: "v0"}))
}

// junitXSD is the project's copy of the JUnit schema that Jenkins, GitLab
// and Surefire readers accept.
const junitXSD = "testdata/junit.xsd"

// TestJUnitValidatesAgainstSchema runs xmllint on the output of the fixture
// and of an empty run. Without xmllint the test skips, unless $CI is set.
func TestJUnitValidatesAgainstSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("xmllint not found and CI is set: install libxml2-utils (%v)", err)
		}
		t.Skipf("xmllint not found (apt-get install libxml2-utils); set CI to make this a failure: %v", err)
	}
	cases := map[string]*Run{
		"fixture": fixtureRun(),
		"merged":  mergedRun(),
		"empty":   {},
		"strict":  func() *Run { r := fixtureRun(); r.Strict = true; r.Started = r.Started.Local(); return r }(),
	}
	for name, run := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name+".xml")
			if err := os.WriteFile(path, renderJUnit(t, run), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(xmllint, "--noout", "--schema", junitXSD, path).CombinedOutput()
			if err != nil {
				t.Fatalf("xmllint --schema %s %s: %v\n%s", junitXSD, path, err, out)
			}
		})
	}
}

// junitDoc mirrors the parts of the output the tests look at.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Props     []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Failure *junitOutcome `xml:"failure"`
			Error   *junitOutcome `xml:"error"`
			Skipped *junitOutcome `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitOutcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func parseJUnit(t *testing.T, data []byte) junitDoc {
	t.Helper()
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("output is not well-formed XML: %v", err)
	}
	return doc
}

func TestJUnitContent(t *testing.T) {
	run := fixtureRun()
	doc := parseJUnit(t, renderJUnit(t, run))

	checkJUnitCounts(t, doc)

	// Suites are sorted, the dialect shows in the name, the run suite is last.
	var names []string
	for _, s := range doc.Suites {
		names = append(names, s.Name)
	}
	wantNames := []string{"create-user", "deactivate-user (entra)", "group-lifecycle", "list-users", "update-user", "(run)"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("suite names = %q, want %q", names, wantNames)
	}

	tests2 := []struct {
		suite, name, kind, typ string
		inMessage, inText      []string
	}{
		{"update-user", "etag-changes-on-update", "failure", "MUST",
			[]string{"ETag W/\"1\"", "(+1 more)"},
			[]string{"want a value different", "PATCH /Users/2819c223", "second line | with pipe", "<b>bjensen</b> & co ]]>", "<![CDATA[ x ]]>", "reproduce: scimloop run", "exchanges: #3, #4", "RFC 7644 §3.14", "rule: a version MUST change"}},
		{"update-user", "if-match-412", "failure", "SHOULD",
			[]string{"warning", "409, want 412"},
			[]string{"version & <mismatch>"}},
		{"deactivate-user (entra)", "entra-false-string", "failure", "IDP",
			[]string{"IdP compatibility", `"False" = 400`}, nil},
		{"deactivate-user (entra)", "patch-remove-member", "error", "error",
			[]string{"precondition: group create failed"}, nil},
		{"list-users", "sort-supported", "failure", "MAY", []string{"MAY"}, nil},
		{"list-users", "bulk-ops", "skipped", "", []string{"bulk not advertised"}, nil},
		{"create-user", "tls-required", "skipped", "", []string{"loopback http <127.0.0.1> & no TLS"}, nil},
		{"create-user", "status-201-on-create", "pass", "", nil, nil},
		{"group-lifecycle", "(scenario)", "error", "scenario", []string{"POST /Groups = 500"}, nil},
		{"(run)", "final-state-consistent", "failure", "MUST", []string{"members mismatch"}, []string{"-u1\n+u2"}},
		{"(run)", "infrastructure", "error", "infrastructure", []string{"i/o timeout", "(+1 more)"}, []string{"cleanup interrupted"}},
		{"(run)", "cleanup", "error", "cleanup", []string{"2 resources"}, []string{"User u-99 (sl-42-alice)", "Group g-7"}},
	}
	for _, tt := range tests2 {
		found, msg, typ, text, kind := findCase(doc, tt.suite, tt.name)
		if !found {
			t.Errorf("%s/%s: no such testcase", tt.suite, tt.name)
			continue
		}
		if kind != tt.kind || typ != tt.typ {
			t.Errorf("%s/%s = <%s type=%q>, want <%s type=%q>", tt.suite, tt.name, kind, typ, tt.kind, tt.typ)
		}
		for _, s := range tt.inMessage {
			if !strings.Contains(msg, s) {
				t.Errorf("%s/%s: message %q does not contain %q", tt.suite, tt.name, msg, s)
			}
		}
		for _, s := range tt.inText {
			if !strings.Contains(text, s) {
				t.Errorf("%s/%s: text does not contain %q:\n%s", tt.suite, tt.name, s, text)
			}
		}
	}

	// Properties on a testcase.
	props := map[string]string{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if s.Name == "update-user" && c.Name == "etag-changes-on-update" {
				for _, p := range c.Props {
					props[p.Name] = p.Value
				}
			}
		}
	}
	wantProps := map[string]string{
		"scimloop.check": "etag-changes-on-update", "scimloop.rfc": "RFC 7644 §3.14", "scimloop.level": "MUST",
		"scimloop.seed": "42", "scimloop.dialect": "entra", "scimloop.version": "v0.3.0-test",
		"scimloop.spec": "PROTO-ETAG-003 PROTO-ETAG-004",
	}
	for k, v := range wantProps {
		if props[k] != v {
			t.Errorf("property %s = %q, want %q", k, props[k], v)
		}
	}
}

// checkJUnitCounts checks every suite's counts, and the total's, against
// its testcases, and that no testcase is repeated.
func checkJUnitCounts(t *testing.T, doc junitDoc) {
	t.Helper()
	var tests, failures, errs, skipped int
	seen := map[string]bool{}
	for _, s := range doc.Suites {
		var st, sf, se, ss int
		for _, c := range s.Cases {
			key := c.Classname + "\x00" + c.Name
			if seen[key] {
				t.Errorf("duplicate testcase classname=%q name=%q (GitLab keeps only the first)", c.Classname, c.Name)
			}
			seen[key] = true
			st++
			switch {
			case c.Failure != nil:
				sf++
			case c.Error != nil:
				se++
			case c.Skipped != nil:
				ss++
			}
		}
		if s.Tests != st || s.Failures != sf || s.Errors != se || s.Skipped != ss {
			t.Errorf("suite %q counts = %d/%d/%d/%d, want %d/%d/%d/%d", s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, st, sf, se, ss)
		}
		tests, failures, errs, skipped = tests+st, failures+sf, errs+se, skipped+ss
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs || doc.Skipped != skipped {
		t.Errorf("testsuites counts = %d/%d/%d/%d, want %d/%d/%d/%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, tests, failures, errs, skipped)
	}
}

// findCase finds a testcase by suite and name, with its outcome.
func findCase(doc junitDoc, suite, name string) (found bool, msg, typ, text, kind string) {
	for _, s := range doc.Suites {
		if s.Name != suite {
			continue
		}
		for _, c := range s.Cases {
			if c.Name != name {
				continue
			}
			switch {
			case c.Failure != nil:
				return true, c.Failure.Message, c.Failure.Type, c.Failure.Text, "failure"
			case c.Error != nil:
				return true, c.Error.Message, c.Error.Type, c.Error.Text, "error"
			case c.Skipped != nil:
				return true, c.Skipped.Message, c.Skipped.Type, c.Skipped.Text, "skipped"
			}
			return true, "", "", "", "pass"
		}
	}
	return false, "", "", "", ""
}

// TestJUnitIllegalCharacters checks that characters XML 1.0 forbids never
// reach the output, in text or attributes.
func TestJUnitIllegalCharacters(t *testing.T) {
	out := renderJUnit(t, fixtureRun())
	if !utf8.Valid(out) {
		t.Fatal("output is not valid UTF-8")
	}
	for i, r := range string(out) {
		if !isXMLChar(r) {
			t.Fatalf("output has %U at byte %d, not an XML 1.0 character", r, i)
		}
	}
	if !bytes.Contains(out, []byte("ctl:\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD[31m")) {
		t.Error("control characters in an excerpt were not replaced with U+FFFD")
	}
	// The same in attributes: the message of a scenario error has a NUL.
	if !bytes.Contains(out, []byte(`message="POST /Groups = 500`+"\uFFFD"+` Internal Server Error"`)) {
		t.Error("NUL in an attribute was not replaced with U+FFFD")
	}
}

func TestXMLEscape(t *testing.T) {
	tests := []struct{ in, text, attr string }{
		{"a<b>&c", "a&lt;b&gt;&amp;c", "a&lt;b&gt;&amp;c"},
		{`"q"`, `"q"`, "&quot;q&quot;"},
		{"]]>", "]]&gt;", "]]&gt;"},
		{"l1\nl2\tt\r", "l1\nl2\tt&#xD;", "l1&#xA;l2&#x9;t&#xD;"},
		{"\x00\x08\x0b\x0c\x1f", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"\uFFFE\uFFFF", "\uFFFD\uFFFD", "\uFFFD\uFFFD"},
		{"bad\xff\xc3", "bad\uFFFD\uFFFD", "bad\uFFFD\uFFFD"},
		{"ok \uFFFD é 😀 \x7f", "ok \uFFFD é 😀 \x7f", "ok \uFFFD é 😀 \x7f"},
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD"}, // an encoded surrogate
	}
	for _, tt := range tests {
		var text, attr bytes.Buffer
		xmlEscape(&text, tt.in, false)
		xmlEscape(&attr, tt.in, true)
		if text.String() != tt.text {
			t.Errorf("xmlEscape(%q, text) = %q, want %q", tt.in, text.String(), tt.text)
		}
		if attr.String() != tt.attr {
			t.Errorf("xmlEscape(%q, attr) = %q, want %q", tt.in, attr.String(), tt.attr)
		}
	}
}

// TestJUnitTimeNeverExponent checks every time attribute is a plain decimal,
// also for durations that %g or %v would print with an exponent.
func TestJUnitTimeNeverExponent(t *testing.T) {
	run := fixtureRun()
	run.Duration = 1e-7
	run.Scenarios[0].Duration = 12345678.9
	run.Scenarios[1].Duration = 1e-7
	run.Scenarios[2].Duration = 1e21
	run.Scenarios[3].Duration = -1
	out := renderJUnit(t, run)
	times := regexp.MustCompile(`\btime="([^"]*)"`).FindAllStringSubmatch(string(out), -1)
	if len(times) == 0 {
		t.Fatal("no time attributes")
	}
	plain := regexp.MustCompile(`^[0-9]+\.[0-9]{3}$`)
	for _, m := range times {
		if !plain.MatchString(m[1]) || strings.ContainsAny(m[1], "eE") {
			t.Errorf("time=%q, want a plain decimal with three fractional digits", m[1])
		}
	}
	for _, want := range []string{`time="12345678.900"`, `time="0.000"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output has no %s", want)
		}
	}
}

func TestSeconds(t *testing.T) {
	tests := map[float64]string{
		0: "0.000", 1e-7: "0.000", 0.0005: "0.001", 1.5: "1.500", 12345678.9: "12345678.900",
		-3: "0.000", 1e21: "1000000000000000000000.000",
	}
	for in, want := range tests {
		if got := seconds(in); got != want {
			t.Errorf("seconds(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestWritersAreDeterministic renders every format twice, and once more from
// a Run read back from its JSON, and wants the same bytes; the Run must not
// be modified.
func TestWritersAreDeterministic(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			run := fixtureRun()
			var first, second, third, js bytes.Buffer
			if err := Render(format, &first, run); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(run, fixtureRun()) {
				t.Fatalf("Render(%q) modified the Run", format)
			}
			if err := Render(format, &second, run); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, run); err != nil {
				t.Fatal(err)
			}
			back, err := ReadJSON(&js)
			if err != nil {
				t.Fatal(err)
			}
			if err := Render(format, &third, back); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Errorf("Render(%q) twice gave different output:\n%s", format, firstDiff(first.Bytes(), second.Bytes()))
			}
			// JSON itself is exempt: encoding/json writes invalid UTF-8 as
			// \ufffd escapes the first time and as U+FFFD after a round trip.
			if format != "json" && !bytes.Equal(first.Bytes(), third.Bytes()) {
				t.Errorf("Render(%q) of the Run read back from JSON differs:\n%s", format, firstDiff(first.Bytes(), third.Bytes()))
			}
		})
	}
}

func TestWritersRejectNilRun(t *testing.T) {
	for _, format := range Formats() {
		if err := Render(format, &bytes.Buffer{}, nil); err == nil {
			t.Errorf("Render(%q, nil Run) = nil error, want an error", format)
		}
	}
}

// mergedRun is the fixture as certify merges runs: every scenario once per
// dialect and seed.
func mergedRun() *Run {
	run := fixtureRun()
	run.Seeds, run.Dialects = []int64{1, 42}, []string{"rfc", "okta"}
	var scs []ScenarioResult
	for _, d := range run.Dialects {
		for _, seed := range run.Seeds {
			for _, sc := range run.Scenarios {
				sc.Dialect, sc.Seed = d, seed
				scs = append(scs, sc)
			}
		}
	}
	run.Scenarios = scs
	return run
}

// TestJUnitMergedRunUnique checks that a run merging several dialects and
// seeds keeps classname+name unique (GitLab drops duplicates) and names each
// suite by scenario, dialect and seed.
func TestJUnitMergedRunUnique(t *testing.T) {
	doc := parseJUnit(t, renderJUnit(t, mergedRun()))
	seen := map[string]bool{}
	suites := map[string]bool{}
	for _, s := range doc.Suites {
		if suites[s.Name] {
			t.Errorf("suite %q twice", s.Name)
		}
		suites[s.Name] = true
		for _, c := range s.Cases {
			key := c.Classname + " " + c.Name
			if seen[key] {
				t.Errorf("testcase %q twice", key)
			}
			seen[key] = true
		}
	}
	want := false
	for name := range suites {
		if strings.HasSuffix(name, " (okta, seed 42)") {
			want = true
		}
	}
	if !want {
		t.Errorf("no suite named for dialect and seed: %v", suites)
	}
}
