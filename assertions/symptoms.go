package assertions

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	scimfilter "github.com/scim2/filter-parser/v2"
	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// A Symptom is a defect that shows on the exchange itself, whichever check
// sent it, and that one check owns: a server that answers 406 to Accept:
// application/scim+json breaks one rule, yet every check that reads a
// resource sees only that 406. Root is the owning check; Shows reports the
// defect on one exchange, by Root's own rule. The harness reports another
// check's failure as Root's consequence when each of its findings cites an
// exchange that shows the symptom and Root failed on one itself (see
// harness.attributeSymptoms). A defect is a symptom only when it explains
// any failure judged on such an exchange: it leaves nothing else to judge
// (a 406), or what the checks that can meet it judge there rests on that
// feature (attributes=; the filter, whose answer every check that sends
// one judges by the resources it lists). A list answer without its schema
// is not one: a filter check's wrong results in it are a bug of their own.
type Symptom struct {
	Root  string
	Shows func(ex *fakeidp.Exchange) bool
	// ShowsAfter, for a defect only a read-back shows (a write answered
	// 2xx that changed nothing), reports it on a write and a later read of
	// the same resource, with no other write to it in between (the harness
	// makes sure of that). A symptom has Shows or ShowsAfter.
	ShowsAfter func(write, read *fakeidp.Exchange) bool
}

// Symptoms returns the symptoms the harness recognises.
func Symptoms() []Symptom {
	return []Symptom{
		{Root: "http-accept-scim-json", Shows: refusesSCIMAccept},
		{Root: "attrs-attributes", Shows: ignoresAttributes},
		{Root: "filter-eq-exact", Shows: listsFilteredOut},
		{Root: "page-start-index-default", Shows: skipsIntoEmptyPage},
		{Root: "patch-replace-single", ShowsAfter: replaceNotApplied},
		{Root: "patch-remove-single", ShowsAfter: removeNotApplied},
		{Root: "put-replaces-values", ShowsAfter: putNotApplied},
	}
}

// refusesSCIMAccept reports a 406 to a request that accepts
// application/scim+json: RFC 7644 §3.8 has the server serve it.
func refusesSCIMAccept(ex *fakeidp.Exchange) bool {
	if ex == nil || ex.Status != http.StatusNotAcceptable {
		return false
	}
	for _, v := range ex.ReqHeader.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			if mt, _, err := mime.ParseMediaType(part); err == nil && mt == "application/scim+json" {
				return true
			}
		}
	}
	return false
}

// ignoresAttributes reports a read whose attributes (the query parameter,
// or the member of a POST .search) names only top-level attributes and
// whose answer (the resource, or each listed one) carries others besides id
// and schemas: attrs-attributes's rule, by OnlyKeys.
func ignoresAttributes(ex *fakeidp.Exchange) bool {
	if ex == nil || ex.Status != http.StatusOK {
		return false
	}
	asked, ok := askedAttributes(ex)
	if !ok {
		return false
	}
	allowed := []string{"id"}
	for _, name := range asked {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || strings.ContainsAny(name, ".:") {
			return false // a sub-attribute or URN path: not this simple rule
		}
		allowed = append(allowed, name)
	}
	body := gjson.ParseBytes(ex.RespBody)
	if !body.IsObject() {
		return false
	}
	if rs := body.Get("Resources"); rs.IsArray() {
		for _, r := range rs.Array() {
			if OnlyKeys(ex, []byte(r.Raw), allowed...) != nil {
				return true
			}
		}
		return false
	}
	return OnlyKeys(ex, ex.RespBody, allowed...) != nil
}

// listsFilteredOut reports a filtered query (filter= of a GET, or the
// filter member of a POST .search) whose answer lists a resource that
// certainly does not match the filter: a server that ignores the filter
// lists everything, and every check that finds a resource by filtering
// then sees the wrong ones. filter-eq-exact's rule (RFC 7644 §3.4.2.2).
// What the harness cannot judge from the resource alone (case, Unicode
// normalisation, an attribute not returned, ordering operators) never
// counts as a miss (see filterMisses).
func listsFilteredOut(ex *fakeidp.Exchange) bool {
	if ex == nil || ex.Status != http.StatusOK {
		return false
	}
	params, ok := listParams(ex)
	if !ok || strings.TrimSpace(params.Get("filter")) == "" {
		return false
	}
	expr, ok := parseFilter(params.Get("filter"))
	if !ok {
		return false
	}
	for _, r := range gjson.GetBytes(ex.RespBody, "Resources").Array() {
		if filterMisses(expr, r) {
			return true
		}
	}
	return false
}

// skipsIntoEmptyPage reports a list page that lists nothing though its
// startIndex (1 when not sent or below 1) is within totalResults and its
// count (when sent) is above 0: index startIndex holds a result, so a
// server that reads startIndex as 0-based, and skips it, lists none of a
// one-result query. page-start-index-default's rule (RFC 7644 §3.4.2.4).
func skipsIntoEmptyPage(ex *fakeidp.Exchange) bool {
	if ex == nil || ex.Status != http.StatusOK {
		return false
	}
	params, ok := listParams(ex)
	if !ok || params.Get("cursor") != "" {
		return false
	}
	start := int64(1)
	if v := params.Get("startIndex"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false
		}
		start = max(n, 1)
	}
	if v := params.Get("count"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
			return false // count=0 asks for no resources
		}
	}
	body := gjson.ParseBytes(ex.RespBody)
	total := body.Get("totalResults")
	if total.Type != gjson.Number || total.Num != float64(total.Int()) {
		return false
	}
	rs := body.Get("Resources")
	return start <= total.Int() && (!rs.Exists() || rs.IsArray() && len(rs.Array()) == 0)
}

// listParams returns the list parameters a query sent: the query of a GET,
// or the members of a POST .search, as text.
func listParams(ex *fakeidp.Exchange) (url.Values, bool) {
	u, err := url.Parse(ex.URL)
	if err != nil {
		return nil, false
	}
	switch {
	case ex.Method == http.MethodGet:
		return u.Query(), true
	case ex.Method == http.MethodPost && strings.HasSuffix(u.Path, "/.search"):
		out := url.Values{}
		gjson.ParseBytes(ex.ReqBody).ForEach(func(k, v gjson.Result) bool {
			if v.Type == gjson.String || v.Type == gjson.Number {
				out.Set(k.String(), v.String())
			}
			return true
		})
		return out, true
	}
	return nil, false
}

// parseFilter parses a filter, also in the form Entra ID sends,
// `emails[type eq "work"].value eq "x"`, which RFC 7644's grammar lacks:
// it means `emails[type eq "work" and value eq "x"]`.
func parseFilter(filter string) (scimfilter.Expression, bool) {
	if expr, err := scimfilter.ParseFilter([]byte(filter)); err == nil {
		return expr, true
	}
	attr, rest, ok := strings.Cut(filter, "[")
	inner, rest, ok2 := strings.Cut(rest, "].")
	if !ok || !ok2 || strings.ContainsAny(inner+rest, "[]()") || strings.Contains(strings.ToLower(inner), " or ") ||
		strings.Contains(strings.ToLower(rest), " or ") || strings.Contains(strings.ToLower(rest), " and ") {
		return nil, false // only that one comparison: the value filter takes no parentheses, so an or would bind wrong
	}
	expr, err := scimfilter.ParseFilter([]byte(attr + "[" + inner + " and " + rest + "]"))
	return expr, err == nil
}

// askedAttributes returns the attributes a read asked for: attributes= of
// a GET, or the attributes member of a POST .search.
func askedAttributes(ex *fakeidp.Exchange) ([]string, bool) {
	u, err := url.Parse(ex.URL)
	if err != nil {
		return nil, false
	}
	switch {
	case ex.Method == http.MethodGet && u.Query().Has("attributes"):
		return strings.Split(u.Query().Get("attributes"), ","), true
	case ex.Method == http.MethodPost && strings.HasSuffix(u.Path, "/.search"):
		v := gjson.GetBytes(ex.ReqBody, "attributes")
		if !v.IsArray() {
			return nil, false
		}
		var names []string
		for _, n := range v.Array() {
			names = append(names, n.String())
		}
		return names, true
	}
	return nil, false
}
