package reconcile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/reports"
)

// apply sends every step of plan (as an operator would run plan.sh),
// resolving "{{id N}}" from the answers of earlier creates.
func apply(t *testing.T, plan *Plan) {
	t.Helper()
	ids := map[string]string{}
	ref := regexp.MustCompile(`\{\{id (\d+)\}\}`)
	resolve := func(s string) string {
		return ref.ReplaceAllStringFunc(s, func(m string) string { return ids[ref.FindStringSubmatch(m)[1]] })
	}
	for _, s := range plan.Steps {
		req, _ := http.NewRequest(s.Method, plan.Target+resolve(s.Path), bytes.NewReader([]byte(resolve(string(s.Body)))))
		req.Header.Set("Content-Type", "application/scim+json")
		if s.IfMatch != "" {
			req.Header.Set("If-Match", s.IfMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("step %d %s %s = %d: %s", s.Step, s.Method, s.Path, resp.StatusCode, data)
		}
		var m map[string]any
		if json.Unmarshal(data, &m) == nil {
			if id, ok := m["id"].(string); ok {
				ids[fmt.Sprint(s.Step)] = id
			}
		}
	}
}

func TestPlanConverges(t *testing.T) {
	base, src, _ := perturbed(t)
	// The user only the source has is also granted a group: the plan
	// must create it, then add it by the id the create answers.
	for i := range src.Groups {
		if src.Groups[i].Key == "gext-00001" {
			src.Groups[i].Members = append(src.Groups[i].Members, "src-1")
		}
	}
	rep := run(t, base, src, func(c *Config) { c.Plan = true })
	if rep.Total() == 0 {
		t.Fatal("no drift to plan for")
	}
	var js, sh bytes.Buffer
	if err := WritePlanJSON(&js, rep.Plan); err != nil {
		t.Fatal(err)
	}
	if err := WritePlanScript(&sh, rep.Plan); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"ifMatch"`, "{{id 1}}", `"method": "DELETE"`, `"method": "PATCH"`, `"method": "POST"`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("plan.json lacks %s:\n%s", want, js.String())
		}
	}
	for _, want := range []string{"Authorization: Bearer $SCIMLOOP_TOKEN\nSCIMLOOP_AUTH", `create 1 '/Users'`, `${ID_1}`} {
		if !strings.Contains(sh.String(), want) {
			t.Errorf("plan.sh lacks %s:\n%s", want, sh.String())
		}
	}
	var back Plan
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	apply(t, &back)
	again := run(t, base, src, nil)
	if !again.InSync() {
		t.Fatalf("after the plan: %s\n%s%v", again.Verdict, driftLines(again.Drift), again.Incomplete)
	}
	if again.Counts[reports.DriftMissing] != 0 {
		t.Fatal("still missing")
	}
}
