package reconcile

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// refServer starts a preloaded reference server; wrap, when set, sees
// every request first.
func refServer(t testing.TB, p refserver.Preload, wrap func(http.Handler) http.Handler) (*refserver.Server, string) {
	t.Helper()
	return refServerWith(t, refserver.Config{}, p, wrap)
}

// refServerWith is refServer with cfg (its BasePath is set here).
func refServerWith(t testing.TB, cfg refserver.Config, p refserver.Preload, wrap func(http.Handler) http.Handler) (*refserver.Server, string) {
	t.Helper()
	cfg.BasePath = "/scim/v2"
	srv, err := refserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Preload(p); err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return srv, ts.URL + "/scim/v2"
}

func client(t testing.TB, url string) *fakeidp.Client {
	t.Helper()
	c, err := fakeidp.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// export returns the server's export as a parsed source.
func export(t testing.TB, url string) (*Source, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Export(context.Background(), ExportConfig{Client: client(t, url)}, &buf); err != nil {
		t.Fatal(err)
	}
	src, err := ReadSource(bytes.NewReader(buf.Bytes()), "export.jsonl", MatchDefault)
	if err != nil {
		t.Fatal(err)
	}
	if src.ErrorCount > 0 {
		t.Fatalf("the export has bad rows: %v", src.Errors)
	}
	return src, buf.Bytes()
}

func run(t testing.TB, url string, src *Source, mod func(*Config)) *Report {
	t.Helper()
	cfg := Config{Client: client(t, url), Source: src, SourceName: "test"}
	if mod != nil {
		mod(&cfg)
	}
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// driftLines renders drift one per line, for exact comparisons.
func driftLines(ds []reports.Drift) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(string(d.Class) + " " + d.Type + " " + d.Key)
		if d.Path != "" {
			b.WriteString(" " + d.Path + ": " + d.Want + " -> " + d.Got)
		}
		if d.Member != "" {
			b.WriteString(" member " + d.Member)
		}
		if len(d.IDs) > 0 {
			b.WriteString(" ×" + string(rune('0'+len(d.IDs))))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func fakeRequest(method, path string) fakeidp.Request {
	return fakeidp.Request{Method: method, Path: path}
}

// refProxy serves base's SCIM through wrap, on another address.
func refProxy(t testing.TB, base string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	fwd := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest(r.Method, base+strings.TrimPrefix(r.URL.Path, "/scim/v2")+"?"+r.URL.RawQuery, r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
	ts := httptest.NewServer(wrap(fwd))
	t.Cleanup(ts.Close)
	return ts.URL + "/scim/v2"
}
