package reconcile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// scim sends one request to the server under test (the test's own writes,
// never reconcile's) and returns the decoded answer.
func scim(t testing.TB, method, u string, body any, header ...string) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Content-Type", "application/scim+json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s = %d: %s", method, u, resp.StatusCode, data)
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m
}

// idOf finds the id of the resource of typ whose attr equals value.
func idOf(t testing.TB, base, typ, attr, value string) string {
	t.Helper()
	m := scim(t, "GET", base+"/"+typ+"?filter="+url.QueryEscape(attr+` eq "`+value+`"`), nil)
	rs, _ := m["Resources"].([]any)
	if len(rs) != 1 {
		t.Fatalf("%s %s %q: %d found", typ, attr, value, len(rs))
	}
	return rs[0].(map[string]any)["id"].(string)
}

func patch(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
}

// perturbed is a server with 600 users and 3 groups of 500 members, a
// source exported from it (plus one user only the source has), and the
// server then perturbed once in every drift class.
func perturbed(t *testing.T) (string, *Source, string) {
	t.Helper()
	return perturbedWith(t, refserver.Config{}, nil)
}

// perturbedWith is perturbed on a server with cfg, whose requests wrap sees.
func perturbedWith(t *testing.T, cfg refserver.Config, wrap func(http.Handler) http.Handler) (string, *Source, string) {
	t.Helper()
	_, base := refServerWith(t, cfg, refserver.Preload{Users: 600, Groups: 3, MembersPerGroup: 500, Seed: 7}, wrap)
	_, data := export(t, base)
	data = append(data, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"only-at-source","externalId":"src-1","active":true}`+"\n")...)
	src, err := ReadSource(bytes.NewReader(data), "source.jsonl", MatchDefault)
	if err != nil || src.ErrorCount > 0 {
		t.Fatal(err, src.Errors)
	}
	g0 := idOf(t, base, "Groups", "externalId", "gext-00000")
	// The first member of group 0 (in the source's order) leaves it: 1 of 500 missing.
	var gone string
	for _, g := range src.Groups {
		if g.Key == "gext-00000" {
			gone = g.Members[0]
		}
	}
	goneID := idOf(t, base, "Users", "externalId", gone)
	scim(t, "PATCH", base+"/Groups/"+g0, patch(map[string]any{"op": "remove", "path": `members[value eq "` + goneID + `"]`}))
	// A user no group holds joins group 0 without the source granting it.
	outsider := ""
	for i := 0; i < 600 && outsider == ""; i++ {
		k := fmt.Sprintf("ext-%07d", i)
		in := false
		for _, m := range src.Groups[0].Members {
			in = in || m == k
		}
		if !in {
			outsider = k
		}
	}
	scim(t, "PATCH", base+"/Groups/"+g0, patch(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": idOf(t, base, "Users", "externalId", outsider)}}}))
	// ext-0000009 is inactive at the source (every tenth is): active on the server.
	scim(t, "PATCH", base+"/Users/"+idOf(t, base, "Users", "externalId", "ext-0000009"), patch(map[string]any{"op": "replace", "path": "active", "value": true}))
	// ext-0000001's active flipped to false; ext-0000002's displayName drifted.
	scim(t, "PATCH", base+"/Users/"+idOf(t, base, "Users", "externalId", "ext-0000001"), patch(map[string]any{"op": "replace", "path": "active", "value": false}))
	scim(t, "PATCH", base+"/Users/"+idOf(t, base, "Users", "externalId", "ext-0000002"), patch(map[string]any{"op": "replace", "path": "displayName", "value": "Someone Else"}))
	// A second user with ext-0000003's externalId; an active and an inactive extra; an extra group.
	scim(t, "POST", base+"/Users", newUser("copy-of-3@example.test", "ext-0000003", true))
	scim(t, "POST", base+"/Users", newUser("stranger@example.test", "stranger", true))
	scim(t, "POST", base+"/Users", newUser("former@example.test", "former", false))
	scim(t, "POST", base+"/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "shadow-admins"})
	return base, src, fmt.Sprintf("%s|%s", gone, outsider)
}

// TestEveryDriftClassExactly reconciles a server perturbed once in every
// drift class, paging by cursor (the reference server's default), by
// index (a server without cursors) and by cursor on a server that refuses
// startIndex: all three find exactly the same drift.
func TestEveryDriftClassExactly(t *testing.T) {
	for _, tc := range pagingServers() {
		t.Run(tc.name, func(t *testing.T) {
			var starts atomic.Int64
			base, src, members := perturbedWith(t, tc.cfg, countStartIndex(&starts))
			everyDriftClass(t, base, src, members)
			if tc.cfg.CursorOnly && starts.Load() != 0 {
				t.Errorf("%d list requests sent startIndex to a server with index paging off", starts.Load())
			}
		})
	}
}

// pagingServers are the reference servers of each paging method.
func pagingServers() []struct {
	name string
	cfg  refserver.Config
} {
	return []struct {
		name string
		cfg  refserver.Config
	}{
		{"cursor-and-index", refserver.Config{}},
		{"index-only", refserver.Config{Without: []string{"cursor"}}},
		{"cursor-only", refserver.Config{CursorOnly: true}},
	}
}

// countStartIndex counts the requests that carry startIndex, in the query
// or a SearchRequest body.
func countStartIndex(n *atomic.Int64) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("startIndex") {
				n.Add(1)
			}
			if r.Method == http.MethodPost && r.Body != nil {
				b, _ := io.ReadAll(r.Body)
				if bytes.Contains(bytes.ToLower(b), []byte(`"startindex"`)) {
					n.Add(1)
				}
				r.Body = io.NopCloser(bytes.NewReader(b))
			}
			h.ServeHTTP(w, r)
		})
	}
}

func everyDriftClass(t *testing.T, base string, src *Source, members string) {
	t.Helper()
	gone, outsider, _ := strings.Cut(members, "|")
	rep := run(t, base, src, nil)
	want := `access-lingers User ext-0000009 active: false -> true
access-lingers User stranger
membership-not-granted Group gext-00000 member ` + outsider + `
missing User src-1
missing-membership Group gext-00000 member ` + gone + `
attribute-drift User ext-0000001 active: true -> false
attribute-drift User ext-0000002 displayName: "User 2" -> "Someone Else"
duplicate User ext-0000003 ×2
extra Group shadow-admins
extra User former
`
	if got := driftLines(rep.Drift); got != want {
		t.Fatalf("drift:\n%s\nwant:\n%s", got, want)
	}
	if rep.Verdict != reports.ReconcileDrift || len(rep.Incomplete) > 0 {
		t.Fatalf("verdict %s, incomplete %v", rep.Verdict, rep.Incomplete)
	}
	wantCounts := map[reports.DriftClass]int{reports.DriftAccessLingers: 2, reports.DriftMembershipNotGranted: 1, reports.DriftMissing: 1,
		reports.DriftMissingMembership: 1, reports.DriftAttribute: 2, reports.DriftDuplicate: 1, reports.DriftExtra: 2}
	for c, n := range wantCounts {
		if rep.Counts[c] != n {
			t.Errorf("count %s = %d, want %d", c, rep.Counts[c], n)
		}
	}
	// With a filter scope, extras are looked for only among the users it
	// lists; source users outside it are read again, not called missing.
	rep = run(t, base, src, func(c *Config) { c.Scope = `userName sw "str"` })
	if got := driftLines(rep.Drift); got != strings.Replace(want, "extra User former\n", "", 1) {
		t.Errorf("scope userName sw \"str\":\n%s", got)
	}
	// With scope "source", extras are not looked for.
	rep = run(t, base, src, func(c *Config) { c.Scope = ScopeSource })
	if rep.Counts[reports.DriftExtra] != 0 || rep.Counts[reports.DriftAccessLingers] != 1 {
		t.Errorf("scope source: %v", rep.Counts)
	}
}

func newUser(name, ext string, active bool) map[string]any {
	u := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": name, "active": active}
	if ext != "" {
		u["externalId"] = ext
	}
	return u
}

func TestNestedGroupsAndMembersAddedDuringTheWalk(t *testing.T) {
	_, base := refServer(t, refserver.Preload{Users: 5, Groups: 0}, nil)
	group := func(name string, members ...map[string]any) string {
		body := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name, "externalId": name}
		if len(members) > 0 {
			body["members"] = members
		}
		return scim(t, "POST", base+"/Groups", body)["id"].(string)
	}
	inner := group("inner", map[string]any{"value": idOf(t, base, "Users", "externalId", "ext-0000001")})
	group("outer", map[string]any{"value": inner, "type": "Group"}, map[string]any{"value": idOf(t, base, "Users", "externalId", "ext-0000002")})
	src, data := export(t, base)
	if !strings.Contains(string(data), `"members":[{"type":"Group","value":"inner"}`) {
		t.Fatalf("export of a nested group:\n%s", data)
	}
	if rep := run(t, base, src, nil); !rep.InSync() {
		t.Fatalf("nested groups against their export:\n%s%v", driftLines(rep.Drift), rep.Incomplete)
	}
	// Another group joins outer; a user created after the user walk joins inner.
	rogue := group("rogue")
	var once sync.Once
	hook := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Groups") {
				once.Do(func() {
					late := scim(t, "POST", base+"/Users", newUser("late@example.test", "late", true))["id"].(string)
					scim(t, "PATCH", base+"/Groups/"+inner, patch(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": late}}}))
				})
			}
			h.ServeHTTP(w, r)
		})
	}
	scim(t, "PATCH", base+"/Groups/"+idOf(t, base, "Groups", "externalId", "outer"), patch(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": rogue, "type": "Group"}}}))
	rep := run(t, refProxy(t, base, hook), src, func(c *Config) { c.Concurrency = 1 })
	want := `membership-not-granted Group inner member late
membership-not-granted Group outer member rogue
extra Group rogue
`
	if got := driftLines(rep.Drift); got != want {
		t.Fatalf("drift:\n%s\nwant:\n%s%v", got, want, rep.Incomplete)
	}
}
