package scenarios

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

var httpBasics = Scenario{
	Name:   "http-basics",
	Areas:  []string{"http"},
	Checks: withCommon(),
	Run: func(s *S) {
		u := s.NewUser()
		u.DisplayName = "Zoë Ünal 李 " + strings.TrimPrefix(u.UserName, s.Env.Names.Prefix)
		u.Name.GivenName = "Zoë"
		u, post := s.CreateUser(u)
		s.JudgeResource(post, "User")
		// The client sends application/scim+json bodies and, should the
		// server refuse them with 415, application/json from then on: one
		// failure here, and every other check still judged.
		if refusal := s.C.SCIMBodyRefusal(); refusal != nil {
			s.Judge("http-scim-json-request-body", assertions.SCIMBodyAccepted(refusal), refusal)
		} else {
			s.Judge("http-scim-json-request-body", nil, post)
		}
		get := s.Get("User", u.ID, nil)
		s.JudgeResource(get, "User")
		s.Judge("http-utf8-roundtrip", assertions.AttrIs(get, "displayName", u.DisplayName), post, get)
		s.Judge("http-utf8-roundtrip", assertions.AttrIs(get, "name.givenName", "Zoë"), post, get)
		s.Judge("http-accept-scim-json", assertions.Status(get, 200), get)
		s.Judge("http-accept-scim-json", assertions.JSONObject(get), get)
		s.Judge("http-json-shape", assertions.JSONShape(get), get)

		js := s.Get("User", u.ID, http.Header{"Accept": {"application/json"}})
		s.Judge("http-accept-json", assertions.Status(js, 200), js)
		none := s.Get("User", u.ID, http.Header{"Accept": nil})
		if mt := assertions.MediaType(none); none.Status == 200 {
			s.Judge("http-default-media-type", assertions.Expect(none, mt == "application/scim+json", "Content-Type "+none.Header("Content-Type"), "application/scim+json when no Accept is sent"), none)
		} else {
			s.Judge("http-default-media-type", assertions.Status(none, 200), none)
		}

		// A create labelled application/json, as Okta sends it.
		ju := s.NewUser()
		jpost := s.RawPost("User", fakeidp.MustJSON(fakeidp.UserResource(ju, s.Env.SP.Enterprise)), http.Header{"Content-Type": {"application/json; charset=utf-8"}})
		s.Judge("http-json-request-body", assertions.CreateAccepted(jpost), jpost)
		s.judgeAnswer(jpost, "User")

		if s.Env.SP.Filter {
			f := `userName eq "` + u.UserName + `"`
			plain := s.Query("User", q("filter", f))
			extra := s.Query("User", q("filter", f, "scimloopUnknownParam", "1"))
			s.Judge("http-unknown-param-ignored", assertions.Status(extra, 200), extra)
			if extra.Status == 200 {
				s.Judge("http-unknown-param-ignored", assertions.Same(plain, extra, "totalResults"), plain, extra)
			}
			s.Judge("http-message-schemas", assertions.MessageSchema(plain, fakeidp.MsgListResponse), plain)
		} else {
			s.Skip("http-unknown-param-ignored", "the server does not advertise filter.supported, so result sets cannot be compared")
		}
		unfiltered := s.Query("User", nil)
		s.Judge("list-unfiltered", assertions.ListResponse(unfiltered), unfiltered)
		s.Judge("list-unfiltered", assertions.Expect(unfiltered, assertions.IntField(unfiltered, "totalResults") >= 2,
			"totalResults "+fakeidp.Get(unfiltered.RespBody, "totalResults").Raw, "at least the 2 users this scenario created"), unfiltered)
		list := s.Query("User", q("count", "1"))
		s.Judge("http-message-schemas", assertions.MessageSchema(list, fakeidp.MsgListResponse), list)
		missing := s.Get("User", unknownID, nil)
		s.Judge("http-message-schemas", assertions.MessageSchema(missing, fakeidp.MsgError), missing)
		s.Judge("http-error-status-in-body", assertions.BodyStatusMatches(missing), missing)
		s.JudgeError(missing)

		s.judgeVersion()

		me := s.Do(fakeidp.Request{Method: http.MethodGet, Path: "/Me"})
		switch me.Status {
		case 501, 308:
			s.Judge("http-me-endpoint", nil, me)
		case 200:
			s.Judge("http-me-endpoint", assertions.Expect(me, me.Header("Location") != "", "200 without Location", "a Location naming the authenticated subject's resource"), me)
		default:
			s.Judge("http-me-endpoint", assertions.Status(me, 501, 308, 200), me)
		}
		if me.Status >= 400 {
			s.JudgeError(me)
		}
	},
}

var versionSegment = regexp.MustCompile(`^v[0-9]+$`)

// judgeVersion checks the version segment of the base path, and that
// another version is not served silently.
func (s *S) judgeVersion() {
	base, err := url.Parse(s.C.BaseURL())
	if err != nil {
		s.Stop("base URL: %v", err)
	}
	segs := strings.Split(strings.Trim(base.Path, "/"), "/")
	last := len(segs) - 1
	if last < 0 || !versionSegment.MatchString(segs[last]) {
		reason := "the base URL ends in no version segment such as /v2"
		s.Skip("http-version-path", reason)
		s.Skip("http-wrong-version-refused", reason)
		return
	}
	ex := s.Query("User", q("count", "1"))
	s.Judge("http-version-path", assertions.Status(ex, 200), ex)
	other := *base
	if strings.EqualFold(segs[last], "v1") {
		segs[last] = "v99"
	} else {
		segs[last] = "v1"
	}
	other.Path = "/" + strings.Join(segs, "/")
	c, err := s.C.Rebased(other.String())
	if err != nil {
		s.Skip("http-wrong-version-refused", err.Error())
		return
	}
	wrong := s.doWith(c, fakeidp.Request{Method: http.MethodGet, Path: "/Users", Query: q("count", "1")})
	if wrong.Status < 400 || wrong.Status >= 500 {
		s.Judge("http-wrong-version-refused", assertions.Refused(wrong), wrong)
	} else {
		s.Judge("http-wrong-version-refused", nil, wrong)
	}
}
