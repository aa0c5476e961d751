package scenarios

import (
	"net/http"
	"net/url"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// This file holds the small helpers the catalogue-breadth scenarios share.

// Dialect is the request dialect of this scenario run (rfc when unset or "all").
func (s *S) Dialect() fakeidp.Dialect {
	d, err := fakeidp.ParseDialect(s.Env.Dialect)
	if err != nil {
		return fakeidp.Dialect{Name: fakeidp.DialectRFC}
	}
	return d
}

// RawPost sends body as a create to path and tracks whatever the server
// created, so that even a create that should have been refused is cleaned up.
func (s *S) RawPost(typ string, body []byte, header http.Header) *fakeidp.Exchange {
	return s.must(s.sess.RawCreate(typ, body, header))
}

// Patch sends a PATCH with ops to a resource the run created.
func (s *S) Patch(typ, id string, ops ...fakeidp.PatchOp) *fakeidp.Exchange {
	return s.Write(http.MethodPatch, typ, id, fakeidp.PatchBody(ops...), nil)
}

// PatchRaw sends a PATCH with an arbitrary body to a resource the run created.
func (s *S) PatchRaw(typ, id string, body any) *fakeidp.Exchange {
	return s.Write(http.MethodPatch, typ, id, body, nil)
}

// Query lists resources of typ with the given query parameters.
func (s *S) Query(typ string, q url.Values) *fakeidp.Exchange {
	return s.must(s.sess.Query(typ, q))
}

// q builds query parameters from key/value pairs.
func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// judgeAnswer judges the common checks of any answer: a resource on 200/201,
// an error body on 4xx/5xx.
func (s *S) judgeAnswer(ex *fakeidp.Exchange, typ string) {
	switch {
	case ex.Status == http.StatusOK || ex.Status == http.StatusCreated:
		if fakeidp.IsJSON(ex.RespBody) && fakeidp.Get(ex.RespBody, "id").String() != "" {
			s.JudgeResource(ex, typ)
		}
	case ex.Status >= 400:
		s.JudgeError(ex)
	}
}

// userPath returns the path of a user.
func userPath(id string) string { return "/Users/" + id }

// mustJSONBody reports whether a response is usable JSON, judging check id when it is not.
func (s *S) mustJSONBody(id string, ex *fakeidp.Exchange) bool {
	if err := assertions.JSONObject(ex); err != nil {
		s.Judge(id, err, ex)
		return false
	}
	return true
}

// JudgeList judges the ListResponse checks on a 200 query answer.
func (s *S) JudgeList(ex *fakeidp.Exchange) {
	if ex.Status != http.StatusOK || !s.mustJSONBody("list-schema", ex) {
		return
	}
	s.Judge("list-schema", assertions.MessageSchema(ex, fakeidp.MsgListResponse), ex)
	s.Judge("list-total-integer", assertions.ListTotalInteger(ex), ex)
	s.Judge("list-resources-present", assertions.ListResourcesPresent(ex), ex)
	s.Judge("list-resources-have-id", assertions.ListIDs(ex), ex)
}

// declares reports whether the server's User schema declares every attribute
// in attrs; when it does not, check is skipped with the reason, so that the
// harness never judges a server on attributes it does not claim to have.
func (s *S) declares(check string, attrs ...string) bool {
	for _, a := range attrs {
		if !s.Env.SP.Declares("User", a) {
			s.Skip(check, "the server's User schema does not declare "+a)
			return false
		}
	}
	return true
}
