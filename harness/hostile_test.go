package harness

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// Hostile and broken servers: whatever comes back, Execute must not panic,
// must return within a small multiple of the request timeout, and must end
// with findings or an incomplete run whose message says what happened.

const hostileToken = "hostile-t0ken-5e2a"

// hostileTimeout is the per-request timeout of the runs against servers
// that hang. It is short, so that those runs are quick, but not so short
// that a loaded machine (the race detector, every package at once) misses
// it with the answers that do come: hangs-after-discovery needs discovery
// to succeed, and with 400 ms it once did not.
const hostileTimeout = 1500 * time.Millisecond

// stream writes n bytes of filler, stopping when the client goes away.
func stream(w http.ResponseWriter, n int) {
	chunk := []byte(strings.Repeat("A", 1<<20))
	for written := 0; written < n; written += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// withRef serves the reference server, except where hook answers first.
func withRef(t *testing.T, hook func(w http.ResponseWriter, r *http.Request) bool) http.Handler {
	t.Helper()
	h, err := refserver.New(refserver.Config{Token: hostileToken, BasePath: "/scim/v2", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hook(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	})
}

func isDiscovery(r *http.Request) bool {
	for _, p := range []string{"/ServiceProviderConfig", "/ResourceTypes", "/Schemas"} {
		if strings.Contains(r.URL.Path, p) {
			return true
		}
	}
	return false
}

// bystander is another loopback server that must never be contacted.
type bystander struct {
	*httptest.Server
	hits   atomic.Int32
	tokens atomic.Int32
}

func newBystander(t *testing.T) *bystander {
	b := &bystander{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), hostileToken) {
			b.tokens.Add(1)
		}
	}))
	t.Cleanup(b.Close)
	return b
}

// hostileCase is one hostile server and what the run must make of it.
type hostileCase struct {
	name string
	h    http.Handler
	// want: "incomplete" (an infrastructure error), "findings" (the run
	// completes and fails checks), or "complete" (it copes and passes or
	// fails on its own merits); message must appear in the errors or findings.
	want, message string
	tls           bool
	// hang marks the cases whose server never finishes: they run with
	// the short hostileTimeout; the others get room for a loaded machine.
	hang bool
}

// hostileCases are the hostile servers; other is the host a redirect points at.
func hostileCases(t *testing.T, other *bystander) []hostileCase {
	return append(hostileBodyCases(t), hostileTransportCases(t, other)...)
}

// hostileBodyCases are servers whose answers are hostile: wrong bodies, hangs, floods.
func hostileBodyCases(t *testing.T) []hostileCase {
	return []hostileCase{
		{name: "not-json", want: "incomplete", message: "not JSON",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") })},
		{name: "html-error-page", want: "incomplete", message: "502",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, "<html><h1>502 Bad Gateway</h1></html>")
			})},
		{name: "wrong-types-everywhere", want: "findings", message: "",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if isDiscovery(r) || r.Method != http.MethodGet {
					return false
				}
				w.Header().Set("Content-Type", "application/scim+json")
				_, _ = io.WriteString(w, `{"id":7,"userName":["x"],"meta":"no","schemas":{"a":1},"Resources":"none","totalResults":1e999,"members":[null,1,{"value":{}}]}`)
				return true
			})},
		{name: "deep-nesting", want: "findings", message: "",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if isDiscovery(r) || r.Method != http.MethodGet {
					return false
				}
				_, _ = io.WriteString(w, strings.Repeat(`{"a":[`, 200000))
				return true
			})},
		{name: "500-after-discovery", want: "findings", message: "500",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if isDiscovery(r) {
					return false
				}
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, "<html>Internal Server Error</html>")
				return true
			})},
		{name: "hangs", want: "incomplete", message: "timeout", hang: true,
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body); <-r.Context().Done() })},
		{name: "hangs-after-discovery", want: "findings", message: "timeout", hang: true,
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if isDiscovery(r) {
					return false
				}
				_, _ = io.Copy(io.Discard, r.Body) // the server notices a closed connection only after the body
				<-r.Context().Done()
				return true
			})},
		{name: "100MB-body", want: "incomplete", message: "size limit",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stream(w, 100<<20) })},
		{name: "50MB-list", want: "findings", message: "size limit",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/Users") {
					return false
				}
				stream(w, 50<<20)
				return true
			})},
		{name: "slow-drip", want: "incomplete", message: "timeout", hang: true,
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				for range 1000 {
					if _, err := io.WriteString(w, " "); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					select {
					case <-time.After(50 * time.Millisecond):
					case <-r.Context().Done():
						return
					}
				}
			})},
	}
}

// hostileTransportCases are servers hostile at the HTTP level: redirects,
// resets, TLS, and bursts of 429 and 503.
func hostileTransportCases(t *testing.T, other *bystander) []hostileCase {
	var burst sync.Map // path -> *atomic.Int32, for per-path bursts
	count := func(r *http.Request) int32 {
		v, _ := burst.LoadOrStore(r.Method+" "+r.URL.Path+" "+r.URL.RawQuery, new(atomic.Int32))
		return v.(*atomic.Int32).Add(1)
	}
	return []hostileCase{
		{name: "redirect-to-another-host", want: "incomplete", message: "302",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
			})},
		{name: "redirect-after-discovery", want: "findings", message: "307",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if isDiscovery(r) {
					return false
				}
				http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
				return true
			})},
		{name: "connection-reset", want: "incomplete", message: "EOF",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			})},
		{name: "resets-after-discovery", want: "findings", message: "EOF",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if isDiscovery(r) || r.Method == http.MethodGet {
					return false
				}
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					_ = conn.Close()
				}
				return true
			})},
		{name: "tls-unknown-authority", want: "incomplete", message: "--ca-cert", tls: true,
			h: withRef(t, func(http.ResponseWriter, *http.Request) bool { return false })},
		{name: "429-burst-retry-after", want: "complete",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if count(r) <= 2 {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusTooManyRequests)
					return true
				}
				return false
			})},
		{name: "429-burst-no-retry-after", want: "complete",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if count(r) <= 2 {
					w.WriteHeader(http.StatusTooManyRequests)
					return true
				}
				return false
			})},
		{name: "429-forever", want: "incomplete", message: "429",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusTooManyRequests)
			})},
		{name: "503-burst", want: "complete",
			h: withRef(t, func(w http.ResponseWriter, r *http.Request) bool {
				if count(r) <= 3 {
					w.WriteHeader(http.StatusServiceUnavailable)
					return true
				}
				return false
			})},
	}
}

func TestHostileServers(t *testing.T) {
	t.Parallel()
	other := newBystander(t)
	cases := hostileCases(t, other)
	// The runs mostly wait (timeouts, Retry-After), so they all go at once,
	// in goroutines rather than parallel subtests (which -parallel would
	// limit to the number of CPUs); each subtest then judges its outcome.
	type outcome struct {
		run     *reports.Run
		err     error
		elapsed time.Duration
	}
	outcomes := make([]outcome, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var srv *httptest.Server
			if tc.tls {
				srv = httptest.NewUnstartedServer(tc.h)
				srv.Config.ErrorLog = log.New(io.Discard, "", 0)
				srv.StartTLS()
			} else {
				srv = httptest.NewServer(tc.h)
			}
			defer srv.Close()
			target := Target{URL: srv.URL + "/scim/v2", Header: http.Header{"Authorization": {"Bearer " + hostileToken}}}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			timeout := 10 * time.Second
			if tc.hang {
				timeout = hostileTimeout
			}
			start := time.Now()
			run, err := Execute(ctx, target, WithOnly("discovery", "user-lifecycle", "group-membership"),
				WithClientOptions(fakeidp.WithTimeout(timeout), fakeidp.WithMaxBody(1<<20)))
			outcomes[i] = outcome{run: run, err: err, elapsed: time.Since(start)}
		}()
	}
	wg.Wait()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run, err, elapsed := outcomes[i].run, outcomes[i].err, outcomes[i].elapsed
			// 3 scenarios plus cleanup, a handful of requests each, every one
			// bounded by the timeout and at most 3 retries of at most 5 s.
			if elapsed > 45*time.Second {
				t.Errorf("Execute took %v", elapsed)
			}
			if run == nil {
				t.Fatalf("no run (err %v)", err)
			}
			text := hostileText(run)
			switch tc.want {
			case "incomplete":
				if err == nil || !errors.Is(err, ErrIncomplete) || !run.Verdict.Incomplete {
					t.Errorf("err = %v, incomplete = %v; want an incomplete run", err, run.Verdict.Incomplete)
				}
				if len(run.Errors) == 0 {
					t.Error("an incomplete run must say why in Errors")
				}
			case "findings":
				if err != nil {
					t.Errorf("Execute: %v, want a completed run with findings", err)
				}
				if run.Verdict.Failed+run.Verdict.Errored == 0 {
					t.Errorf("verdict %+v: want failed or errored checks", run.Verdict)
				}
			case "complete":
				if err != nil {
					t.Errorf("Execute: %v, want the run to cope", err)
				}
				if run.Verdict.Result != "pass" {
					for _, c := range run.Checks {
						if c.Status == reports.StatusFail {
							t.Errorf("%s failed: %v", c.ID, c.Findings[0].Message)
						}
					}
				}
			}
			if tc.message != "" && !strings.Contains(text, tc.message) {
				t.Errorf("no clear message: want %q in:\n%.3000s", tc.message, text)
			}
			if strings.Contains(text, hostileToken) {
				t.Error("the token leaked into the run's messages")
			}
			t.Logf("%s: %v, verdict %s (%d failed, %d errors), %d exchanges", tc.name, elapsed.Round(time.Millisecond),
				run.Verdict.Result, run.Verdict.Failed, run.Verdict.Errored, len(run.Exchanges))
		})
	}
	t.Cleanup(func() {
		if n := other.hits.Load(); n > 0 {
			t.Errorf("a redirect was followed: the other host got %d requests (%d with the token)", n, other.tokens.Load())
		}
	})
}

// hostileText is everything a run says: its errors, every reason, finding
// and excerpt.
func hostileText(run *reports.Run) string {
	text := strings.Join(run.Errors, "\n")
	for _, c := range run.Checks {
		text += "\n" + c.Reason
		for _, f := range c.Findings {
			text += "\n" + f.Message + "\n" + f.Excerpt
		}
	}
	for _, s := range run.Scenarios {
		text += "\n" + s.Reason
	}
	return text
}
