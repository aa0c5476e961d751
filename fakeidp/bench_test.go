package fakeidp_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
)

// BenchmarkRequests measures the harness client's throughput against the
// reference server over loopback, beside a plain net/http loop making the
// same requests in the same run: the ratio of the two is the harness's
// per-request overhead (recording, redaction, limits). On a busy machine
// compare cpu-µs/op, the process CPU time per request (client and server
// both), which other processes' load hardly moves; req/s swings with it.
// TestRequestsAllocationOverhead pins the allocations per request beyond
// the plain loop, which load does not move at all.
//
//	go test -run '^$' -bench BenchmarkRequests ./fakeidp/
func BenchmarkRequests(b *testing.B) {
	const token = "bench-token-0123456789"
	srv, err := refserver.New(refserver.Config{Token: token, BasePath: "/scim/v2"})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	base := ts.URL + "/scim/v2"

	// One user to read back.
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bench-user","password":"pw-never-shown","emails":[{"value":"b@bench.example.test","type":"work"}]}`
	req, _ := http.NewRequest(http.MethodPost, base+"/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := ts.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("seeding a user: %v %v", err, resp)
	}
	loc := resp.Header.Get("Location")
	resp.Body.Close()
	path := strings.TrimPrefix(loc, base)

	b.Run("op=GET/client=nethttp", func(b *testing.B) {
		hc := ts.Client()
		start, cpu := time.Now(), processCPU()
		for b.Loop() {
			plainGet(b, hc, loc, "Bearer "+token)
		}
		reportRate(b, start, cpu)
	})
	b.Run("op=GET/client=harness", func(b *testing.B) {
		c, err := fakeidp.NewClient(base, fakeidp.WithBearer(token), fakeidp.WithHTTPClient(ts.Client()))
		if err != nil {
			b.Fatal(err)
		}
		start, cpu := time.Now(), processCPU()
		for b.Loop() {
			if _, err := c.Do(context.Background(), fakeidp.Request{Method: http.MethodGet, Path: path}); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b, start, cpu)
	})
}

// plainGet is the plain net/http loop's request, the baseline the harness
// client is measured against: a GET with the same headers, body discarded.
// authorization is the whole header value, a constant at the call, as a
// plain client would hold it.
func plainGet(tb testing.TB, hc *http.Client, url, authorization string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", authorization)
	req.Header.Set("Accept", "application/scim+json")
	resp, err := hc.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func reportRate(b *testing.B, start time.Time, cpu time.Duration) {
	if el := time.Since(start).Seconds(); el > 0 {
		b.ReportMetric(float64(b.N)/el, "req/s")
	}
	if used := processCPU() - cpu; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// BenchmarkClientOverhead measures the clients alone: both send the same
// GET through a transport that answers at once from memory, so that no
// server, socket or scheduler is in the figures and the difference is what
// the harness client does per request (request building, recording,
// redaction, the memory it keeps), free of the noise that moves
// BenchmarkRequests on a shared machine.
func BenchmarkClientOverhead(b *testing.B) {
	const base = "http://127.0.0.1:9/scim/v2"
	path := "/Users/5b0c1f3e-9a7d-4c1e-8f0a-123456789abc"
	body := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"5b0c1f3e-9a7d-4c1e-8f0a-123456789abc","userName":"bench-user","emails":[{"value":"b@bench.example.test","type":"work"}],"active":true,` +
		`"meta":{"resourceType":"User","created":"2026-12-06T01:00:00Z","lastModified":"2026-12-06T01:00:00Z","version":"W/\"1\"","location":"` + base + path + `"}}`)
	hc := &http.Client{Transport: answerFromMemory(body)}
	b.Run("op=GET/client=nethttp", func(b *testing.B) {
		for b.Loop() {
			plainGet(b, hc, base+path, "Bearer bench-token-0123456789")
		}
	})
	b.Run("op=GET/client=harness", func(b *testing.B) {
		c, err := fakeidp.NewClient(base, fakeidp.WithBearer("bench-token-0123456789"), fakeidp.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := c.Do(context.Background(), fakeidp.Request{Method: http.MethodGet, Path: path}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// answerFromMemory is a transport that answers every request with body,
// as the reference server answers a GET of one user.
type answerFromMemory []byte

func (body answerFromMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"application/scim+json"}, "Etag": {`W/"1"`}, "Date": {"Sun, 06 Dec 2026 01:00:00 GMT"},
		"Content-Length": {strconv.Itoa(len(body))}, "Location": {r.URL.String()}}
	return &http.Response{StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}
