package reports

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fixtureReconcile has drift in every class, two findings on one
// resource, membership drift in two groups, a key full of markup, bad
// source rows and an incomplete note.
func fixtureReconcile() *Reconcile {
	r := &Reconcile{Tool: "scimloop", Version: "v0", Kind: "reconcile", Target: "https://scim.example.test/scim/v2",
		Source: "idp.jsonl", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 1.25, Match: "externalId", Scope: "all",
		Verdict: ReconcileDrift, Stats: ReconcileStats{SourceUsers: 10, SourceGroups: 2, SourceMemberships: 7, ServerUsers: 11, ServerGroups: 2, Compared: 12, Pages: 3, Requests: 5, Reread: 1},
		SourceErrors: []SourceError{{Line: 4, Error: "User without userName"}}, SourceErrorCount: 2,
		Drift: []Drift{
			{Class: DriftAccessLingers, Type: "User", Key: "ext-9", ID: "u9", Path: "active", Want: "false", Got: "true"},
			{Class: DriftAccessLingers, Type: "User", Key: "stranger", ID: "u99"},
			{Class: DriftMembershipNotGranted, Type: "Group", Key: "admins", ID: "g1", Member: "ext-5", MemberID: "u5"},
			{Class: DriftMissing, Type: "User", Key: "ext-4"},
			{Class: DriftMissingMembership, Type: "Group", Key: "admins", ID: "g1", Member: "ext-1"},
			{Class: DriftMissingMembership, Type: "Group", Key: "staff", ID: "g2", Member: "ext-2"},
			{Class: DriftAttribute, Type: "User", Key: "ext-9", ID: "u9", Path: "displayName", Want: `"Ann"`, Got: `"Bob"`},
			{Class: DriftAttribute, Type: "User", Key: "<b>x|y</b>", ID: "u7", Path: "title", Want: `"a"`, Got: `"b"`},
			{Class: DriftDuplicate, Type: "User", Key: "ext-3", IDs: []string{"u3", "u33"}},
			{Class: DriftExtra, Type: "Group", Key: "shadow", ID: "g9"},
		},
	}
	r.Counts = map[DriftClass]int{}
	for _, d := range r.Drift {
		r.Counts[d.Class]++
	}
	return r
}

func render(t *testing.T, format string, r *Reconcile) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderReconcile(format, &b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestReconcileJSONRoundTrips(t *testing.T) {
	r := fixtureReconcile()
	back, err := ReadReconcile(strings.NewReader(render(t, "json", r)))
	if err != nil {
		t.Fatal(err)
	}
	if render(t, "json", back) != render(t, "json", r) {
		t.Fatal("results.json does not survive a round trip")
	}
	if _, err := ReadReconcile(strings.NewReader(`{"tool":"scimloop","checks":[]}`)); err == nil || !strings.Contains(err.Error(), `kind "", want "reconcile"`) {
		t.Fatalf("a run's results.json read as a reconcile: %v", err)
	}
}

// TestRenderReconcileEveryFormat: every format a run renders in has a
// reconcile writer; an unknown one names the valid ones.
func TestRenderReconcileEveryFormat(t *testing.T) {
	for _, f := range Formats() {
		if render(t, f, fixtureReconcile()) == "" {
			t.Errorf("format %s wrote nothing", f)
		}
	}
	if err := RenderReconcile("pdf", &bytes.Buffer{}, fixtureReconcile()); err == nil || !strings.Contains(err.Error(), "valid formats: har, html") {
		t.Errorf("unknown format: %v", err)
	}
	if err := RenderReconcile("md", &bytes.Buffer{}, nil); err == nil {
		t.Error("a nil Reconcile was rendered")
	}
}

func TestReconcileMarkdown(t *testing.T) {
	md := render(t, "md", fixtureReconcile())
	for _, want := range []string{
		"# scimloop reconcile: drift\n",
		"| access-lingers | 2 |\n| membership-not-granted | 1 |\n| missing | 1 |\n| missing-membership | 2 |\n| attribute-drift | 2 |\n| duplicate | 1 |\n| extra | 1 |\n",
		"## access-lingers (2)", "## extra (1)",
		"| User ext-9 | `u9` | active on the server, inactive at the source (active: want false, got true) |",
		`| User &lt;b&gt;x\|y&lt;/b&gt; | ` + "`u7`" + ` | title: want "a", got "b" |`,
		"## Bad source rows (2)\n\n- line 4: User without userName",
		"10 users, 2 groups, 7 memberships, 2 bad rows",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "## access-lingers") > strings.Index(md, "## membership-not-granted") {
		t.Error("classes are not most risky first")
	}
	inSync := &Reconcile{Kind: "reconcile", Verdict: ReconcileInSync, Counts: map[DriftClass]int{}}
	if md := render(t, "md", inSync); strings.Contains(md, "## ") || !strings.Contains(md, "| extra | 0 |") {
		t.Errorf("in sync: no class sections, every count 0:\n%s", md)
	}
}

func TestReconcileHTML(t *testing.T) {
	page := render(t, "html", fixtureReconcile())
	order := []string{`class="banner drift"`, "Drift summary", "<svg", "Group memberships", "<h3>Group admins</h3>", "<h3>Group staff</h3>", "<h2>access-lingers (2)</h2>", "<h2>extra (1)</h2>", "Bad source rows (2)"}
	at := -1
	for _, s := range order {
		i := strings.Index(page, s)
		if i <= at {
			t.Fatalf("%q missing or out of order (the drift summary first):\n%s", s, page)
		}
		at = i
	}
	for _, want := range []string{"<tr><td>access-lingers</td><td>2</td></tr>", "<tr><td>extra</td><td>1</td></tr>",
		"<td>ext-5</td><td><code>u5</code></td><td>membership-not-granted</td>", "&lt;b&gt;x|y&lt;/b&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>x") {
		t.Error("a resource key reached the page unescaped")
	}
	// The plot: a bar per class, scaled to the largest count (2 → 400 px).
	bars := regexp.MustCompile(`<rect x="200" y="\d+" width="(\d+)"`).FindAllStringSubmatch(page, -1)
	var widths []string
	for _, b := range bars {
		widths = append(widths, b[1])
	}
	if got := strings.Join(widths, ","); got != "400,200,200,400,400,200,200" {
		t.Errorf("bar widths %s, want 400,200,200,400,400,200,200", got)
	}
}

func TestReconcileHTMLBoundsRows(t *testing.T) {
	r := &Reconcile{Kind: "reconcile", Verdict: ReconcileDrift, Counts: map[DriftClass]int{DriftMissing: htmlRowsPerClass + 5}}
	for i := range htmlRowsPerClass + 5 {
		r.Drift = append(r.Drift, Drift{Class: DriftMissing, Type: "User", Key: "k" + strings.Repeat("x", i%3)})
	}
	if page := render(t, "html", r); !strings.Contains(page, "5 more in results.json") {
		t.Error("a long class is not cut with a pointer to results.json")
	}
}

// reconcileJUnit mirrors the JUnit output.
type reconcileJUnit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Cases    []struct {
		Class   string `xml:"classname,attr"`
		Name    string `xml:"name,attr"`
		Failure *struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"failure"`
		Error *struct {
			Message string `xml:"message,attr"`
		} `xml:"error"`
	} `xml:"testsuite>testcase"`
}

func junitOf(t *testing.T, r *Reconcile) (reconcileJUnit, string) {
	t.Helper()
	out := render(t, "junit", r)
	var doc reconcileJUnit
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return doc, out
}

// TestReconcileJUnit: one failing testcase per drifted resource (its
// findings together, the riskiest one as the type), an errored one per
// incomplete note, one passing testcase when in sync; valid against the
// project's JUnit schema when xmllint is there.
func TestReconcileJUnit(t *testing.T) {
	r := fixtureReconcile()
	r.Verdict, r.Incomplete = ReconcileIncomplete, []string{"GET /Groups: 503"}
	doc, out := junitOf(t, r)
	var names []string
	for _, c := range doc.Cases {
		names = append(names, c.Name)
	}
	want := "User ext-9,User stranger,Group admins,User ext-4,Group staff,User <b>x|y</b>,User ext-3,Group shadow,incomplete 1"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("testcases %s\nwant %s", got, want)
	}
	if doc.Tests != 9 || doc.Failures != 8 || doc.Errors != 1 {
		t.Errorf("tests %d failures %d errors %d, want 9 8 1", doc.Tests, doc.Failures, doc.Errors)
	}
	ext9 := doc.Cases[0].Failure
	if ext9 == nil || ext9.Type != "access-lingers" || !strings.Contains(ext9.Text, "attribute-drift: displayName: want \"Ann\", got \"Bob\"") {
		t.Errorf("User ext-9: %+v", ext9)
	}
	if e := doc.Cases[8].Error; e == nil || e.Message != "GET /Groups: 503" {
		t.Errorf("incomplete: %+v", doc.Cases[8])
	}
	inSync, inSyncOut := junitOf(t, &Reconcile{Kind: "reconcile", Verdict: ReconcileInSync, Counts: map[DriftClass]int{}})
	if inSync.Tests != 1 || inSync.Failures != 0 || inSync.Cases[0].Failure != nil {
		t.Errorf("in sync: %+v", inSync)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("xmllint not found and CI is set: %v", err)
		}
		t.Skipf("xmllint not found: the schema check is skipped (%v)", err)
	}
	for name, doc := range map[string]string{"drift": out, "in-sync": inSyncOut} {
		path := filepath.Join(t.TempDir(), name+".xml")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(xmllint, "--noout", "--schema", junitXSD, path).CombinedOutput(); err != nil {
			t.Errorf("%s: xmllint: %v\n%s", name, err, b)
		}
	}
}
