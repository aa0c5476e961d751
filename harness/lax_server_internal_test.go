package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scimloop/scimloop/reports"
)

// laxServer is a SCIM server that accepts and keeps whatever it is sent,
// probes it should refuse included, and numbers resources 1, 2, 3…: a test
// of what a run leaves behind and of how its write guard compares ids.
type laxServer struct {
	mu   sync.Mutex
	next int
	res  map[string]map[string]map[string]any // "Users" or "Groups" → id → resource
	// lie, when set, picks the create whose answer names another id (that of
	// a resource the run did not create) instead of the one it stored.
	lie func(n int) (string, bool)
	// noID, when set, picks the creates answered without an id or a Location.
	noID  func(body map[string]any) bool
	posts int
}

func newLaxServer() *laxServer {
	return &laxServer{res: map[string]map[string]map[string]any{"Users": {}, "Groups": {}}}
}

// add stores r under a fresh id and returns it.
func (s *laxServer) add(typ string, r map[string]any) string {
	s.next++
	id := strconv.Itoa(s.next)
	r["id"] = id
	r["meta"] = map[string]any{"resourceType": strings.TrimSuffix(typ, "s"), "location": "/scim/v2/" + typ + "/" + id}
	s.res[typ][id] = r
	return id
}

// left returns what the server still holds, as "Users/3".
func (s *laxServer) left() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for typ, m := range s.res {
		for id := range m {
			out = append(out, typ+"/"+id)
		}
	}
	slices.Sort(out)
	return out
}

// dump renders what the server still holds.
func (s *laxServer) dump() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _ := json.Marshal(s.res)
	return string(b)
}

func (s *laxServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/scim/v2"), "/"), "/")
	body, _ := io.ReadAll(r.Body)
	var doc map[string]any
	if len(body) > 0 && json.Unmarshal(body, &doc) != nil {
		laxWrite(w, http.StatusBadRequest, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": "400", "scimType": "invalidSyntax"})
		return
	}
	switch {
	case segs[0] == "ServiceProviderConfig":
		laxWrite(w, http.StatusOK, map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
			"patch": map[string]any{"supported": true}, "filter": map[string]any{"supported": true, "maxResults": 200},
			"bulk": map[string]any{"supported": true, "maxOperations": 10, "maxPayloadSize": 1 << 20},
			"sort": map[string]any{"supported": false}, "etag": map[string]any{"supported": false}, "changePassword": map[string]any{"supported": false}})
	case segs[0] == "Bulk" && r.Method == http.MethodPost:
		s.bulk(w, doc)
	case (segs[0] == "Users" || segs[0] == "Groups") && len(segs) == 1:
		s.collection(w, r, segs[0], doc)
	case (segs[0] == "Users" || segs[0] == "Groups") && len(segs) == 2:
		s.resource(w, r, segs[0], segs[1], doc)
	default:
		laxWrite(w, http.StatusNotFound, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": "404"})
	}
}

func (s *laxServer) collection(w http.ResponseWriter, r *http.Request, typ string, doc map[string]any) {
	if r.Method == http.MethodPost {
		s.posts++
		id := s.add(typ, doc)
		if lie, ok := s.lieFor(); ok {
			id = lie
		}
		answer := map[string]any{}
		for k, v := range doc {
			answer[k] = v
		}
		answer["id"] = id
		if s.noID != nil && s.noID(doc) {
			delete(answer, "id")
		} else {
			w.Header().Set("Location", "http://lax.test/scim/v2/"+typ+"/"+id)
		}
		laxWrite(w, http.StatusCreated, answer)
		return
	}
	attr, op, val := laxFilter(r.URL.Query().Get("filter"))
	var list []any
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range s.res[typ] {
			if !yield(id) {
				return
			}
		}
	}) {
		res := s.res[typ][id]
		name, _ := res[attr].(string)
		if attr == "" || op == "eq" && strings.EqualFold(name, val) || op == "sw" && len(name) >= len(val) && strings.EqualFold(name[:len(val)], val) {
			list = append(list, res)
		}
	}
	laxWrite(w, http.StatusOK, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(list), "startIndex": 1, "itemsPerPage": len(list), "Resources": list})
}

func (s *laxServer) lieFor() (string, bool) {
	if s.lie == nil {
		return "", false
	}
	return s.lie(s.posts)
}

var laxFilterRE = regexp.MustCompile(`^(\w+) (eq|sw) "((?:[^"\\]|\\.)*)"$`)

func laxFilter(f string) (attr, op, val string) {
	m := laxFilterRE.FindStringSubmatch(f)
	if m == nil {
		return "", "", ""
	}
	return m[1], m[2], strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[3])
}

func (s *laxServer) resource(w http.ResponseWriter, r *http.Request, typ, id string, doc map[string]any) {
	res, ok := s.res[typ][id]
	if !ok {
		laxWrite(w, http.StatusNotFound, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": "404"})
		return
	}
	switch r.Method {
	case http.MethodDelete:
		delete(s.res[typ], id)
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodPut:
		doc["id"], doc["meta"] = id, res["meta"]
		s.res[typ][id], res = doc, doc
	}
	laxWrite(w, http.StatusOK, res)
}

func (s *laxServer) bulk(w http.ResponseWriter, doc map[string]any) {
	ops, _ := doc["Operations"].([]any)
	var results []any
	for _, o := range ops {
		op, _ := o.(map[string]any)
		method, _ := op["method"].(string)
		path, _ := op["path"].(string)
		res := map[string]any{"method": method, "bulkId": op["bulkId"], "status": "404"}
		if strings.EqualFold(method, http.MethodPost) {
			typ := strings.Trim(path, "/")
			data, _ := op["data"].(map[string]any)
			if _, ok := s.res[typ]; ok && data != nil {
				id := s.add(typ, data)
				res["status"], res["location"] = "201", "http://lax.test/scim/v2/"+typ+"/"+id
			}
		}
		results = append(results, res)
	}
	laxWrite(w, http.StatusOK, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:BulkResponse"}, "Operations": results})
}

func laxWrite(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func laxNamed(v any) bool { s, ok := v.(string); return ok && s != "" }

// laxTarget serves s on loopback.
func laxTarget(t *testing.T, s *laxServer) Target {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return Target{URL: srv.URL + "/scim/v2", Client: srv.Client()}
}

// laxScenarios send every kind of create: probes the server should refuse,
// case-variant duplicates, Bulk creates.
var laxScenarios = []string{"user-lifecycle", "negative-inputs", "bulk", "resource-schema", "replace-create-delete"}

// reasons returns every reason and finding message of run, one per line.
func reasons(run *reports.Run) string {
	var b strings.Builder
	for _, sc := range run.Scenarios {
		b.WriteString(sc.Reason + "\n")
		for _, c := range sc.Checks {
			b.WriteString(c.Reason + "\n")
			for _, f := range c.Findings {
				b.WriteString(f.Message + "\n")
			}
		}
	}
	return b.String()
}

// TestNothingLeftBehind: a server that accepts and keeps every probe (no
// userName, an empty one, a nameless group, case-variant duplicates, Bulk
// creates) ends the run with nothing of the run's left, and a leftover
// report that says so.
func TestNothingLeftBehind(t *testing.T) {
	s := newLaxServer()
	run, err := Execute(context.Background(), laxTarget(t, s), WithOnly(laxScenarios...))
	if err != nil {
		t.Fatal(err)
	}
	if left := s.left(); len(left) > 0 {
		t.Errorf("the run left %v on the server", left)
	}
	if len(run.Leftovers) > 0 {
		t.Errorf("leftover report %+v, want none", run.Leftovers)
	}
	if s.posts < 20 {
		t.Fatalf("only %d creates were sent: the test exercises too little", s.posts)
	}
}

// TestLeftoverReportIsExact: when a create is answered without an id or a
// Location, the run looks the resource up by the name it sent and deletes
// it; a resource it sent no name for cannot be found, and the leftover
// report lists exactly those, no more, no less.
func TestLeftoverReportIsExact(t *testing.T) {
	s := newLaxServer()
	// Nameless probes, and two named ones, are answered without an id.
	s.noID = func(b map[string]any) bool {
		_, unknown := b["scimloopNoSuchAttribute"]
		_, schemas := b["schemas"]
		return unknown || !schemas || !laxNamed(b["userName"]) && !laxNamed(b["displayName"])
	}
	run, _ := Execute(context.Background(), laxTarget(t, s), WithOnly(laxScenarios...))
	byType := map[string]int{}
	for _, k := range s.left() {
		typ, _, _ := strings.Cut(k, "/")
		byType[strings.TrimSuffix(typ, "s")]++
	}
	reported := map[string]int{}
	for _, l := range run.Leftovers {
		reported[l.Type]++
		if !strings.Contains(l.Error, "find it") {
			t.Errorf("leftover %+v does not say how to find it", l)
		}
	}
	if fmt.Sprint(byType) != fmt.Sprint(reported) {
		t.Errorf("the server holds %v (%v), the leftover report lists %v: %+v", byType, s.dump(), reported, run.Leftovers)
	}
	if byType["User"] == 0 {
		t.Error("no nameless user was left: the test exercises too little")
	}
	if strings.Contains(s.dump(), "scimloopNoSuchAttribute") {
		t.Error("a named create answered without an id was not looked up and deleted")
	}
}

// TestGuardComparesIDsExactly: with ids 1, 2, 3…, a create answered with
// the id of a resource the run did not create ("1") makes that id one no
// write may name; that must block writes naming exactly "1", never writes
// to /Users/12 or bodies that merely contain the digit. The foreign
// resource is untouched, and everything the run created is deleted.
func TestGuardComparesIDsExactly(t *testing.T) {
	s := newLaxServer()
	s.add("Users", map[string]any{"userName": "someone-else@customer.example"})
	s.lie = func(n int) (string, bool) { return "1", n == 3 }
	run, _ := Execute(context.Background(), laxTarget(t, s), WithOnly(laxScenarios...))
	text := reasons(run)
	if !strings.Contains(text, `answered id "1"`) {
		t.Fatalf("the lying create was not caught:\n%s", text)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "it names") {
			t.Errorf("the guard blocked a write that does not name the foreign id: %s", line)
		}
	}
	if left := s.left(); !slices.Equal(left, []string{"Users/1"}) {
		t.Errorf("the server holds %v, want only the foreign Users/1", left)
	}
	if name := s.res["Users"]["1"]["userName"]; name != "someone-else@customer.example" {
		t.Errorf("the foreign user was changed: userName %v", name)
	}
	if len(run.Leftovers) > 0 {
		t.Errorf("leftover report %+v, want none", run.Leftovers)
	}
}
