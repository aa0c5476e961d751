package scenarios

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

var bulk = Scenario{
	Name:  "bulk",
	Needs: fakeidp.CapBulk,
	Checks: withCommon("bulk-response", "bulk-partial-200", "bulk-result-fields", "bulk-error-response", "bulk-bulkid-resolved",
		"bulk-bulkid-extension", "bulk-fail-on-errors", "bulk-continue-on-error", "bulk-circular", "bulk-too-many",
		"bulk-post-needs-bulkid", "bulk-no-bulkid-in-ids", "http-message-schemas"),
	Run: func(s *S) {
		ent := s.Env.SP.Enterprise
		req := func(failOnErrors int, ops ...map[string]any) map[string]any {
			b := map[string]any{"schemas": []any{fakeidp.MsgBulkRequest}, "Operations": ops}
			if failOnErrors > 0 {
				b["failOnErrors"] = failOnErrors
			}
			return b
		}
		postUser := func(bulkID string, u fakeidp.User) map[string]any {
			op := map[string]any{"method": "POST", "path": "/Users", "data": fakeidp.UserResource(u, ent)}
			if bulkID != "" {
				op["bulkId"] = bulkID
			}
			return op
		}
		badUser := func(bulkID string) map[string]any {
			b := fakeidp.UserResource(s.NewUser(), ent)
			delete(b, "userName")
			return map[string]any{"method": "POST", "path": "/Users", "bulkId": bulkID, "data": b}
		}
		judgeIDs := func(ex *fakeidp.Exchange) {
			for _, r := range assertions.BulkResults(ex) {
				s.Judge("bulk-no-bulkid-in-ids", assertions.Expect(ex, !strings.Contains(strings.ToLower(r.Location), "bulkid"), "location "+r.Location, "an id without the string bulkId"), ex)
			}
		}

		// A user and a group that names it by bulkId.
		u := s.NewUser()
		g := s.NewGroup()
		ex := s.Bulk(req(0, postUser("u1", u), map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g1",
			"data": map[string]any{"schemas": []any{fakeidp.SchemaGroup}, "displayName": g.DisplayName, "members": []any{map[string]any{"value": "bulkId:u1"}}}}))
		s.Judge("bulk-response", assertions.Status(ex, 200), ex)
		s.Judge("bulk-response", assertions.MessageSchema(ex, fakeidp.MsgBulkResponse), ex)
		s.Judge("http-message-schemas", assertions.MessageSchema(ex, fakeidp.MsgBulkResponse), ex)
		s.Judge("bulk-result-fields", assertions.BulkResultFields(ex, 2), ex)
		judgeIDs(ex)
		res := assertions.BulkResults(ex)
		if len(res) == 2 && res[0].Status == 201 && res[1].Status == 201 {
			uid := res[0].Location[strings.LastIndex(res[0].Location, "/")+1:]
			gid := res[1].Location[strings.LastIndex(res[1].Location, "/")+1:]
			gg := s.Get("Group", gid, nil)
			s.Judge("bulk-bulkid-resolved", assertions.MembersEqual(gg, []string{uid}), ex, gg)
		} else {
			s.Judge("bulk-bulkid-resolved", fmt.Errorf("POST /Bulk = results %+v, want two 201 results", res), ex)
		}

		if ent {
			boss, emp := s.NewUser(), s.NewUser()
			empBody := fakeidp.UserResource(emp, true)
			empBody[fakeidp.SchemaEnterprise].(*fakeidp.Enterprise).EmployeeNumber += "-e"
			ext := map[string]any{"employeeNumber": emp.Enterprise.EmployeeNumber, "manager": map[string]any{"value": "bulkId:boss"}}
			empBody[fakeidp.SchemaEnterprise] = ext
			ex := s.Bulk(req(0, postUser("boss", boss), map[string]any{"method": "POST", "path": "/Users", "bulkId": "emp", "data": empBody}))
			res := assertions.BulkResults(ex)
			judgeIDs(ex)
			if len(res) == 2 && res[0].Status == 201 && res[1].Status == 201 {
				bid := res[0].Location[strings.LastIndex(res[0].Location, "/")+1:]
				eget := s.Get("User", res[1].Location[strings.LastIndex(res[1].Location, "/")+1:], nil)
				s.Judge("bulk-bulkid-extension", assertions.AttrIs(eget, fakeidp.SchemaEnterprise+":manager.value", bid), ex, eget)
			} else {
				s.Judge("bulk-bulkid-extension", fmt.Errorf("POST /Bulk = results %+v, want two 201 results", res), ex)
			}
		} else {
			s.Skip("bulk-bulkid-extension", "the server declares no enterprise User extension")
		}

		// A failing operation, then a good one: with and without failOnErrors.
		good := s.NewUser()
		ex = s.Bulk(req(0, badUser("bad1"), postUser("good1", good)))
		s.Judge("bulk-partial-200", assertions.Status(ex, 200), ex)
		s.Judge("bulk-result-fields", assertions.BulkResultFields(ex, 2), ex)
		res = assertions.BulkResults(ex)
		if len(res) == 2 {
			s.Judge("bulk-error-response", assertions.Expect(ex, res[0].Status >= 400 && fakeidp.IsJSON(res[0].Response) &&
				strings.Contains(string(res[0].Response), fakeidp.MsgError), fmt.Sprintf("result 0 status %d, response %s", res[0].Status, res[0].Response), "a 4xx status with a SCIM Error response"), ex)
			s.Judge("bulk-continue-on-error", assertions.Expect(ex, res[1].Status == 201, fmt.Sprintf("result 1 status %d", res[1].Status), "201: the operation after a failure is still processed"), ex)
		} else {
			s.Judge("bulk-continue-on-error", assertions.BulkResultFields(ex, 2), ex)
		}
		skipped := s.NewUser()
		ex = s.Bulk(req(1, badUser("bad2"), postUser("good2", skipped)))
		res = assertions.BulkResults(ex)
		s.Judge("bulk-fail-on-errors", assertions.Expect(ex, len(res) == 1 && res[0].Status >= 400, fmt.Sprintf("%d results %+v", len(res), res), "one failed result and nothing after it"), ex)
		if s.Env.SP.Filter {
			f := s.Filter("User", `userName eq "`+skipped.UserName+`"`)
			s.Judge("bulk-fail-on-errors", assertions.IDsEqual(f, []string{}), ex, f)
		}

		// Two groups that reference each other.
		ga, gb := s.NewGroup(), s.NewGroup()
		grp := func(bulkID, name, other string) map[string]any {
			return map[string]any{"method": "POST", "path": "/Groups", "bulkId": bulkID, "data": map[string]any{"schemas": []any{fakeidp.SchemaGroup},
				"displayName": name, "members": []any{map[string]any{"value": "bulkId:" + other, "type": "Group"}}}}
		}
		ex = s.Bulk(req(0, grp("ga", ga.DisplayName, "gb"), grp("gb", gb.DisplayName, "ga")))
		s.Judge("bulk-circular", assertions.Status(ex, 200), ex)
		for _, r := range assertions.BulkResults(ex) {
			s.Judge("bulk-circular", assertions.Expect(ex, r.Status == 201 || r.Status == 409, fmt.Sprintf("result %s status %d", r.BulkID, r.Status), "201 (resolved) or 409 (cannot resolve)"), ex)
		}

		// A POST without bulkId.
		nb := s.NewUser()
		ex = s.Bulk(req(0, postUser("", nb)))
		res = assertions.BulkResults(ex)
		s.Judge("bulk-post-needs-bulkid", assertions.Expect(ex, len(res) == 1 && res[0].Status == 400, fmt.Sprintf("results %+v", res), "one result with status 400"), ex)

		// One operation over maxOperations: harmless DELETEs of an id nobody has.
		max := s.Env.SP.BulkMaxOperations
		if max <= 0 || max > 1000 {
			s.Skip("bulk-too-many", fmt.Sprintf("bulk.maxOperations is %d; the harness probes limits up to 1000", max))
			return
		}
		var ops []map[string]any
		for range max + 1 {
			ops = append(ops, map[string]any{"method": "DELETE", "path": "/Users/" + unknownID})
		}
		ex = s.Do(fakeidp.Request{Method: http.MethodPost, Path: "/Bulk", Body: fakeidp.MustJSON(req(0, ops...))})
		s.Judge("bulk-too-many", assertions.Status(ex, 413), ex)
		s.Judge("bulk-too-many", assertions.Expect(ex, strings.Contains(fakeidp.Get(ex.RespBody, "detail").String(), fmt.Sprint(max)),
			"detail "+fakeidp.Get(ex.RespBody, "detail").Raw, fmt.Sprintf("a detail naming the limit %d", max)), ex)
		s.JudgeError(ex)
	},
}
