package scenarios

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

var bulk = Scenario{
	Name:   "bulk",
	Needs:  fakeidp.CapBulk,
	Areas:  []string{"bulk"},
	Checks: withCommon("http-message-schemas"),
	Run: func(s *S) {
		bulkReferences(s)
		bulkExtension(s)
		bulkErrors(s)
		bulkCircular(s)
		bulkWithoutBulkID(s)
		bulkTooMany(s)
	},
}

// bulkRequest builds a BulkRequest of ops; failOnErrors 0 leaves it out.
func bulkRequest(failOnErrors int, ops ...map[string]any) map[string]any {
	b := map[string]any{"schemas": []any{fakeidp.MsgBulkRequest}, "Operations": ops}
	if failOnErrors > 0 {
		b["failOnErrors"] = failOnErrors
	}
	return b
}

// bulkPostUser is a Bulk POST of u, with bulkID unless it is "".
func bulkPostUser(s *S, bulkID string, u fakeidp.User) map[string]any {
	op := map[string]any{"method": "POST", "path": "/Users", "data": fakeidp.UserResource(u, s.Env.SP.Enterprise)}
	if bulkID != "" {
		op["bulkId"] = bulkID
	}
	return op
}

// bulkBadUser is a Bulk POST of a user without the required userName.
func bulkBadUser(s *S, bulkID string) map[string]any {
	b := fakeidp.UserResource(s.NewUser(), s.Env.SP.Enterprise)
	delete(b, "userName")
	return map[string]any{"method": "POST", "path": "/Users", "bulkId": bulkID, "data": b}
}

// judgeBulkIDs judges that no result's location carries a bulkId.
func judgeBulkIDs(s *S, ex *fakeidp.Exchange) {
	for _, r := range assertions.BulkResults(ex) {
		s.Judge("bulk-no-bulkid-in-ids", assertions.Expect(ex, !strings.Contains(strings.ToLower(r.Location), "bulkid"), "location "+r.Location, "an id without the string bulkId"), ex)
	}
}

// bulkReferences creates a user and a group that names it by bulkId.
func bulkReferences(s *S) {
	u := s.NewUser()
	g := s.NewGroup()
	ex := s.Bulk(bulkRequest(0, bulkPostUser(s, "u1", u), map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g1",
		"data": map[string]any{"schemas": []any{fakeidp.SchemaGroup}, "displayName": g.DisplayName, "members": []any{map[string]any{"value": "bulkId:u1"}}}}))
	s.Judge("bulk-response", assertions.Status(ex, 200), ex)
	s.Judge("bulk-response", assertions.MessageSchema(ex, fakeidp.MsgBulkResponse), ex)
	s.Judge("http-message-schemas", assertions.MessageSchema(ex, fakeidp.MsgBulkResponse), ex)
	s.Judge("bulk-result-fields", assertions.BulkResultFields(ex, 2), ex)
	judgeBulkIDs(s, ex)
	res := assertions.BulkResults(ex)
	if len(res) == 2 && res[0].Status == 201 && res[1].Status == 201 {
		uid := res[0].Location[strings.LastIndex(res[0].Location, "/")+1:]
		gid := res[1].Location[strings.LastIndex(res[1].Location, "/")+1:]
		gg := s.Get("Group", gid, nil)
		s.Judge("bulk-bulkid-resolved", assertions.MembersEqual(gg, []string{uid}), ex, gg)
	} else {
		s.Judge("bulk-bulkid-resolved", fmt.Errorf("POST /Bulk = results %+v, want two 201 results", res), ex)
	}
}

// bulkExtension creates a user whose enterprise manager names another by bulkId.
func bulkExtension(s *S) {
	if !s.Env.SP.Enterprise {
		s.Skip("bulk-bulkid-extension", "the server declares no enterprise User extension")
		return
	}
	boss, emp := s.NewUser(), s.NewUser()
	empBody := fakeidp.UserResource(emp, true)
	empBody[fakeidp.SchemaEnterprise].(*fakeidp.Enterprise).EmployeeNumber += "-e"
	ext := map[string]any{"employeeNumber": emp.Enterprise.EmployeeNumber, "manager": map[string]any{"value": "bulkId:boss"}}
	empBody[fakeidp.SchemaEnterprise] = ext
	ex := s.Bulk(bulkRequest(0, bulkPostUser(s, "boss", boss), map[string]any{"method": "POST", "path": "/Users", "bulkId": "emp", "data": empBody}))
	res := assertions.BulkResults(ex)
	judgeBulkIDs(s, ex)
	if len(res) == 2 && res[0].Status == 201 && res[1].Status == 201 {
		bid := res[0].Location[strings.LastIndex(res[0].Location, "/")+1:]
		eget := s.Get("User", res[1].Location[strings.LastIndex(res[1].Location, "/")+1:], nil)
		s.Judge("bulk-bulkid-extension", assertions.AttrIs(eget, fakeidp.SchemaEnterprise+":manager.value", bid), ex, eget)
	} else {
		s.Judge("bulk-bulkid-extension", fmt.Errorf("POST /Bulk = results %+v, want two 201 results", res), ex)
	}
}

// bulkErrors sends a failing operation, then a good one: with and without failOnErrors.
func bulkErrors(s *S) {
	good := s.NewUser()
	ex := s.Bulk(bulkRequest(0, bulkBadUser(s, "bad1"), bulkPostUser(s, "good1", good)))
	s.Judge("bulk-partial-200", assertions.Status(ex, 200), ex)
	s.Judge("bulk-result-fields", assertions.BulkResultFields(ex, 2), ex)
	res := assertions.BulkResults(ex)
	if len(res) == 2 {
		s.Judge("bulk-error-response", assertions.Expect(ex, res[0].Status >= 400 && fakeidp.IsJSON(res[0].Response) &&
			strings.Contains(string(res[0].Response), fakeidp.MsgError), fmt.Sprintf("result 0 status %d, response %s", res[0].Status, res[0].Response), "a 4xx status with a SCIM Error response"), ex)
		s.Judge("bulk-continue-on-error", assertions.Expect(ex, res[1].Status == 201, fmt.Sprintf("result 1 status %d", res[1].Status), "201: the operation after a failure is still processed"), ex)
	} else {
		s.Judge("bulk-continue-on-error", assertions.BulkResultFields(ex, 2), ex)
	}
	skipped := s.NewUser()
	ex = s.Bulk(bulkRequest(1, bulkBadUser(s, "bad2"), bulkPostUser(s, "good2", skipped)))
	res = assertions.BulkResults(ex)
	s.Judge("bulk-fail-on-errors", assertions.Expect(ex, len(res) == 1 && res[0].Status >= 400, fmt.Sprintf("%d results %+v", len(res), res), "one failed result and nothing after it"), ex)
	if s.Env.SP.Filter {
		f := s.Filter("User", `userName eq "`+skipped.UserName+`"`)
		s.Judge("bulk-fail-on-errors", assertions.IDsEqual(f, []string{}), ex, f)
	}
}

// bulkCircular sends two groups that reference each other.
func bulkCircular(s *S) {
	ga, gb := s.NewGroup(), s.NewGroup()
	grp := func(bulkID, name, other string) map[string]any {
		return map[string]any{"method": "POST", "path": "/Groups", "bulkId": bulkID, "data": map[string]any{"schemas": []any{fakeidp.SchemaGroup},
			"displayName": name, "members": []any{map[string]any{"value": "bulkId:" + other, "type": "Group"}}}}
	}
	ex := s.Bulk(bulkRequest(0, grp("ga", ga.DisplayName, "gb"), grp("gb", gb.DisplayName, "ga")))
	s.Judge("bulk-circular", assertions.Status(ex, 200), ex)
	for _, r := range assertions.BulkResults(ex) {
		s.Judge("bulk-circular", assertions.Expect(ex, r.Status == 201 || r.Status == 409, fmt.Sprintf("result %s status %d", r.BulkID, r.Status), "201 (resolved) or 409 (cannot resolve)"), ex)
	}
}

// bulkWithoutBulkID sends a POST without bulkId.
func bulkWithoutBulkID(s *S) {
	nb := s.NewUser()
	ex := s.Bulk(bulkRequest(0, bulkPostUser(s, "", nb)))
	res := assertions.BulkResults(ex)
	s.Judge("bulk-post-needs-bulkid", assertions.Expect(ex, len(res) == 1 && res[0].Status == 400, fmt.Sprintf("results %+v", res), "one result with status 400"), ex)
}

// bulkTooMany sends one operation over maxOperations: harmless DELETEs of an id nobody has.
func bulkTooMany(s *S) {
	max := s.Env.SP.BulkMaxOperations
	if max <= 0 || max > 1000 {
		s.Skip("bulk-too-many", fmt.Sprintf("bulk.maxOperations is %d; the harness probes limits up to 1000", max))
		return
	}
	var ops []map[string]any
	for range max + 1 {
		ops = append(ops, map[string]any{"method": "DELETE", "path": "/Users/" + unknownID})
	}
	ex := s.Do(fakeidp.Request{Method: http.MethodPost, Path: "/Bulk", Body: fakeidp.MustJSON(bulkRequest(0, ops...))})
	s.Judge("bulk-too-many", assertions.Status(ex, 413), ex)
	s.Judge("bulk-too-many", assertions.Expect(ex, strings.Contains(fakeidp.Get(ex.RespBody, "detail").String(), fmt.Sprint(max)),
		"detail "+fakeidp.Get(ex.RespBody, "detail").Raw, fmt.Sprintf("a detail naming the limit %d", max)), ex)
	s.JudgeError(ex)
}
