package refserver

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// symptoms maps each fault to a probe that reports whether the
// misbehaviour shows. Every probe must be false on a correct server and
// true with its fault enabled.
var symptoms = map[string]func(t *testing.T, faults []string) bool{
	"requires-email": func(t *testing.T, f []string) bool {
		b := userBody("u")
		delete(b, "emails")
		return newTC(t, f...).do("POST", "/Users", b).code == 400
	},
	"projection-drops-schemas": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		return !c.do("GET", "/Users/"+c.userID("u")+"?attributes=userName", nil).get("schemas").Exists()
	},
	"patch-ignores-schemas": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		body := obj{"Operations": arr{obj{"op": "replace", "path": "title", "value": "x"}}}
		return c.do("PATCH", "/Users/"+c.userID("u"), body).code == 200
	},
	"shared-id-counter-per-type": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.userID("u")
		g := c.createGroup("g", u).get("id").String()
		return g == u && c.do("GET", "/Groups/"+g, nil).get("displayName").String() == "g"
	},
	"etag-unadvertised-ignore-if-match": func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		stale := c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "replace", "path": "title", "value": "y"}), `If-Match: W/"0"`)
		spc := c.do("GET", "/ServiceProviderConfig", nil)
		return stale.code == 200 && !spc.get("etag.supported").Bool()
	},
	fNoETag: func(t *testing.T, f []string) bool {
		r := newTC(t, f...).createUser("u")
		return r.h.Get("ETag") == "" && r.get("meta.version").String() != ""
	},
	fIgnoreIfMatch: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		r := c.patch("/Users/"+id, obj{"op": "replace", "path": "title", "value": "x"})
		_ = r
		r = c.do("PATCH", "/Users/"+id, patchBody(obj{"op": "replace", "path": "title", "value": "y"}), `If-Match: W/"1"`)
		return r.code == 200
	},
	fIgnoreIfMatchOnDelete: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		return c.do("DELETE", "/Users/"+id, nil, `If-Match: W/"0"`).code == 204
	},
	fLastModifiedFrozen: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		r := c.patchOK("/Users/"+id, obj{"op": "replace", "path": "title", "value": "x"})
		return r.get("meta.lastModified").String() == r.get("meta.created").String()
	},
	fCreatedChanges: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.createUser("u")
		r := c.patchOK("/Users/"+u.get("id").String(), obj{"op": "replace", "path": "title", "value": "x"})
		return r.get("meta.created").String() != u.get("meta.created").String()
	},
	fNoLocationHeader: func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u").h.Get("Location") == ""
	},
	fRemoveMemberRemovesAll: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u1, u2 := c.userID("u1"), c.userID("u2")
		g := c.createGroup("g", u1, u2).get("id").String()
		r := c.patchOK("/Groups/"+g, obj{"op": "remove", "path": fmt.Sprintf(`members[value eq "%s"]`, u1)})
		return len(memberValues(r)) == 0
	},
	fLegacyRemoveRemovesAll: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u1, u2 := c.userID("u1"), c.userID("u2")
		g := c.createGroup("g", u1, u2).get("id").String()
		r := c.patchOK("/Groups/"+g, obj{"op": "Remove", "path": "members", "value": arr{obj{"value": u1}}})
		return len(memberValues(r)) == 0
	},
	fGroupsNotUpdatedOnDelete: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.userID("u")
		g := c.createGroup("g", u).get("id").String()
		c.do("DELETE", "/Users/"+u, nil)
		return len(memberValues(c.do("GET", "/Groups/"+g, nil))) == 1
	},
	fUserNameCaseSensitive: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("Alice")
		return c.do("POST", "/Users", userBody("alice")).code == 201
	},
	fFilterIgnored: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("a")
		c.createUser("b")
		return c.do("GET", `/Users?filter=userName eq "a"`, nil).get("totalResults").Int() == 2
	},
	fDuplicateValuesKept: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		mail := map[string]any{"type": "work", "value": "a@example.test"}
		return len(c.createUser("a", "emails", []any{mail, mail}).get("emails").Array()) == 2
	},
	fUserNameNotPrecis: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("Jos\u00e9")
		return c.do("POST", "/Users", userBody("Jose\u0301")).code == 201
	},
	fSortIgnored: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("a")
		c.createUser("b")
		return c.do("GET", "/Users?sortBy=userName&sortOrder=descending", nil).get("Resources.0.userName").String() == "a"
	},
	fItemsPerPageWrong: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		for _, n := range []string{"a", "b", "c"} {
			c.createUser(n)
		}
		r := c.do("GET", "/Users?startIndex=3&count=2", nil)
		return r.get("itemsPerPage").Int() != int64(len(r.get("Resources").Array()))
	},
	fPatchNotAtomic: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		r := c.patch("/Users/"+id, obj{"op": "replace", "path": "title", "value": "X"}, obj{"op": "remove", "path": "userName"})
		require.Equal(t, 400, r.code)
		return c.do("GET", "/Users/"+id, nil).get("title").String() == "X"
	},
	fReplaceUnmatchedAppends: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		return c.patch("/Users/"+id, obj{"op": "replace", "path": `emails[type eq "other"].value`, "value": "o@x"}).code == 200
	},
	fETagUnchangedOnUpdate: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.createUser("u")
		r := c.patchOK("/Users/"+u.get("id").String(), obj{"op": "replace", "path": "title", "value": "x"})
		return r.h.Get("ETag") == u.h.Get("ETag")
	},
	fCreateReturns200: func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Users", userBody("u")).code == 200
	},
	fWrongMetaLocation: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		r := c.createUser("u")
		return r.get("meta.location").String() != r.h.Get("Location") || c.do("GET", r.get("meta.location").String(), nil).code != 200
	},
	fDeleteMissingReturns500: func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("DELETE", "/Users/nope", nil).code == 500
	},
	fMalformedJSONReturns500: func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("POST", "/Users", `{"userName":`).code == 500
	},
	fPatchUnknownOpAccepted: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		return c.patch("/Users/"+id, obj{"op": "move", "path": "title", "value": "x"}).code == 200
	},
	fPatchOpCaseSensitive: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		return c.patch("/Users/"+id, obj{"op": "Replace", "path": "title", "value": "x"}).code == 400
	},
	fDuplicateUserNameAllowed: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("u")
		return c.do("POST", "/Users", userBody("u")).code == 201
	},
	fFilterAttrCaseSensitive: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("u")
		return c.do("GET", `/Users?filter=USERNAME eq "u"`, nil).get("totalResults").Int() != 1
	},
	fFilterSWCaseSensitive: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("Alice-sw")
		return c.do("GET", `/Users?filter=userName sw "ALICE-"`, nil).get("totalResults").Int() != 1
	},
	fFilterModifiedAsCreated: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.createUser("modified")
		c.patchOK("/Users/"+u.get("id").String(), obj{"op": "replace", "path": "title", "value": "x"})
		q := url.Values{"filter": {`meta.lastModified gt "` + u.get("meta.created").String() + `"`}}
		return c.do("GET", "/Users?"+q.Encode(), nil).get("totalResults").Int() != 1
	},
	fFilterDeclineUnlabelled: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("u")
		r := c.do("GET", "/Users?"+url.Values{"filter": {`userName ne "x"`}}.Encode(), nil)
		return r.code == 400 && r.get("scimType").String() == ""
	},
	fFilterNECaseSensitive: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("alice-ne")
		return c.do("GET", "/Users?"+url.Values{"filter": {`userName ne "ALICE-NE"`}}.Encode(), nil).get("totalResults").Int() != 0
	},
	fFilterPREmptyString: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("blank", "title", "")
		return c.do("GET", "/Users?"+url.Values{"filter": {`title pr`}}.Encode(), nil).get("totalResults").Int() != 0
	},
	fStartIndexZeroBased: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		c.createUser("first")
		c.createUser("second")
		return c.do("GET", "/Users?startIndex=1&count=1", nil).get("Resources.0.userName").String() != "first"
	},
	fAttributesParamIgnored: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		return c.do("GET", "/Users/"+id+"?attributes=userName", nil).get("emails").Exists()
	},
	fExcludedMembersIgnored: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		g := c.createGroup("g", c.userID("u")).get("id").String()
		return c.do("GET", "/Groups/"+g+"?excludedAttributes=members", nil).get("members").Exists()
	},
	fErrorStatusAsNumber: func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/Users/nope", nil).get("status").Type == gjson.Number
	},
	fSPCClaimsETagButNone: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		r := c.createUser("u")
		return c.do("GET", "/ServiceProviderConfig", nil).get("etag.supported").Bool() && r.h.Get("ETag") == "" && !r.get("meta.version").Exists()
	},
	fSoftDeletedStillListed: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		require.Equal(t, 204, c.do("DELETE", "/Users/"+id, nil).code)
		require.Equal(t, 404, c.do("GET", "/Users/"+id, nil).code)
		return c.do("GET", "/Users", nil).get("totalResults").Int() == 1 &&
			c.do("GET", `/Users?filter=userName eq "u"`, nil).get("totalResults").Int() == 1
	},
	fDeletedUserNameReserved: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		c.do("DELETE", "/Users/"+id, nil)
		return c.do("POST", "/Users", userBody("u")).code == 409
	},
	fPasswordReturned: func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u", "password", "pw").get("password").Exists()
	},
	fPutCreatesMissing: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		r := c.do("PUT", "/Users/00000000-0000-4000-8000-000000000000", userBody("u"))
		return r.code < 300
	},
	fClientIDHonoured: func(t *testing.T, f []string) bool {
		return newTC(t, f...).createUser("u", "id", "client-chosen-id").get("id").String() == "client-chosen-id"
	},
	fActiveStringRejected: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		return c.patch("/Users/"+id, obj{"op": "Replace", "path": "active", "value": "False"}).code == 400
	},
	fNoSCIMContentType: func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", "/Users", nil).h.Get("Content-Type") != "application/scim+json"
	},
	fCountIgnored: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		for _, n := range []string{"a", "b", "c"} {
			c.createUser(n)
		}
		return len(c.do("GET", "/Users?count=1", nil).get("Resources").Array()) > 1
	},
	fIfNoneMatchIgnored: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.createUser("u")
		return c.do("GET", "/Users/"+u.get("id").String(), nil, "If-None-Match: "+u.h.Get("ETag")).code == 200
	},
	fEmptyFilterReturns404: func(t *testing.T, f []string) bool {
		return newTC(t, f...).do("GET", `/Users?filter=userName eq "nobody"`, nil).code == 404
	},
	fNoWWWAuthenticate: func(t *testing.T, f []string) bool {
		c := newTCWith(t, Config{BasePath: "/scim/v2", Token: "tok", Faults: f})
		r := c.do("GET", "/Users", nil)
		require.Equal(t, 401, r.code)
		return r.h.Get("WWW-Authenticate") == ""
	},
	fPatchReturnsStaleBody: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		id := c.userID("u")
		return c.patchOK("/Users/"+id, obj{"op": "replace", "path": "title", "value": "new"}).get("title").String() != "new"
	},
	fNoopBumpsVersion: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		u := c.userID("u")
		g := c.createGroup("g", u)
		r := c.patchOK("/Groups/"+g.get("id").String(), obj{"op": "add", "path": "members", "value": arr{obj{"value": u}}})
		return r.h.Get("ETag") != g.h.Get("ETag") || r.get("meta.lastModified").String() != g.get("meta.lastModified").String()
	},
	fFlaky429: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		n := 0
		for i := 0; i < 100; i++ {
			if r := c.do("GET", "/Users", nil); r.code == 429 {
				n++
				require.Contains(t, []string{"0", "1"}, r.h.Get("Retry-After"))
				requireError(t, r, 429, "")
			}
		}
		return n > 0
	},
	fFlaky5xx: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		n, prev := 0, false
		for i := 0; i < 100; i++ {
			r := c.do("GET", "/Users", nil)
			bad := r.code == 503
			if bad {
				n++
				require.Equal(t, "0", r.h.Get("Retry-After"))
				require.False(t, prev, "two 503s in a row")
				requireError(t, r, 503, "")
			}
			prev = bad
		}
		return n > 5 && n < 40
	},
	fSlow: func(t *testing.T, f []string) bool {
		c := newTC(t, f...)
		start := time.Now()
		c.do("GET", "/ServiceProviderConfig", nil)
		return time.Since(start) >= 50*time.Millisecond
	},
}

// TestEveryFaultShowsAndOnlyWithItsFault runs the symptom probes. A probe is
// optional: the fault matrix (harness) already proves that every fault fails
// some check; a probe pins the misbehaviour itself, closer to the code. A
// probe must name a fault that exists.
func TestEveryFaultShowsAndOnlyWithItsFault(t *testing.T) {
	known := map[string]bool{}
	for _, f := range Faults() {
		known[f.Name] = true
		probe, ok := symptoms[f.Name]
		if !ok {
			probe, ok = wireSymptoms[f.Name]
		}
		if !ok {
			probe, ok = schemaSymptoms[f.Name]
		}
		if !ok {
			probe, ok = cursorSymptoms[f.Name]
		}
		if !ok {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			assert.False(t, probe(t, nil), "correct server shows the symptom of %s", f.Name)
			assert.True(t, probe(t, []string{f.Name}), "fault %s does not show", f.Name)
		})
	}
	for _, probes := range []map[string]func(*testing.T, []string) bool{symptoms, wireSymptoms, schemaSymptoms, cursorSymptoms} {
		for name := range probes {
			assert.True(t, known[name], "symptom probe for %s, which is no fault", name)
		}
	}
}

// TestEveryFaultNameIsListed checks that each fault name constant (fXxx =
// "name") declared beside the server's code is in a table that faults.go
// gathers: a constant whose table is missing there would make its fault
// unknown to --fault and to the fault matrix, and its s.fault always false.
func TestEveryFaultNameIsListed(t *testing.T) {
	known := map[string]bool{}
	for _, f := range Faults() {
		known[f.Name] = true
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, sp := range g.Specs {
					checkFaultConst(t, file, sp.(*ast.ValueSpec), known)
				}
			}
		}
	}
}

// checkFaultConst fails when sp declares a fault name constant (fXxx, a
// string) that no fault table lists.
func checkFaultConst(t *testing.T, file string, sp *ast.ValueSpec, known map[string]bool) {
	for i, n := range sp.Names {
		if len(n.Name) < 2 || n.Name[0] != 'f' || !unicode.IsUpper(rune(n.Name[1])) || i >= len(sp.Values) {
			continue
		}
		lit, ok := sp.Values[i].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			continue
		}
		name, err := strconv.Unquote(lit.Value)
		require.NoError(t, err)
		assert.True(t, known[name], "%s: fault %s (%s) is in no table that faults.go gathers", file, n.Name, name)
	}
}

func TestFaultCatalogue(t *testing.T) {
	fs := Faults()
	assert.GreaterOrEqual(t, len(fs), 25)
	assert.True(t, sort.SliceIsSorted(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name }))
	names := map[string]bool{}
	for _, f := range fs {
		assert.False(t, names[f.Name], "duplicate %s", f.Name)
		names[f.Name] = true
		assert.Contains(t, []string{KindConformance, KindShould, KindIDP, KindChaos, KindProfile}, f.Kind)
		assert.Equal(t, f.Kind == KindProfile, f.Profile != "", "a profile fault, and only one, names its profile: %s", f.Name)
		assert.NotEmpty(t, f.Description)
		if f.Kind == KindIDP {
			assert.Contains(t, []string{"entra", "entra-legacy", "okta"}, f.Dialect, "idp fault %s needs an IdP's dialect", f.Name)
		} else {
			assert.Empty(t, f.Dialect, "only idp faults have a dialect: %s", f.Name)
		}
	}
	for _, n := range []string{"no-etag", "ignore-if-match", "lastmodified-frozen", "created-changes", "no-location-header",
		"remove-member-removes-all", "groups-not-updated-on-user-delete", "username-case-sensitive", "filter-ignored",
		"items-per-page-wrong", "patch-not-atomic", "replace-unmatched-filter-appends", "etag-unchanged-on-update",
		"ignore-if-match-on-delete", "create-returns-200", "wrong-meta-location", "delete-missing-returns-500",
		"malformed-json-returns-500", "patch-unknown-op-accepted", "duplicate-username-allowed",
		"filter-attribute-names-case-sensitive", "start-index-zero-based", "attributes-param-ignored",
		"error-status-as-number", "spc-claims-etag-but-none", "soft-deleted-still-listed", "flaky-5xx", "flaky-429", "slow"} {
		assert.True(t, names[n], "missing required fault %s", n)
	}
	assert.Equal(t, KindChaos, kindOf(fs, "flaky-5xx"))
	assert.Equal(t, KindChaos, kindOf(fs, "slow"))
	assert.Equal(t, KindChaos, kindOf(fs, "flaky-429"))
	assert.Equal(t, KindIDP, kindOf(fs, "patch-op-case-sensitive"))
	assert.Equal(t, KindShould, kindOf(fs, "no-scim-content-type"))
	// callers get a copy
	fs[0].Name = "changed"
	assert.NotEqual(t, "changed", Faults()[0].Name)

	_, err := New(Config{Faults: []string{"no-etag", "no-such-fault"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-such-fault")
	_, err = New(Config{Faults: []string{"no-etag", " slow "}})
	require.NoError(t, err)
}

func kindOf(fs []Fault, name string) string {
	for _, f := range fs {
		if f.Name == name {
			return f.Kind
		}
	}
	return ""
}

func TestFlakyIsDeterministic(t *testing.T) {
	run := func() []int {
		c := newTCWith(t, Config{BasePath: "/scim/v2", Faults: []string{fFlaky5xx}, Seed: 42})
		var codes []int
		for i := 0; i < 50; i++ {
			codes = append(codes, c.do("GET", "/Users?filter="+url.QueryEscape(`userName pr`), nil).code)
		}
		return codes
	}
	assert.Equal(t, run(), run())
}

// TestChaosNeverTwiceForARetry sends many different requests concurrently,
// each retried until it gets a real answer: whatever runs alongside, no
// request gets a chaos answer twice in a row, and both chaos faults show.
func TestChaosNeverTwiceForARetry(t *testing.T) {
	c := newTCWith(t, Config{BasePath: "/scim/v2", Faults: []string{fFlaky5xx, fFlaky429}, Seed: 7})
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := userBody(fmt.Sprintf("chaos-%d", i))
			for attempt := 1; ; attempt++ {
				r := c.do("POST", "/Users", body)
				if r.code != 503 && r.code != 429 {
					assert.Equal(t, 201, r.code, r.String())
					break
				}
				mu.Lock()
				seen[r.code]++
				mu.Unlock()
				if !assert.Equal(t, 1, attempt, "request %d got a chaos answer twice in a row", i) {
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.NotZero(t, seen[503], "flaky-5xx shows")
	assert.NotZero(t, seen[429], "flaky-429 shows")
}

// TestChaosIsPerRequest: a request's chaos answers do not depend on the
// requests sent before it.
func TestChaosIsPerRequest(t *testing.T) {
	codes := func(noise int) []int {
		c := newTCWith(t, Config{BasePath: "/scim/v2", Faults: []string{fFlaky429}, Seed: 3})
		for i := 0; i < noise; i++ {
			c.do("GET", fmt.Sprintf("/Users?count=%d", i), nil)
		}
		var out []int
		for i := 0; i < 30; i++ {
			out = append(out, c.do("GET", fmt.Sprintf("/Groups?startIndex=%d", i), nil).code)
		}
		return out
	}
	assert.Equal(t, codes(0), codes(17))
}
