package safety

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// This file holds how a session records what every request that may create
// a resource created: a POST to /Users or /Groups (probes the server should
// have refused included) and each POST operation of a /Bulk request.

// record tracks what the POST req created, by the id its answer gives (in
// the body or the Location header) or, when it gives none, by every name it
// sent, looked up.
func (s *Session) record(req fakeidp.Request, ex *fakeidp.Exchange) {
	if req.Method != http.MethodPost || ex == nil || ex.Method != http.MethodPost {
		return // a lookup's read standing in for a lost answer is tracked by FindByName
	}
	switch p, _, _ := strings.Cut(req.Path, "?"); p {
	case "/Users":
		s.recordOne("User", req.Body, ex)
	case "/Groups":
		s.recordOne("Group", req.Body, ex)
	case "/Bulk":
		s.recordBulk(req.Body, ex)
	}
}

// recordOne records the create of one typ resource from body.
func (s *Session) recordOne(typ string, body []byte, ex *fakeidp.Exchange) {
	if !OK(ex) {
		return // refused: nothing was created
	}
	sent, named := sentName(typ, body)
	if id := createdID(ex); OK(ex) && id != "" {
		s.Tracker.Add(typ, id, sent)
		return
	}
	s.findCreated(typ, sent, named, ex)
}

// findCreated looks up a resource that a create sent as sent made, when the
// answer named none; without a name to look it up by, or when the lookup
// finds nothing, it is reported as a leftover the run cannot find.
func (s *Session) findCreated(typ, sent string, named bool, ex *fakeidp.Exchange) {
	if named {
		if n, err := s.adoptByName(typ, sent); err == nil && n > 0 {
			return
		}
	}
	s.Tracker.Unfound(reports.Leftover{Type: typ, Name: sent, Error: fmt.Sprintf(
		"%s = %d without an id or a Location, and the run could not look it up by %s (%q): find it among the %ss created at %s",
		OpOf(ex), ex.Status, NameAttr(typ), sent, typ, ex.Started.UTC().Format("2006-01-02T15:04:05Z"))})
}

// adoptByName tracks every typ resource named name, looked up with a filter.
func (s *Session) adoptByName(typ, name string) (int, error) {
	if s.SP != nil && !s.SP.Filter {
		return 0, fmt.Errorf("the server cannot filter")
	}
	attr := NameAttr(typ)
	q := map[string][]string{"filter": {attr + ` eq "` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`}}
	list, err := s.C.Do(s.Ctx, fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ), Query: q, Retry: true})
	if err != nil || list.Status != http.StatusOK {
		return 0, fmt.Errorf("looking up %s %q: %v", typ, name, err)
	}
	page, err := ReadListPage(list.RespBody, attr)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range page.Items {
		if strings.EqualFold(it.Name, name) && SafeID(it.ID) {
			s.Tracker.Add(typ, it.ID, name)
			n++
		}
	}
	return n, nil
}

// bulkCreate is one POST operation of a BulkRequest.
type bulkCreate struct {
	typ, bulkID, sent string
	named             bool
}

// recordBulk records what each POST operation of a Bulk request created,
// matching results to operations by bulkId (else by order).
func (s *Session) recordBulk(body []byte, ex *fakeidp.Exchange) {
	if !OK(ex) {
		return
	}
	ops := bulkCreates(body)
	done := make([]bool, len(ops))
	for i, r := range fakeidp.Get(ex.RespBody, "Operations").Array() {
		if !strings.EqualFold(fakeidp.Lookup(r, "method").String(), http.MethodPost) {
			continue
		}
		k := matchBulk(ops, fakeidp.Lookup(r, "bulkId").String(), i)
		status, _ := strconv.Atoi(fakeidp.Lookup(r, "status").String())
		if k < 0 || status < 200 || status > 299 {
			if k >= 0 {
				done[k] = true
			}
			continue
		}
		done[k] = true
		if id := lastSegment(fakeidp.Lookup(r, "location").String()); id != "" {
			s.Tracker.Add(ops[k].typ, id, ops[k].sent)
		} else if ops[k].named {
			_, _ = s.adoptByName(ops[k].typ, ops[k].sent)
		}
	}
	for k, op := range ops {
		if !done[k] && op.named {
			_, _ = s.adoptByName(op.typ, op.sent) // no result for it: it may have been created anyway
		}
	}
}

// bulkCreates lists the POST operations of a BulkRequest body.
func bulkCreates(body []byte) []bulkCreate {
	var out []bulkCreate
	for _, op := range fakeidp.Get(body, "Operations").Array() {
		if !strings.EqualFold(fakeidp.Lookup(op, "method").String(), http.MethodPost) {
			continue
		}
		typ := "User"
		if strings.HasPrefix(fakeidp.Lookup(op, "path").String(), "/Groups") {
			typ = "Group"
		}
		sent, named := sentName(typ, []byte(fakeidp.Lookup(op, "data").Raw))
		out = append(out, bulkCreate{typ: typ, bulkID: fakeidp.Lookup(op, "bulkId").String(), sent: sent, named: named})
	}
	return out
}

// matchBulk finds the operation a result with bulkID answers; without a
// bulkId, the i-th operation.
func matchBulk(ops []bulkCreate, bulkID string, i int) int {
	if bulkID != "" {
		for k, op := range ops {
			if op.bulkID == bulkID {
				return k
			}
		}
		return -1
	}
	if i < len(ops) {
		return i
	}
	return -1
}

// sentName returns the name (userName, or displayName of a Group) a create
// body sent, and whether it sent a non-empty one.
func sentName(typ string, body []byte) (string, bool) {
	if !fakeidp.IsJSON(body) {
		return "", false
	}
	v := fakeidp.Lookup(gjson.ParseBytes(body), NameAttr(typ))
	if v.Type != gjson.String && v.Type != gjson.Number {
		return "", false
	}
	return v.String(), v.String() != ""
}

// createdID is the id an answer gives for what it created: the body's id,
// else the last segment of its Location header.
func createdID(ex *fakeidp.Exchange) string {
	if fakeidp.IsJSON(ex.RespBody) {
		if id := fakeidp.Get(ex.RespBody, "id"); (id.Type == gjson.String || id.Type == gjson.Number) && id.String() != "" {
			return id.String()
		}
	}
	return lastSegment(ex.Header("Location"))
}

// lastSegment returns the last path segment of a resource URL, if safe.
func lastSegment(loc string) string {
	loc, _, _ = strings.Cut(loc, "?")
	i := strings.LastIndex(strings.TrimRight(loc, "/"), "/")
	if i < 0 {
		return ""
	}
	id := strings.TrimRight(loc, "/")[i+1:]
	if !SafeID(id) {
		return ""
	}
	return id
}
