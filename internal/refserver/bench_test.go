package refserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Benchmarks of the hot IdP paths at growing store sizes. Costs should stay
// flat as the store grows: id lookup, the userName index and the membership
// index are maps.

var benchSizes = []int{10_000, 100_000}

type benchEnv struct {
	s     *Server
	ids   []string
	names []string
	group string
}

var benchEnvs = map[int]*benchEnv{}

func benchStore(b *testing.B, n int) *benchEnv {
	b.Helper()
	if e, ok := benchEnvs[n]; ok {
		return e
	}
	s, err := New(Config{BasePath: "/scim/v2"})
	if err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{s: s}
	s.st.mu.Lock()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("user%07d@example.test", i)
		e.names = append(e.names, name)
		e.ids = append(e.ids, s.insertUserForTest(name))
	}
	g := &resource{id: newID(), rt: defs.groupRT, attrs: map[string]any{"displayName": "bench"}, created: s.now(), modified: s.now(), version: 1}
	s.st.insert(g)
	e.group = g.id
	s.st.mu.Unlock()
	benchEnvs[n] = e
	return e
}

func serve(b *testing.B, s *Server, req *http.Request) int {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code
}

func BenchmarkStore(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("GetByID/users=%d", n), func(b *testing.B) {
			e := benchStore(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest("GET", "/scim/v2/Users/"+e.ids[i%n], nil)
				if code := serve(b, e.s, req); code != 200 {
					b.Fatalf("status %d", code)
				}
			}
		})
		b.Run(fmt.Sprintf("FilterUserNameEq/users=%d", n), func(b *testing.B) {
			e := benchStore(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q := "filter=userName%20eq%20%22" + e.names[i%n] + "%22"
				req := httptest.NewRequest("GET", "/scim/v2/Users?"+q, nil)
				if code := serve(b, e.s, req); code != 200 {
					b.Fatalf("status %d", code)
				}
			}
		})
		b.Run(fmt.Sprintf("PatchAddMember/users=%d", n), func(b *testing.B) {
			e := benchStore(b, n)
			const groupCap = 64 // keep the group small: this measures the store, not the group size
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%groupCap == 0 {
					b.StopTimer()
					e.s.st.mu.Lock()
					old := e.s.st.byID[e.group]
					e.s.commit(old, map[string]any{"displayName": "bench"})
					e.s.st.mu.Unlock()
					b.StartTimer()
				}
				body, _ := json.Marshal(patchBody(obj{"op": "add", "path": "members", "value": arr{obj{"value": e.ids[i%n]}}}))
				req := httptest.NewRequest("PATCH", "/scim/v2/Groups/"+e.group+"?excludedAttributes=members", bytes.NewReader(body))
				if code := serve(b, e.s, req); code != 200 {
					b.Fatalf("status %d", code)
				}
			}
		})
	}
}
