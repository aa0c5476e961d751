package reports

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/internal/redact"
)

// The HAR 1.2 model (http://www.softwareishard.com/blog/har-12-spec/), only
// the parts the writer fills. Custom fields start with an underscore, as the
// format allows.

type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
	Comment string     `json:"comment,omitempty"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	Comment         string      `json:"comment,omitempty"`
	Seq             int         `json:"_seq"`
	Scenario        string      `json:"_scenario,omitempty"`
	Attempt         int         `json:"_attempt,omitempty"`
	Error           string      `json:"_error,omitempty"`
}

type harRequest struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []harNameValue `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	QueryString []harNameValue `json:"queryString"`
	PostData    *harPostData   `json:"postData,omitempty"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
}

type harResponse struct {
	Status      int            `json:"status"`
	StatusText  string         `json:"statusText"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []harNameValue `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	Content     harContent     `json:"content"`
	RedirectURL string         `json:"redirectURL"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string         `json:"mimeType"`
	Params   []harNameValue `json:"params"`
	Text     string         `json:"text"`
	Comment  string         `json:"comment,omitempty"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// harTime is RFC 3339 with milliseconds, as HAR's startedDateTime wants.
const harTime = "2006-01-02T15:04:05.000Z07:00"

// WriteHAR writes run.Exchanges as an HTTP Archive (HAR 1.2) that browser
// developer tools and HAR viewers open: one entry per exchange, ordered by
// sequence number, with the whole latency as the wait time.
//
// Secrets are redacted again, whatever the recorder did: credential headers
// ([redact.Header]), secret attributes in request and response bodies
// ([redact.Body]) and secret query parameters and URL passwords
// ([redact.URL]). Cookies are never listed. Text that is not UTF-8 has its bad bytes replaced by U+FFFD.
// An exchange that got no response (Error set, Status 0) has status 0 and
// its error in the custom field _error; sequence number, scenario and
// attempt are in _seq, _scenario and _attempt. A body that [CapBodies] cut
// keeps its recorded size in size and bodySize, and its comment says how
// many bytes were left out.
func WriteHAR(w io.Writer, run *Run) error {
	if run == nil {
		return errors.New("reports: WriteHAR: nil Run")
	}
	har := harFile{Log: harLog{
		Version: "1.2",
		Creator: harCreator{Name: cmp.Or(run.Tool, "scimloop"), Version: cmp.Or(run.Version, "unknown")},
		Entries: []harEntry{},
	}}
	if run.Target != "" {
		har.Log.Comment = validText("scimloop run against " + run.Target)
	}
	exchanges := slices.Clone(run.Exchanges)
	slices.SortStableFunc(exchanges, func(a, b Exchange) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), a.Started.Compare(b.Started))
	})
	for _, ex := range exchanges {
		har.Log.Entries = append(har.Log.Entries, harEntryOf(ex))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(har); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func harEntryOf(ex Exchange) harEntry {
	ms := ex.LatencyMs
	if math.IsNaN(ms) || math.IsInf(ms, 0) || ms < 0 {
		ms = 0
	}
	// Round to microseconds so the JSON stays short and stable.
	ms = math.Round(ms*1000) / 1000
	rawURL := redact.URL(validText(ex.URL), nil)

	reqHeaders := harHeaders(ex.RequestHeaders)
	req := harRequest{
		Method:      validText(strings.ToUpper(ex.Method)),
		URL:         rawURL,
		HTTPVersion: "HTTP/1.1",
		Cookies:     []harNameValue{},
		Headers:     reqHeaders,
		QueryString: harQuery(rawURL),
		HeadersSize: -1,
	}
	if ex.RequestBody != "" {
		text := validText(string(redact.Body([]byte(ex.RequestBody), nil)))
		req.PostData = &harPostData{
			MimeType: cmp.Or(headerValue(ex.RequestHeaders, "Content-Type"), "application/scim+json"),
			Params:   []harNameValue{},
			Text:     text,
		}
		req.BodySize = len(text) + ex.RequestBodyCut
		req.PostData.Comment = cutComment(ex.RequestBodyCut)
	}

	resp := harResponse{
		Status:      ex.Status,
		StatusText:  http.StatusText(ex.Status),
		HTTPVersion: "HTTP/1.1",
		Cookies:     []harNameValue{},
		Headers:     harHeaders(ex.ResponseHeaders),
		Content:     harContent{MimeType: cmp.Or(headerValue(ex.ResponseHeaders, "Content-Type"), "x-unknown")},
		HeadersSize: -1,
	}
	if ex.ResponseBody != "" {
		text := validText(string(redact.Body([]byte(ex.ResponseBody), nil)))
		resp.Content.Text = text
		resp.Content.Size = len(text) + ex.ResponseBodyCut
		resp.BodySize = len(text) + ex.ResponseBodyCut
	}
	switch {
	case ex.ResponseBodyCut > 0:
		resp.Content.Comment = cutComment(ex.ResponseBodyCut)
	case ex.Truncated && ex.RequestBodyCut == 0:
		resp.Content.Comment = "body truncated by the recorder"
		resp.BodySize = -1
	}
	return harEntry{
		StartedDateTime: ex.Started.UTC().Format(harTime),
		Time:            ms,
		Request:         req,
		Response:        resp,
		Timings:         harTimings{Send: 0, Wait: ms, Receive: 0},
		Seq:             ex.Seq,
		Scenario:        validText(ex.Scenario),
		Attempt:         ex.Attempt,
		Error:           validText(ex.Error),
	}
}

// cutComment says how much of a body [CapBodies] left out, or "" for none.
func cutComment(cut int) string {
	if cut <= 0 {
		return ""
	}
	return fmt.Sprintf("text cut short: the %d bytes that followed were not kept", cut)
}

// harHeaders returns h redacted, one name/value pair per value, sorted by
// name (case-insensitively) and then by position.
func harHeaders(h map[string][]string) []harNameValue {
	out := []harNameValue{}
	red := redact.Header(h, nil)
	names := sortedKeys(red)
	slices.SortStableFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), cmp.Compare(a, b))
	})
	for _, name := range names {
		for _, v := range red[name] {
			out = append(out, harNameValue{Name: validText(name), Value: validText(v)})
		}
	}
	return out
}

// headerValue returns the first value of the named header, in any case.
func headerValue(h map[string][]string, name string) string {
	for _, k := range sortedKeys(h) {
		if strings.EqualFold(k, name) && len(h[k]) > 0 {
			return validText(h[k][0])
		}
	}
	return ""
}

// harQuery lists the query parameters of rawURL in their order, decoded.
func harQuery(rawURL string) []harNameValue {
	out := []harNameValue{}
	u, err := url.Parse(rawURL)
	if err != nil || u.RawQuery == "" {
		return out
	}
	for _, p := range strings.Split(u.RawQuery, "&") {
		if p == "" {
			continue
		}
		name, value, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		out = append(out, harNameValue{Name: validText(name), Value: validText(value)})
	}
	return out
}

// validText replaces bytes that are not UTF-8 with U+FFFD.
func validText(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}
