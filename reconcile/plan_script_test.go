package reconcile

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/internal/refserver"
)

// trickyUser is a source-only user whose values hold every character a
// shell treats specially: the plan must send them byte for byte.
const trickyUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"o'brien@example.test","externalId":"src-tricky","active":true,` +
	`"displayName":"O'Brien $HOME ${ID_1} $(id) ` + "`id`" + ` \\ \"q\" \\n SCIMLOOP_BODY"}`

// scriptPlan perturbs a small reference server (seen through wrap) in the
// classes a plan fixes, and returns its base URL, the source and a plan
// that creates trickyUser and adds it to a group by the id the create
// answers.
func scriptPlan(t *testing.T, wrap func(http.Handler) http.Handler) (string, *Source, *Plan) {
	t.Helper()
	_, base := refServer(t, refserver.Preload{Users: 30, Groups: 2, MembersPerGroup: 10, Seed: 3}, wrap)
	_, data := export(t, base)
	data = append(data, trickyUser+"\n"...)
	src, err := ReadSource(bytes.NewReader(data), "source.jsonl", MatchDefault)
	if err != nil || src.ErrorCount > 0 {
		t.Fatal(err, src.Errors)
	}
	src.Groups[0].Members = append(src.Groups[0].Members, "src-tricky")
	scim(t, "PATCH", base+"/Users/"+idOf(t, base, "Users", "externalId", "ext-0000001"), patch(map[string]any{"op": "replace", "path": "active", "value": false}))
	scim(t, "PATCH", base+"/Users/"+idOf(t, base, "Users", "externalId", "ext-0000002"), patch(map[string]any{"op": "replace", "path": "displayName", "value": "Someone Else"}))
	scim(t, "DELETE", base+"/Users/"+idOf(t, base, "Users", "externalId", "ext-0000004"), nil)
	scim(t, "POST", base+"/Users", newUser("stranger@example.test", "stranger", true))
	rep := run(t, base, src, func(c *Config) { c.Plan = true })
	if rep.Total() == 0 || len(rep.Plan.Steps) == 0 {
		t.Fatal("no drift to plan for")
	}
	return base, src, rep.Plan
}

// writeScript writes plan.sh into a fresh directory and returns its path.
func writeScript(t *testing.T, p *Plan) string {
	t.Helper()
	var sh bytes.Buffer
	if err := WritePlanScript(&sh, p); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.sh")
	if err := os.WriteFile(path, sh.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// shells are the POSIX shells on this machine that plan.sh is tried with.
func shells(t *testing.T) []string {
	var out []string
	for _, name := range []string{"sh", "dash", "bash"} {
		if p, err := exec.LookPath(name); err == nil {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Skip("no POSIX shell on PATH")
	}
	return out
}

// needCurl returns curl's path; without curl the test is skipped, unless
// CI is set (CI installs it: .ci/run).
func needCurl(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("curl not found and CI is set: install curl (%v)", err)
		}
		t.Skip("curl not found: plan.sh cannot be run")
	}
}

func TestPlanScriptSyntaxAndSecrets(t *testing.T) {
	_, _, plan := scriptPlan(t, nil)
	path := writeScript(t, plan)
	text, _ := os.ReadFile(path)
	for _, sh := range shells(t) {
		if out, err := exec.Command(sh, "-n", path).CombinedOutput(); err != nil {
			t.Errorf("%s -n plan.sh: %v\n%s\n%s", sh, err, out, text)
		}
	}
	for _, want := range []string{"Bearer $SCIMLOOP_TOKEN\nSCIMLOOP_AUTH\n", "' <<SCIMLOOP_BODY\n", `"value":"${ID_`, "If-Match: "} {
		if !strings.Contains(string(text), want) {
			t.Errorf("plan.sh lacks %s:\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`(?m)^create \d+ '/Users' <<SCIMLOOP_BODY$`).Match(text) {
		t.Errorf("plan.sh creates no user it refers to later:\n%s", text)
	}
	for _, banned := range []string{"jq", "Bearer test", "sed ", "awk "} {
		if strings.Contains(string(text), banned) {
			t.Errorf("plan.sh contains %q:\n%s", banned, text)
		}
	}
}

// runScript runs plan.sh with sh, a token in the environment, and returns
// its combined output and error.
func runScript(t *testing.T, shell, path string) (string, error) {
	t.Helper()
	cmd := exec.Command(shell, path)
	cmd.Env = append(os.Environ(), "SCIMLOOP_TOKEN=test-token-not-in-the-file")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestPlanScriptConverges runs plan.sh with curl against the reference
// server, in every shell on the machine: a second reconcile is in sync,
// the tricky user's values included. Without a Location header the id is
// read from the answer's body.
func TestPlanScriptConverges(t *testing.T) {
	needCurl(t)
	noLocation := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(dropLocation{w}, r)
		})
	}
	for _, sh := range shells(t) {
		for _, tc := range []struct {
			name string
			wrap func(http.Handler) http.Handler
		}{{"location", nil}, {"no-location", noLocation}} {
			t.Run(filepath.Base(sh)+"/"+tc.name, func(t *testing.T) {
				base, src, plan := scriptPlan(t, tc.wrap)
				path := writeScript(t, plan)
				if out, err := runScript(t, sh, path); err != nil {
					t.Fatalf("plan.sh: %v\n%s", err, out)
				}
				again := run(t, base, src, nil)
				if !again.InSync() {
					t.Fatalf("after plan.sh: %s\n%s%v", again.Verdict, driftLines(again.Drift), again.Incomplete)
				}
			})
		}
	}
}

// dropLocation hides the Location header of every answer.
type dropLocation struct{ http.ResponseWriter }

func (d dropLocation) WriteHeader(code int) {
	d.Header().Del("Location")
	d.ResponseWriter.WriteHeader(code)
}

// TestPlanScriptStopsAtARefusedStep: a user changed after the plan was
// made fails its If-Match; the script stops there, says which step, and
// exits non-zero.
func TestPlanScriptStopsAtARefusedStep(t *testing.T) {
	needCurl(t)
	base, _, plan := scriptPlan(t, nil)
	id := idOf(t, base, "Users", "externalId", "ext-0000002")
	scim(t, "PATCH", base+"/Users/"+id, patch(map[string]any{"op": "replace", "path": "title", "value": "changed since"}))
	step := 0
	for _, s := range plan.Steps {
		if strings.HasSuffix(s.Path, id) && s.IfMatch != "" {
			step = s.Step
		}
	}
	if step == 0 {
		t.Fatal("no If-Match step for ext-0000002")
	}
	out, err := runScript(t, "sh", writeScript(t, plan))
	if err == nil {
		t.Fatalf("plan.sh succeeded past a stale If-Match:\n%s", out)
	}
	if want := fmt.Sprintf("plan.sh: step %d (PATCH /Users/%s) failed: HTTP 412", step, id); !strings.Contains(out, want) {
		t.Fatalf("output lacks %q:\n%s", want, out)
	}
}

func TestPlanScriptNeedsAToken(t *testing.T) {
	_, _, plan := scriptPlan(t, nil)
	cmd := exec.Command("sh", writeScript(t, plan))
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "SCIMLOOP_TOKEN=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "set SCIMLOOP_TOKEN") {
		t.Fatalf("plan.sh without a token: %v\n%s", err, out)
	}
}

// TestPlanScriptKeepsTheTokenOffCommandLines: curl reads the token from a
// here-document, so no command line (which other users of the machine can
// see in the process list) holds it; the server still gets it, or the
// steps would fail with 401. A token with a line break, which could add
// headers of its own, is refused.
func TestPlanScriptKeepsTheTokenOffCommandLines(t *testing.T) {
	needCurl(t)
	real, _ := exec.LookPath("curl")
	dir := t.TempDir()
	argv := filepath.Join(dir, "argv")
	shim := "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + argv + "'\nexec '" + real + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "curl"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	base, src, plan := scriptPlan(t, nil)
	path := writeScript(t, plan)
	cmd := exec.Command("sh", path)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "SCIMLOOP_TOKEN=test-token-not-in-the-file")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("plan.sh: %v\n%s", err, out)
	}
	if again := run(t, base, src, nil); !again.InSync() {
		t.Fatalf("after plan.sh: %s\n%s", again.Verdict, driftLines(again.Drift))
	}
	args, err := os.ReadFile(argv)
	if err != nil || len(args) == 0 {
		t.Fatalf("the curl shim saw no command line: %v", err)
	}
	if strings.Contains(string(args), "test-token") {
		t.Errorf("the token is on curl's command line:\n%s", args)
	}

	cmd = exec.Command("sh", path)
	cmd.Env = append(os.Environ(), "SCIMLOOP_TOKEN=tok\nX-Injected: 1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "line break") {
		t.Fatalf("plan.sh with a token holding a line break: %v\n%s", err, out)
	}
}
