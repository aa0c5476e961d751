package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/reports"
)

// maxBundleBytes bounds a certification bundle of the reference server. It
// was 40 MB when every exchange was stored twice, whole; it is about 6.4 MB
// with them stored once, compressed, each body cut to 16 KiB.
const maxBundleBytes = 8 << 20

// checkBundleSize fails when the files of the bundle add up to more than
// maxBundleBytes, and logs each file's size.
func checkBundleSize(t *testing.T, dir string, files []string) {
	t.Helper()
	var total int64
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f)))
		require.NoError(t, err)
		total += fi.Size()
		t.Logf("%10d %s", fi.Size(), f)
	}
	assert.LessOrEqual(t, total, int64(maxBundleBytes), "the bundle is %d bytes", total)
}

// checkBundleExchanges checks that the exchanges are stored once, outside
// results.json, with every body within the cap; that each report of the
// bundle renders again from results.json byte for byte; and that "report
// --format har" gives valid HAR 1.2 with one entry per exchange.
func checkBundleExchanges(t *testing.T, dir string) {
	t.Helper()
	results := filepath.Join(dir, resultsFile)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, dir, resultsFile), &raw))
	assert.NotContains(t, raw, "exchanges", "results.json holds the exchanges inline as well")
	assert.Equal(t, exchangesFile, raw["exchangesFile"])

	run := loadRun(t, dir)
	require.NotEmpty(t, run.Exchanges)
	cut := 0
	for _, ex := range run.Exchanges {
		assert.LessOrEqual(t, len(ex.RequestBody), harness.CertifyBodyCap, "exchange %d", ex.Seq)
		assert.LessOrEqual(t, len(ex.ResponseBody), harness.CertifyBodyCap, "exchange %d", ex.Seq)
		if ex.RequestBodyCut+ex.ResponseBodyCut > 0 {
			cut++
			assert.True(t, ex.Truncated, "exchange %d was cut but is not marked truncated", ex.Seq)
		}
	}
	t.Logf("%d exchanges, %d with a body cut", len(run.Exchanges), cut)

	for _, rf := range bundleReports {
		code, got, stderr := runCmd(t, "report", results, "--format", rf.format)
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, string(readFile(t, dir, rf.name)), got, "report --format %s differs from %s", rf.format, rf.name)
	}
	code, har, stderr := runCmd(t, "report", results, "--format", "har")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, len(run.Exchanges), validateHAR(t, []byte(har)), "HAR entries")
}

// validateHAR checks the structure HAR 1.2 requires of what scimloop fills
// (log, creator, entries with request, response, cache and timings; headers
// arrays; postData and content with a mimeType) and returns the number of
// entries.
func validateHAR(t *testing.T, b []byte) int {
	t.Helper()
	var doc struct {
		Log struct {
			Version string `json:"version"`
			Creator *struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"creator"`
			Entries []map[string]json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	require.NoError(t, json.Unmarshal(b, &doc), "the HAR is not JSON")
	assert.Equal(t, "1.2", doc.Log.Version)
	require.NotNil(t, doc.Log.Creator, "log.creator")
	assert.NotEmpty(t, doc.Log.Creator.Name)
	assert.NotEmpty(t, doc.Log.Creator.Version)
	for i, e := range doc.Log.Entries {
		for _, k := range []string{"startedDateTime", "time", "request", "response", "cache", "timings"} {
			if _, ok := e[k]; !ok {
				t.Fatalf("entry %d has no %s", i, k)
			}
		}
		var req struct {
			Method, URL, HTTPVersion string
			Headers, Cookies         *[]struct{ Name, Value string }
			QueryString              *[]struct{ Name, Value string }
			PostData                 *struct{ MimeType, Text *string }
		}
		var resp struct {
			Status           *int
			HTTPVersion      string
			Headers, Cookies *[]struct{ Name, Value string }
			Content          *struct {
				Size     *int
				MimeType *string
			}
		}
		var timings struct{ Send, Wait, Receive *float64 }
		require.NoError(t, json.Unmarshal(e["request"], &req), "entry %d request", i)
		require.NoError(t, json.Unmarshal(e["response"], &resp), "entry %d response", i)
		require.NoError(t, json.Unmarshal(e["timings"], &timings), "entry %d timings", i)
		ok := req.Method != "" && req.URL != "" && req.HTTPVersion != "" && req.Headers != nil && req.Cookies != nil &&
			req.QueryString != nil && (req.PostData == nil || req.PostData.MimeType != nil && req.PostData.Text != nil) &&
			resp.Status != nil && resp.HTTPVersion != "" && resp.Headers != nil && resp.Cookies != nil &&
			resp.Content != nil && resp.Content.Size != nil && resp.Content.MimeType != nil &&
			timings.Send != nil && timings.Wait != nil && timings.Receive != nil
		if !ok {
			t.Fatalf("entry %d lacks a field HAR 1.2 requires:\n%s", i, bytes.Join([][]byte{e["request"], e["response"], e["timings"]}, []byte("\n")))
		}
	}
	return len(doc.Log.Entries)
}

// readPlain reads a bundle file, decompressed when its name ends in ".gz",
// so that a search of it sees what it holds.
func readPlain(t *testing.T, dir, name string) []byte {
	t.Helper()
	b := readFile(t, dir, name)
	if !strings.HasSuffix(name, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err, name)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err, name)
	return plain
}

// loadRun reads dir/results.json with its exchanges.
func loadRun(t *testing.T, dir string) *reports.Run {
	t.Helper()
	run, err := reports.ReadFile(filepath.Join(dir, resultsFile))
	require.NoError(t, err)
	return run
}
