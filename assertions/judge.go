package assertions

import (
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// This file holds the generic judgement functions the area files build on.
// Each returns nil or an error in the grammar "subject = got, want X".

// op names an exchange for messages: "POST /scim/v2/Users".
func op(ex *fakeidp.Exchange) string {
	if ex == nil {
		return "(no request)"
	}
	return ex.Method + " " + pathOf(ex.URL)
}

func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "/"); j >= 0 {
			return u[i+3+j:]
		}
	}
	return u
}

// Status checks that ex answered with one of want.
func Status(ex *fakeidp.Exchange, want ...int) error {
	if ex == nil {
		return fmt.Errorf("no request was made")
	}
	if ex.Status == 0 {
		return fmt.Errorf("%s = no response (%v), want %s", op(ex), ex.Err, statusList(want))
	}
	if slices.Contains(want, ex.Status) {
		return nil
	}
	return fmt.Errorf("%s = %d%s, want %s", op(ex), ex.Status, errorDetail(ex), statusList(want))
}

func statusList(want []int) string {
	s := make([]string, len(want))
	for i, w := range want {
		s[i] = fmt.Sprintf("%d", w)
	}
	return strings.Join(s, " or ")
}

// errorDetail quotes a SCIM error's scimType and detail, for context.
func errorDetail(ex *fakeidp.Exchange) string {
	if ex.Status < 400 || !fakeidp.IsJSON(ex.RespBody) {
		return ""
	}
	var parts []string
	if t := fakeidp.Get(ex.RespBody, "scimType").String(); t != "" {
		parts = append(parts, "scimType "+t)
	}
	if d := fakeidp.Get(ex.RespBody, "detail").String(); d != "" {
		parts = append(parts, fmt.Sprintf("detail %q", clip(d, 120)))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// JSONObject checks that ex's body is one JSON object.
func JSONObject(ex *fakeidp.Exchange) error {
	if !fakeidp.IsJSON(ex.RespBody) {
		return fmt.Errorf("%s = %d with a body that is not JSON (Content-Type %q, %d bytes, starting %q), want a JSON object",
			op(ex), ex.Status, ex.Header("Content-Type"), len(ex.RespBody), clip(string(ex.RespBody), 60))
	}
	if t := gjson.ParseBytes(ex.RespBody); !t.IsObject() {
		return fmt.Errorf("%s = %d with a JSON %s, want a JSON object", op(ex), ex.Status, t.Type)
	}
	return nil
}

// ContentTypeSCIM checks that a JSON response is labelled application/scim+json.
func ContentTypeSCIM(ex *fakeidp.Exchange) error {
	if len(ex.RespBody) == 0 {
		return nil
	}
	ct := ex.Header("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/scim+json" {
		return fmt.Errorf("%s = Content-Type %q, want application/scim+json", op(ex), ct)
	}
	return nil
}

// ErrorBody checks a 4xx/5xx body against RFC 7644 §3.12: JSON, the Error
// schema, and status as a string equal to the HTTP status.
func ErrorBody(ex *fakeidp.Exchange) error {
	if err := JSONObject(ex); err != nil {
		return err
	}
	schemas := fakeidp.Get(ex.RespBody, "schemas")
	if !hasString(schemas, fakeidp.MsgError) {
		return fmt.Errorf("%s = %d with schemas %s, want [%q]", op(ex), ex.Status, raw(schemas), fakeidp.MsgError)
	}
	return nil
}

// ErrorStatusString checks that the error body's status is the HTTP status as a JSON string.
func ErrorStatusString(ex *fakeidp.Exchange) error {
	if !fakeidp.IsJSON(ex.RespBody) {
		return fmt.Errorf("%s = %d with a body that is not JSON, want a SCIM error with \"status\": \"%d\"", op(ex), ex.Status, ex.Status)
	}
	st := fakeidp.Get(ex.RespBody, "status")
	if st.Type != gjson.String || st.Str != fmt.Sprint(ex.Status) {
		return fmt.Errorf("%s = %d with error status %s, want the string \"%d\"", op(ex), ex.Status, raw(st), ex.Status)
	}
	return nil
}

// ScimType checks the error body's scimType.
func ScimType(ex *fakeidp.Exchange, want string) error {
	got := fakeidp.Get(ex.RespBody, "scimType")
	if got.String() != want {
		return scimTypeErr(ex, fmt.Errorf("%s = %d with scimType %s, want %q", op(ex), ex.Status, raw(got), want))
	}
	return nil
}

func hasString(arr gjson.Result, s string) bool {
	for _, v := range arr.Array() {
		if strings.EqualFold(v.String(), s) {
			return true
		}
	}
	return false
}

// raw renders a JSON value for a message, "absent" when missing.
func raw(v gjson.Result) string {
	if !v.Exists() {
		return "absent"
	}
	return clip(v.Raw, 200)
}

// parseTime reads a SCIM dateTime (xsd:dateTime, RFC 3339 in practice).
func parseTime(v gjson.Result) (time.Time, error) {
	if v.Type != gjson.String {
		return time.Time{}, fmt.Errorf("%s is not a dateTime string", raw(v))
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, v.Str); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an xsd:dateTime", v.Str)
}

// resourceBody returns the body to judge, or an error when it is absent.
func resourceBody(ex *fakeidp.Exchange) ([]byte, error) {
	if ex == nil {
		return nil, fmt.Errorf("no request was made")
	}
	if err := JSONObject(ex); err != nil {
		return nil, err
	}
	return ex.RespBody, nil
}
