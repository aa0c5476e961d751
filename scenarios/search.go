package scenarios

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// searchChecks are the checks of the search scenario that judge the query.
var searchChecks = []string{"search-is-query", "search-request-schema", "search-same-as-get", "search-list-format", "search-invalid-filter"}

// search sends one query both as POST /Users/.search and as GET. RFC 7644
// §3.4.3 asks only that .search mean what GET means, so the query uses an
// eq filter (filtering is optional; any other operator may be declined) and
// a query GET declines the same way is no finding about .search.
var search = Scenario{
	Name:   "search",
	Areas:  []string{"search"},
	Checks: withCommon(listChecks...),
	Run: func(s *S) {
		a, _ := s.CreateUser(s.NewUser())
		s.CreateUser(s.NewUser()) // a user the filter must leave out
		filtered := s.Env.SP.Filter
		filter := `userName eq "` + a.UserName + `"`
		post := func(body map[string]any) *fakeidp.Exchange {
			ex := s.Do(fakeidp.Request{Method: http.MethodPost, Path: "/Users/.search", Body: fakeidp.MustJSON(body)})
			s.sess.TrackCreated("User", ex)
			if ex.Status >= 400 {
				s.JudgeError(ex)
			}
			return ex
		}
		req := map[string]any{"schemas": []any{fakeidp.MsgSearchRequest}, "attributes": []any{"userName"}, "startIndex": 1, "count": 10}
		params := []string{"attributes", "userName", "startIndex", "1", "count", "10"}
		if !s.Env.SP.Has(fakeidp.CapIndex) { // a first cursor page instead (RFC 9865 §3)
			delete(req, "startIndex")
			req["cursor"] = ""
			params[2], params[3] = "cursor", ""
		}
		if filtered {
			req["filter"] = filter
			params = append(params, "filter", filter)
		}
		if s.Env.SP.Sort {
			req["sortBy"] = "userName"
			params = append(params, "sortBy", "userName")
		}
		ex := post(req)
		if ex.Status == 404 || ex.Status == 501 || ex.Status == 405 {
			for _, id := range searchChecks {
				s.Skip(id, "the server does not offer POST /Users/.search (it answered "+itoa(ex.Status)+")")
			}
			return
		}
		get := s.Query("User", q(params...))
		s.JudgeList(get)
		s.judgeSearchAnswer(ex, get, a.ID, filtered)

		wrong := map[string]any{"schemas": []any{fakeidp.MsgPatchOp}}
		if filtered {
			wrong["filter"] = filter
		}
		w := post(wrong)
		s.Judge("search-request-schema", assertions.BadRequest(w), w)
		if !filtered {
			s.Skip("search-invalid-filter", "the server does not advertise filter.supported")
			return
		}
		bad := post(map[string]any{"schemas": []any{fakeidp.MsgSearchRequest}, "filter": `userName eq`})
		s.Judge("search-invalid-filter", assertions.BadRequest(bad, "invalidFilter"), bad)
	},
}

// judgeSearchAnswer judges the .search answer ex against get, the same
// query sent as GET. When both decline it alike, nothing of .search is
// judged: it means what GET means. want is the one id the filter matches.
func (s *S) judgeSearchAnswer(ex, get *fakeidp.Exchange, want string, filtered bool) {
	if ex.Status >= 400 && sameDecline(ex, get) {
		for _, id := range searchChecks[:4] {
			s.Skip(id, fmt.Sprintf("GET declines the query as .search does (%d %s), so .search means what GET means", ex.Status, fakeidp.Get(ex.RespBody, "scimType").String()))
		}
		return
	}
	s.Judge("search-is-query", assertions.SearchAnswered(ex), ex)
	s.Judge("search-request-schema", assertions.Status(ex, 200), ex)
	if ex.Status >= 200 && ex.Status < 300 {
		s.Judge("search-list-format", assertions.ListResponse(ex), ex)
	}
	s.JudgeList(ex)
	if safety.OK(ex) != safety.OK(get) {
		s.Judge("search-same-as-get", fmt.Errorf("%s %s = %d, but the same query as GET %s = %d, want the same answer", ex.Method, ex.URL, ex.Status, get.URL, get.Status), get, ex)
		return
	}
	if !safety.OK(ex) {
		return // both refused; the status of .search is search-is-query's to judge
	}
	got, fromGet := assertions.ListedIDs(ex), assertions.ListedIDs(get)
	if filtered {
		s.Judge("search-same-as-get", assertions.Expect(ex, slices.Equal(got, fromGet) && slices.Equal(got, []string{want}),
			"ids "+join(got), fmt.Sprintf("the ids the same GET returns, %s, and only [%s], the user the filter matches", join(fromGet), want)), get, ex)
	} else {
		s.Judge("search-same-as-get", assertions.Same(get, ex, "totalResults"), get, ex)
	}
	for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		s.Judge("search-same-as-get", assertions.OnlyKeys(ex, []byte(r.Raw), "id", "username"), ex)
	}
}

// sameDecline reports whether two error answers decline alike: the same
// status and scimType.
func sameDecline(a, b *fakeidp.Exchange) bool {
	return a.Status == b.Status && fakeidp.Get(a.RespBody, "scimType").String() == fakeidp.Get(b.RespBody, "scimType").String()
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
