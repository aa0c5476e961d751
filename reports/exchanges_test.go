package reports

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCapBodies(t *testing.T) {
	exs := []Exchange{
		{Seq: 1, RequestBody: "short", ResponseBody: "0123456789"},
		{Seq: 2, RequestBody: "0123456789abc", ResponseBody: "ok"},
		// "é" is two bytes at 7 and 8: the cut must not split it.
		{Seq: 3, ResponseBody: "abcdefgé-tail"},
	}
	CapBodies(exs, 8)
	for _, c := range []struct {
		got             Exchange
		req, resp       string
		reqCut, respCut int
		truncated       bool
	}{
		{exs[0], "short", "01234567", 0, 2, true},
		{exs[1], "01234567", "ok", 5, 0, true},
		{exs[2], "", "abcdefg", 0, len("é-tail"), true},
	} {
		g := c.got
		if g.RequestBody != c.req || g.ResponseBody != c.resp || g.RequestBodyCut != c.reqCut ||
			g.ResponseBodyCut != c.respCut || g.Truncated != c.truncated {
			t.Errorf("exchange %d after CapBodies(8) = %q %q cut %d %d truncated %v, want %q %q cut %d %d truncated %v",
				g.Seq, g.RequestBody, g.ResponseBody, g.RequestBodyCut, g.ResponseBodyCut, g.Truncated,
				c.req, c.resp, c.reqCut, c.respCut, c.truncated)
		}
	}

	whole := []Exchange{{RequestBody: "0123456789", ResponseBody: "0123456789"}}
	CapBodies(whole, 0)
	if whole[0].RequestBody != "0123456789" || whole[0].Truncated {
		t.Errorf("CapBodies(0) changed the exchange: %+v", whole[0])
	}
}

// TestHARShowsCut checks that a body CapBodies cut says so in the HAR: its
// recorded size and a comment with the bytes left out.
func TestHARShowsCut(t *testing.T) {
	run := fixtureRun()
	run.Exchanges = []Exchange{{Seq: 1, Method: "POST", URL: "http://127.0.0.1/Users",
		RequestBody: strings.Repeat("q", 40), ResponseBody: strings.Repeat("r", 50), Status: 201}}
	CapBodies(run.Exchanges, 10)
	var har harFile
	if err := json.Unmarshal(renderHAR(t, run), &har); err != nil {
		t.Fatal(err)
	}
	e := har.Log.Entries[0]
	if e.Request.BodySize != 40 || !strings.Contains(e.Request.PostData.Comment, "30 bytes") {
		t.Errorf("request bodySize %d comment %q, want 40 and the 30 bytes cut", e.Request.BodySize, e.Request.PostData.Comment)
	}
	c := e.Response.Content
	if c.Size != 50 || e.Response.BodySize != 50 || len(c.Text) != 10 || !strings.Contains(c.Comment, "40 bytes") {
		t.Errorf("response content %+v bodySize %d, want size 50, 10 bytes of text, a comment on the 40 bytes cut", c, e.Response.BodySize)
	}
}

// TestLoadExchanges checks that a results.json naming an exchanges file reads
// back as the run with its exchanges inline, gzip or not, and that a name
// leading out of the directory, a missing file, a broken file or exchanges
// both inline and in a file are errors.
func TestLoadExchanges(t *testing.T) {
	// Through JSON once, as the fixture has bytes that are not UTF-8.
	var fixture bytes.Buffer
	if err := WriteJSON(&fixture, fixtureRun()); err != nil {
		t.Fatal(err)
	}
	want, err := ReadJSON(&fixture)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var plain bytes.Buffer
	if err := WriteExchanges(&plain, want.Exchanges); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	writeTestFile(t, dir, "exchanges.json", plain.Bytes())
	writeTestFile(t, dir, "exchanges.json.gz", gz.Bytes())
	writeTestFile(t, dir, "broken.json.gz", plain.Bytes())

	results := func(file string, inline bool) string {
		r := *want
		r.ExchangesFile = file
		if !inline {
			r.Exchanges = nil
		}
		var b bytes.Buffer
		if err := WriteJSON(&b, &r); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "results-"+strings.NewReplacer("/", "_", ".", "_").Replace(file)+".json")
		writeTestFile(t, dir, filepath.Base(name), b.Bytes())
		return name
	}
	for _, file := range []string{"exchanges.json", "exchanges.json.gz"} {
		got, err := ReadFile(results(file, false))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var g, w bytes.Buffer
		WriteJSON(&g, got)
		WriteJSON(&w, want)
		if g.String() != w.String() {
			t.Errorf("%s: the run read back differs from the run written", file)
		}
	}
	for file, msg := range map[string]string{
		"../exchanges.json.gz": "not a file name",
		"missing.json.gz":      "no such file",
		"broken.json.gz":       "gzip",
	} {
		if _, err := ReadFile(results(file, false)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("exchangesFile %q: error %v, want one saying %q", file, err, msg)
		}
	}
	if _, err := ReadFile(results("exchanges.json", true)); err == nil || !strings.Contains(err.Error(), "both inline") {
		t.Errorf("exchanges inline and in a file: error %v, want one saying so", err)
	}
}

func writeTestFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
