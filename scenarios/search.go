package scenarios

import (
	"net/http"
	"slices"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

var search = Scenario{
	Name: "search",
	Checks: withCommon("search-is-query", "search-request-schema", "search-same-as-get", "search-list-format", "search-invalid-filter",
		"list-schema", "list-total-integer", "list-resources-present", "list-resources-have-id"),
	Run: func(s *S) {
		a, _ := s.CreateUser(s.NewUser())
		b, _ := s.CreateUser(s.NewUser())
		filter := `userName eq "` + a.UserName + `" or userName eq "` + b.UserName + `"`
		post := func(body map[string]any) *fakeidp.Exchange {
			ex := s.Do(fakeidp.Request{Method: http.MethodPost, Path: "/Users/.search", Body: fakeidp.MustJSON(body)})
			s.sess.TrackCreated("User", ex)
			if ex.Status >= 400 {
				s.JudgeError(ex)
			}
			return ex
		}
		req := map[string]any{"schemas": []any{fakeidp.MsgSearchRequest}, "filter": filter, "attributes": []any{"userName"},
			"sortBy": "userName", "startIndex": 1, "count": 10}
		ex := post(req)
		if ex.Status == 404 || ex.Status == 501 || ex.Status == 405 {
			for _, id := range []string{"search-is-query", "search-request-schema", "search-same-as-get", "search-list-format", "search-invalid-filter"} {
				s.Skip(id, "the server does not offer POST /Users/.search (it answered "+itoa(ex.Status)+")")
			}
			return
		}
		s.Judge("search-is-query", assertions.Status(ex, 200), ex)
		s.Judge("search-is-query", assertions.Expect(ex, ex.Header("Location") == "" && fakeidp.Get(ex.RespBody, "meta").String() == "",
			"a created resource (Location "+ex.Header("Location")+")", "a query answer, no resource created"), ex)
		s.Judge("search-request-schema", assertions.Status(ex, 200), ex)
		s.Judge("search-list-format", assertions.ListResponse(ex), ex)
		s.JudgeList(ex)
		get := s.Query("User", q("filter", filter, "attributes", "userName", "sortBy", "userName", "startIndex", "1", "count", "10"))
		s.JudgeList(get)
		got, want := assertions.ListedIDs(ex), assertions.ListedIDs(get)
		s.Judge("search-same-as-get", assertions.Expect(ex, slices.Equal(got, want) && len(got) == 2, "ids "+join(got), "the ids the same GET returns, "+join(want)), get, ex)
		for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
			s.Judge("search-same-as-get", assertions.OnlyKeys(ex, []byte(r.Raw), "id", "username"), ex)
		}

		wrong := post(map[string]any{"schemas": []any{fakeidp.MsgPatchOp}, "filter": filter})
		s.Judge("search-request-schema", assertions.BadRequest(wrong), wrong)
		bad := post(map[string]any{"schemas": []any{fakeidp.MsgSearchRequest}, "filter": `userName eq`})
		s.Judge("search-invalid-filter", assertions.BadRequest(bad, "invalidFilter"), bad)
	},
}

func join(ss []string) string {
	out := "["
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out + "]"
}
