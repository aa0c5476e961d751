package refserver

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParallelWriters runs creators, patchers, deleters and readers at once
// (meant for go test -race), then checks the indexes agree with the data.
func TestParallelWriters(t *testing.T) {
	c := newTC(t)
	groups := make([]string, 4)
	for i := range groups {
		groups[i] = c.createGroup(fmt.Sprintf("g%d", i)).get("id").String()
	}
	const workers, perWorker = 8, 40
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				name := fmt.Sprintf("w%d-u%d", w, i)
				r := c.do("POST", "/Users", userBody(name))
				if r.code != 201 {
					t.Errorf("create %s: %s", name, r)
					return
				}
				id := r.get("id").String()
				g := groups[(w+i)%len(groups)]
				c.patch("/Groups/"+g, obj{"op": "add", "path": "members", "value": arr{obj{"value": id}}})
				c.patch("/Users/"+id, obj{"op": "replace", "path": "title", "value": "t"})
				c.do("GET", "/Groups/"+g, nil)
				c.do("GET", `/Users?filter=userName eq "`+name+`"`, nil)
				switch i % 3 {
				case 0:
					c.do("DELETE", "/Users/"+id, nil)
				case 1:
					c.patch("/Groups/"+g, obj{"op": "remove", "path": `members[value eq "` + id + `"]`})
				}
			}
		}(w)
	}
	// a concurrent group rename / PUT stream
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			c.patch("/Groups/"+groups[0], obj{"op": "replace", "path": "displayName", "value": fmt.Sprintf("g0-%d", i)})
			c.do("GET", "/Users?count=5&sortBy=userName", nil)
		}
	}()
	wg.Wait()

	// consistency: every member exists, and both views agree
	wantUsers := workers * (perWorker - (perWorker+2)/3)
	var all []gjsonResult
	for si := 1; si <= wantUsers; si += maxResults {
		users := c.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=%d", si, maxResults), nil)
		require.Equal(t, int64(wantUsers), users.get("totalResults").Int())
		all = append(all, users.get("Resources").Array()...)
	}
	require.Len(t, all, wantUsers)
	userGroups := map[string]map[string]bool{}
	for _, u := range all {
		userGroups[u.Get("id").String()] = map[string]bool{}
		for _, g := range u.Get("groups.#.value").Array() {
			userGroups[u.Get("id").String()][g.String()] = true
		}
	}
	total := 0
	for _, g := range groups {
		for _, m := range memberValues(c.do("GET", "/Groups/"+g, nil)) {
			total++
			require.Contains(t, userGroups, m, "member %s of %s no longer exists", m, g)
			assert.True(t, userGroups[m][g])
		}
	}
	n := 0
	for _, gs := range userGroups {
		n += len(gs)
	}
	assert.Equal(t, total, n)
	c.s.st.mu.RLock()
	defer c.s.st.mu.RUnlock()
	assert.Len(t, c.s.st.userNames, wantUsers)
}

// TestOverRealHTTP runs a few requests through a real loopback listener.
func TestOverRealHTTP(t *testing.T) {
	s, err := New(Config{BasePath: "/scim/v2", Token: "t0k"})
	require.NoError(t, err)
	ts := httptest.NewServer(s)
	defer ts.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/scim/v2/Users", strings.NewReader(`{"schemas":["`+urnUser+`"],"userName":"real"}`))
	req.Header.Set("Authorization", "Bearer t0k")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode, string(body))
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), ts.URL+"/scim/v2/Users/"))
	assert.Contains(t, string(body), `"location":"`+resp.Header.Get("Location")+`"`)

	req, _ = http.NewRequest("GET", ts.URL+"/scim/v2/Users?filter=userName%20eq%20%22REAL%22&startIndex=1&count=100", nil)
	req.Header.Set("Authorization", "Bearer t0k")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"totalResults":1`)
}
