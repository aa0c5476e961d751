package refserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// tc drives a server in-process through ServeHTTP.
type tc struct {
	t   testing.TB
	s   *Server
	seq atomic.Int64
}

type resp struct {
	code int
	h    http.Header
	raw  []byte
	j    gjson.Result
}

func (r resp) get(path string) gjson.Result { return r.j.Get(path) }

func (r resp) String() string { return fmt.Sprintf("%d %s", r.code, r.raw) }

// fakeClock advances one millisecond per call, so writes get distinct times.
func fakeClock() func() time.Time {
	var n atomic.Int64
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Millisecond) }
}

func newTC(t testing.TB, faults ...string) *tc {
	t.Helper()
	s, err := New(Config{BasePath: "/scim/v2", Faults: faults, Now: fakeClock(), Seed: 1})
	require.NoError(t, err)
	return &tc{t: t, s: s}
}

func newTCWith(t testing.TB, cfg Config) *tc {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fakeClock()
	}
	s, err := New(cfg)
	require.NoError(t, err)
	return &tc{t: t, s: s}
}

const base = "http://example.test/scim/v2"

// do sends a request. body may be nil, a string (sent verbatim) or a value
// marshalled as JSON. hdr is a list of "Name: value" strings.
func (c *tc) do(method, path string, body any, hdr ...string) resp {
	c.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(c.t, err)
		rd = bytes.NewReader(data)
	}
	if !strings.HasPrefix(path, "http") {
		path = base + path
	}
	if p, q, ok := strings.Cut(path, "?"); ok {
		q = strings.NewReplacer(" ", "%20", `"`, "%22", "[", "%5B", "]", "%5D").Replace(q)
		path = p + "?" + q
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	rec := httptest.NewRecorder()
	c.s.ServeHTTP(rec, req)
	out := resp{code: rec.Code, h: rec.Header(), raw: rec.Body.Bytes()}
	out.j = gjson.ParseBytes(out.raw)
	return out
}

type obj = map[string]any
type arr = []any

func userBody(userName string, extra ...any) obj {
	m := obj{
		"schemas":  arr{urnUser},
		"userName": userName,
		"name":     obj{"givenName": "Given", "familyName": "Family"},
		"emails":   arr{obj{"value": userName + "@example.test", "type": "work", "primary": true}},
		"active":   true,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

func groupBody(name string, members ...string) obj {
	m := obj{"schemas": arr{urnGroup}, "displayName": name}
	if len(members) > 0 {
		ms := arr{}
		for _, id := range members {
			ms = append(ms, obj{"value": id})
		}
		m["members"] = ms
	}
	return m
}

func patchBody(ops ...obj) obj {
	a := arr{}
	for _, o := range ops {
		a = append(a, o)
	}
	return obj{"schemas": arr{urnPatchOp}, "Operations": a}
}

func (c *tc) createUser(userName string, extra ...any) resp {
	c.t.Helper()
	r := c.do("POST", "/Users", userBody(userName, extra...))
	require.Equal(c.t, http.StatusCreated, r.code, r.String())
	return r
}

func (c *tc) createGroup(name string, members ...string) resp {
	c.t.Helper()
	r := c.do("POST", "/Groups", groupBody(name, members...))
	require.Equal(c.t, http.StatusCreated, r.code, r.String())
	return r
}

func (c *tc) userID(userName string) string {
	c.t.Helper()
	return c.createUser(userName).get("id").String()
}

func memberValues(r resp) []string {
	var out []string
	for _, m := range r.get("members").Array() {
		out = append(out, m.Get("value").String())
	}
	return out
}

func requireError(t testing.TB, r resp, status int, scimType string) {
	t.Helper()
	require.Equal(t, status, r.code, r.String())
	require.Equal(t, "application/scim+json", r.h.Get("Content-Type"))
	require.Equal(t, urnError, r.get("schemas.0").String(), r.String())
	require.Equal(t, gjson.String, r.get("status").Type, r.String())
	require.Equal(t, fmt.Sprint(status), r.get("status").String())
	require.Equal(t, scimType, r.get("scimType").String(), r.String())
	require.NotEmpty(t, r.get("detail").String())
}

type gjsonResult = gjson.Result

// insertUserForTest stores a user directly, bypassing HTTP (store lock held
// by the caller). Used to build large stores fast.
func (s *Server) insertUserForTest(userName string) string {
	now := s.now()
	res := &resource{id: newID(), rt: defs.userRT, created: now, modified: now, version: 1, attrs: map[string]any{
		"userName": userName,
		"active":   true,
		"name":     map[string]any{"givenName": "G", "familyName": "F"},
		"emails":   []any{map[string]any{"value": userName + "@example.test", "type": "work", "primary": true}},
	}}
	s.st.insert(res)
	return res.id
}
