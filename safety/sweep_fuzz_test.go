package safety

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
)

// sweepTransport answers list requests with list, reads of one resource
// with one, and records every DELETE, with no network.
type sweepTransport struct {
	list, one []byte
	status    int
	mu        sync.Mutex
	deleted   []string
	requests  int
}

func (t *sweepTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.requests++
	t.mu.Unlock()
	body, status := t.one, t.status
	switch {
	case r.Method == http.MethodDelete:
		t.mu.Lock()
		t.deleted = append(t.deleted, r.URL.Path)
		t.mu.Unlock()
		body, status = nil, http.StatusNoContent
	case strings.HasSuffix(r.URL.Path, "/Users") || strings.HasSuffix(r.URL.Path, "/Groups"):
		body, status = t.list, http.StatusOK
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/scim+json"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
}

// FuzzSweep feeds fuzzed list pages and fuzzed resource bodies to the prefix
// sweep (and so to ReadListPage). Whatever the server claims, the sweep may
// delete only when the resource it read itself carries the run prefix, and
// it must finish within its page budget.
func FuzzSweep(f *testing.F) {
	const prefix = "scimloop-fz01ab-"
	f.Add([]byte(`{"totalResults":1,"Resources":[{"id":"u1","userName":"scimloop-fz01ab-user-1","displayName":"scimloop-fz01ab-group-1"}]}`),
		[]byte(`{"id":"u1","userName":"scimloop-fz01ab-user-1","displayName":"scimloop-fz01ab-group-1"}`), 200)
	f.Add([]byte(`{"totalResults":2,"Resources":[{"id":"seed-1","userName":"scimloop-fz01ab-user-1"},{"id":"x","userName":"alice"}]}`),
		[]byte(`{"id":"seed-1","userName":"alice@acme.example"}`), 200)
	f.Add([]byte(`{"Resources":"x","totalResults":"7"}`), []byte(`<html>`), 500)
	f.Add([]byte(`{"totalResults":1e999,"Resources":[{"id":"../Groups/g1","userName":"scimloop-fz01ab-u"},{"id":7},{"id":"a?b"},null]}`), []byte(`{"userName":["scimloop-fz01ab-"]}`), 200)
	f.Add([]byte(`[{"id":"a"}]`), []byte(`{"id":"other","userName":"SCIMLOOP-FZ01AB-USER-2"}`), 404)
	f.Add([]byte(strings.Repeat(`{"Resources":[`, 200)), []byte(strings.Repeat(`[`, 200)), 200)
	f.Fuzz(func(t *testing.T, list, one []byte, status int) {
		if status < 100 || status > 999 {
			status = 200
		}
		tr := &sweepTransport{list: list, one: one, status: status}
		c, err := fakeidp.NewClient("https://scim.invalid/v2", fakeidp.WithHTTPClient(&http.Client{Transport: tr}), fakeidp.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rep := Sweep(context.Background(), c, prefix, SweepOptions{PageSize: 10, MaxPages: 5})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("the sweep took %v", d)
		}
		if tr.requests > 2*5+2*2*200+4 {
			t.Fatalf("the sweep sent %d requests", tr.requests)
		}
		if len(tr.deleted) > 0 {
			if status != http.StatusOK {
				t.Fatalf("deleted %v although reading the resource answered %d", tr.deleted, status)
			}
			for _, path := range tr.deleted {
				attr := "userName"
				if strings.Contains(path, "/Groups/") {
					attr = "displayName"
				}
				if name := fakeidp.Get(one, attr); !hasPrefix(name.Str, prefix) || name.Type.String() != "String" {
					t.Fatalf("deleted %s although the resource read back has %s %s", path, attr, name.Raw)
				}
				id := path[strings.LastIndex(path, "/")+1:]
				if !SafeID(id) {
					t.Fatalf("deleted an unsafe id %q", id)
				}
			}
		}
		if len(rep.Deleted) != len(tr.deleted) {
			t.Fatalf("the report says %d deleted, the server saw %d", len(rep.Deleted), len(tr.deleted))
		}
		page, err := ReadListPage(list, "userName")
		if err == nil {
			for _, it := range page.Items {
				if it.ID == "" {
					t.Fatal("ReadListPage kept an item without an id")
				}
			}
		}
		_ = CheckSweepPrefix(string(one))
	})
}
