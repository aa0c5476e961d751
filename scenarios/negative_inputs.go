package scenarios

import (
	"net/http"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// negProbe is one negative input: a request the server must refuse (or, for
// readOnly input, ignore) and the judgement of its answer.
type negProbe struct {
	check string
	needs string // capability
	attr  string // a User attribute the server's /Schemas must declare for the probe to apply
	send  func(s *S, fx *negFixture) *fakeidp.Exchange
	judge func(s *S, fx *negFixture, ex *fakeidp.Exchange) error
	// more judges further checks on the same answer.
	more func(s *S, ex *fakeidp.Exchange)
}

type negFixture struct {
	user  fakeidp.User
	group fakeidp.Group
	// readBack is the read a probe's judgement made after its request: it
	// is evidence too, cited beside the request.
	readBack *fakeidp.Exchange
}

// readUser reads the fixture user back, as evidence of the probe's finding.
func (fx *negFixture) readUser(s *S) *fakeidp.Exchange {
	fx.readBack = s.Get("User", fx.user.ID, nil)
	return fx.readBack
}

// noSchemasValue is what a PATCH without the PatchOp schemas tries to set.
const noSchemasValue = "scimloop-no-schemas"

func reject400(types ...string) func(*S, *negFixture, *fakeidp.Exchange) error {
	return func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error { return assertions.BadRequest(ex, types...) }
}

// unchangedAfter refuses ex and then confirms path of the fixture user is as before.
func unchangedAfter(path string, types ...string) func(*S, *negFixture, *fakeidp.Exchange) error {
	return func(s *S, fx *negFixture, ex *fakeidp.Exchange) error {
		if err := assertions.BadRequest(ex, types...); err != nil {
			return err
		}
		after := fx.readUser(s)
		return assertions.AttrIs(after, path, fakeidp.Attr(fakeidp.MustJSON(fakeidp.UserResource(fx.user, false)), path).Value())
	}
}

func (s *S) userBody(mut func(map[string]any)) []byte {
	b := s.UserResource(s.NewUser())
	mut(b)
	return fakeidp.MustJSON(b)
}

var negProbes = []negProbe{
	{check: "neg-malformed-json",
		send:  func(s *S, _ *negFixture) *fakeidp.Exchange { return s.RawPost("User", []byte(`{"userName":`), nil) },
		judge: reject400("invalidSyntax")},
	{check: "neg-wrong-schemas",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) { b["schemas"] = []any{fakeidp.SchemaGroup} }), nil)
		},
		judge: reject400("invalidSyntax", "invalidValue")},
	{check: "neg-wrong-schemas",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) { delete(b, "schemas") }), nil)
		},
		judge: reject400("invalidSyntax", "invalidValue")},
	{check: "neg-missing-username",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) { delete(b, "userName") }), nil)
		},
		judge: reject400()},
	{check: "neg-empty-username",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) { b["userName"] = "" }), nil)
		},
		judge: reject400()},
	{check: "neg-group-no-displayname",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("Group", fakeidp.MustJSON(map[string]any{"schemas": []any{fakeidp.SchemaGroup}, "members": []any{}}), nil)
		},
		judge: reject400()},
	{check: "neg-type-mismatch",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) { b["active"] = "maybe" }), nil)
		},
		judge: reject400("invalidValue")},
	{check: "neg-type-mismatch",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) { b["userName"] = 42 }), nil)
		},
		judge: reject400("invalidValue", "invalidSyntax")},
	{check: "neg-unknown-attribute",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) { b["scimloopNoSuchAttribute"] = 1 }), nil)
		},
		judge: func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error {
			if err := assertions.NoServerError(ex); err != nil {
				return err
			}
			if safety.OK(ex) {
				return assertions.AttrAbsent(ex, "scimloopNoSuchAttribute")
			}
			return nil
		}},
	{check: "neg-client-id-ignored",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) { b["id"] = "scimloop-client-chosen-id" }), nil)
		},
		judge: func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error {
			if err := assertions.CreateAccepted(ex); err != nil {
				return err
			}
			got := fakeidp.Get(ex.RespBody, "id").String()
			return assertions.Expect(ex, got != "" && got != "scimloop-client-chosen-id", "id "+got, "an id issued by the provider, not the client's \"scimloop-client-chosen-id\"")
		}},
	{check: "neg-client-meta-ignored",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.RawPost("User", s.userBody(func(b map[string]any) {
				b["meta"] = map[string]any{"resourceType": "User", "created": "2000-01-01T00:00:00Z", "lastModified": "2000-01-01T00:00:00Z"}
			}), nil)
		},
		judge: func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error {
			if err := assertions.CreateAccepted(ex); err != nil {
				return err
			}
			c := fakeidp.Get(ex.RespBody, "meta", "created").String()
			return assertions.Expect(ex, !strings.HasPrefix(c, "2000-01-01"), "meta.created "+c, "the provider's own time, not the client's 2000-01-01T00:00:00Z")
		}},
	{check: "neg-user-groups-readonly", needs: fakeidp.CapPatch, attr: "groups",
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.Patch("User", fx.user.ID, fakeidp.PatchOp{Op: "add", Path: "groups", Value: []map[string]any{{"value": fx.group.ID}}})
		},
		judge: func(s *S, fx *negFixture, ex *fakeidp.Exchange) error {
			if !safety.OK(ex) {
				return assertions.BadRequest(ex)
			}
			g := s.Get("Group", fx.group.ID, nil)
			return assertions.MembersEqual(g, nil)
		}},
	{check: "neg-put-never-creates",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			ex := s.Do(fakeidp.Request{Method: http.MethodPut, Path: userPath(unknownID), Body: fakeidp.MustJSON(withID(s.UserResource(s.NewUser()), unknownID))})
			s.sess.TrackCreated("User", ex)
			return ex
		},
		judge: func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error {
			return assertions.Expect(ex, ex.Status >= 300, "status "+itoa(ex.Status), "a refusal: PUT never creates a resource")
		},
		more: func(s *S, ex *fakeidp.Exchange) {
			if ex.Status < 400 {
				s.Skip("neg-put-unknown-404", "the PUT was not refused, which is neg-put-never-creates's finding")
				return
			}
			s.Judge("neg-put-unknown-404", assertions.Status(ex, 404), ex)
		}},
	{check: "neg-put-missing-username",
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			b := withID(s.UserResource(fx.user), fx.user.ID)
			delete(b, "userName")
			return s.Write(http.MethodPut, "User", fx.user.ID, b, nil)
		},
		judge: unchangedAfter("userName")},
	{check: "neg-filter-syntax", needs: fakeidp.CapFilter,
		send:  func(s *S, _ *negFixture) *fakeidp.Exchange { return s.Filter("User", `userName eq`) },
		judge: reject400("invalidFilter")},
	{check: "neg-filter-syntax", needs: fakeidp.CapFilter,
		send:  func(s *S, _ *negFixture) *fakeidp.Exchange { return s.Filter("User", `(userName eq "a"`) },
		judge: reject400("invalidFilter")},
	{check: "neg-filter-syntax", needs: fakeidp.CapFilter,
		send:  func(s *S, _ *negFixture) *fakeidp.Exchange { return s.Filter("User", `userName eq "a`) },
		judge: reject400("invalidFilter")},
	{check: "neg-filter-unknown-operator", needs: fakeidp.CapFilter,
		send: func(s *S, _ *negFixture) *fakeidp.Exchange { return s.Filter("User", `userName regex "x"`) },
		judge: func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error {
			if err := assertions.BadRequest(ex, "invalidFilter"); err != nil {
				return err
			}
			return assertions.Expect(ex, fakeidp.Get(ex.RespBody, "detail").String() != "", "400 without a detail", "a human-readable detail")
		}},
	{check: "neg-filter-empty", needs: fakeidp.CapFilter,
		send: func(s *S, _ *negFixture) *fakeidp.Exchange { return s.Query("User", q("filter", "")) },
		judge: func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error {
			if ex.Status == 200 {
				return assertions.ListResponse(ex)
			}
			return assertions.BadRequest(ex, "invalidFilter")
		}},
	{check: "neg-filter-bool-ordering", needs: fakeidp.CapFilter,
		send:  func(s *S, _ *negFixture) *fakeidp.Exchange { return s.Filter("User", `active gt true`) },
		judge: reject400("invalidFilter")},
	{check: "neg-filter-unknown-attribute", needs: fakeidp.CapFilter,
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			return s.Filter("User", `scimloopNoSuchAttribute eq "x"`)
		},
		judge: func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error {
			if ex.Status == 200 {
				return assertions.Expect(ex, fakeidp.Get(ex.RespBody, "totalResults").Int() == 0,
					"totalResults "+fakeidp.Get(ex.RespBody, "totalResults").Raw, "400 invalidFilter or no match: the filter was ignored")
			}
			return assertions.BadRequest(ex)
		}},
	{check: "neg-too-many", needs: fakeidp.CapFilter,
		send: func(s *S, _ *negFixture) *fakeidp.Exchange { return s.Filter("User", `userName pr`) },
		judge: func(_ *S, _ *negFixture, ex *fakeidp.Exchange) error {
			if ex.Status == 200 {
				return assertions.ListResponse(ex)
			}
			return assertions.BadRequest(ex, "tooMany", "invalidFilter")
		}},
	{check: "neg-patch-no-operations", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.PatchRaw("User", fx.user.ID, map[string]any{"schemas": []any{fakeidp.MsgPatchOp}, "Operations": []any{}})
		},
		judge: reject400()},
	{check: "neg-patch-unknown-op", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.Patch("User", fx.user.ID, fakeidp.PatchOp{Op: "replace", Path: "displayName", Value: "moved"}, fakeidp.PatchOp{Op: "move", Path: "title", Value: "x"})
		},
		judge: unchangedAfter("displayName")},
	{check: "neg-patch-no-schemas", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.PatchRaw("User", fx.user.ID, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": noSchemasValue}}})
		},
		judge: func(s *S, fx *negFixture, ex *fakeidp.Exchange) error {
			if err := assertions.BadRequest(ex); err != nil {
				return err
			}
			// Judged against its own value, not the fixture's: an earlier
			// probe's finding may have changed displayName already.
			after := fx.readUser(s)
			got := fakeidp.Get(after.RespBody, "displayName").String()
			return assertions.Expect(after, got != noSchemasValue, "displayName "+got+" after the refused PATCH", "the refused PATCH not applied")
		}},
	{check: "neg-patch-add-no-value", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.Patch("User", fx.user.ID, fakeidp.PatchOp{Op: "add", Path: "title"})
		},
		judge: reject400()},
	{check: "neg-patch-remove-no-path", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.Patch("User", fx.user.ID, fakeidp.PatchOp{Op: "remove"})
		},
		judge: reject400("noTarget")},
	{check: "neg-patch-invalid-path", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.Patch("User", fx.user.ID, fakeidp.PatchOp{Op: "replace", Path: `emails[type eq`, Value: "x"})
		},
		judge: reject400("invalidPath")},
	{check: "neg-patch-remove-required", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.Patch("User", fx.user.ID, fakeidp.PatchOp{Op: "remove", Path: "userName"})
		},
		judge: unchangedAfter("userName", "mutability")},
	{check: "neg-patch-replace-readonly", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.Patch("User", fx.user.ID, fakeidp.PatchOp{Op: "replace", Path: "id", Value: "scimloop-other-id"})
		},
		judge: func(s *S, fx *negFixture, ex *fakeidp.Exchange) error {
			if err := assertions.BadRequest(ex); err != nil {
				return err
			}
			return assertions.GetOK(fx.readUser(s), fx.user.ID)
		}},
	{check: "neg-patch-unmatched-filter", needs: fakeidp.CapPatch,
		send: func(s *S, fx *negFixture) *fakeidp.Exchange {
			return s.Patch("User", fx.user.ID, fakeidp.PatchOp{Op: "replace", Path: `emails[type eq "other"].value`, Value: "nobody@" + s.Env.Names.Domain})
		},
		judge: func(s *S, fx *negFixture, ex *fakeidp.Exchange) error {
			if err := assertions.BadRequest(ex, "noTarget"); err != nil {
				return err
			}
			after := fx.readUser(s)
			n := len(fakeidp.Get(after.RespBody, "emails").Array())
			return assertions.Expect(after, n == len(fx.user.Emails), "emails with "+itoa(n)+" values", itoa(len(fx.user.Emails))+" values, as before the refused replace")
		}},
	{check: "neg-oversize-body",
		send: func(s *S, _ *negFixture) *fakeidp.Exchange {
			limit := s.Env.SP.BulkMaxPayloadSize
			if limit <= 0 || limit > 4<<20 {
				limit = 1 << 20
			}
			pad := strings.Repeat("x", int(limit)+1024)
			if err := s.Env.Tracker.Reserve(); err != nil {
				s.Stop("%v", err)
			}
			// A server may refuse a body this large by closing the
			// connection, before or after its 413: that is a refusal too.
			ex := s.Try(fakeidp.Request{Method: http.MethodPost, Path: safety.Endpoint("User"),
				Body: s.userBody(func(b map[string]any) { b["nickName"] = pad })})
			s.sess.TrackCreated("User", ex)
			return ex
		},
		judge: func(s *S, _ *negFixture, ex *fakeidp.Exchange) error {
			if ex.Status != 0 {
				return assertions.Rejected(ex, []int{413, 400})
			}
			name := fakeidp.Get(ex.ReqBody, "userName").String()
			found, err := s.sess.FindByName("User", name)
			if err != nil {
				s.Stop("the server closed the connection on an oversize POST (%v), and looking up %q afterwards failed: %v", ex.Err, name, err)
			}
			return assertions.Expect(ex, found == nil, "the connection closed without an answer ("+ex.Err.Error()+"), yet user "+name+" was created",
				"a refused request: 413, 400 or a closed connection, and nothing created")
		}},
}

var negativeInputs = Scenario{
	Name:   "negative-inputs",
	Areas:  []string{"negative"},
	Checks: withCommon("http-error-status-in-body"),
	Run: func(s *S) {
		fx := &negFixture{}
		fx.user, _ = s.CreateUser(s.NewUser())
		fx.group, _ = s.CreateGroup(s.NewGroup())
		for _, p := range negProbes {
			if p.needs != "" && !s.Env.SP.Has(p.needs) {
				s.Skip(p.check, "the server does not advertise "+p.needs+".supported")
				continue
			}
			if p.attr != "" && !s.declares(p.check, p.attr) {
				continue
			}
			fx.readBack = nil
			ex := p.send(s, fx)
			s.Judge(p.check, p.judge(s, fx, ex), ex, fx.readBack)
			if p.more != nil {
				p.more(s, ex)
			}
			if ex.Status >= 400 {
				s.JudgeError(ex)
				s.Judge("neg-scimtype-keyword", assertions.ScimTypeKeyword(ex), ex)
				s.Judge("http-error-status-in-body", assertions.BodyStatusMatches(ex), ex)
			}
		}
		s.judgeImmutable(fx)
	},
}

// judgeImmutable tries to change an immutable attribute the server declares
// on User; with none declared the check does not apply.
func (s *S) judgeImmutable(fx *negFixture) {
	var name string
	for _, a := range s.Env.SP.UserAttrs {
		if strings.EqualFold(a.Mutability, "immutable") && a.Type == "string" && !a.MultiValued {
			name = a.Name
			break
		}
	}
	if name == "" {
		s.Skip("neg-immutable-unchanged", "the server's User schema declares no single-valued immutable string attribute to probe")
		return
	}
	b := withID(s.UserResource(fx.user), fx.user.ID)
	b[name] = "scimloop-immutable-1"
	first := s.Write(http.MethodPut, "User", fx.user.ID, b, nil)
	if !safety.OK(first) {
		s.Skip("neg-immutable-unchanged", "the server refused to set immutable attribute "+name+" on a user without one")
		return
	}
	b[name] = "scimloop-immutable-2"
	second := s.Write(http.MethodPut, "User", fx.user.ID, b, nil)
	s.Judge("neg-immutable-unchanged", assertions.BadRequest(second, "mutability"), first, second)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}
