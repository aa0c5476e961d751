package refserver

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Bulk (RFC 7644 §3.7). Operations run in order through the same code as
// the single-resource endpoints. "bulkId:<id>" references, in paths and
// anywhere inside data, are replaced with the ids of resources created
// earlier in the request; an operation that refers to a bulkId created by a
// later operation is deferred until it can be resolved (§3.7.1), and one
// that can never be resolved (a cycle) fails with 409.

type bulkOp struct {
	index   int
	method  string
	bulkID  string
	version string
	path    string
	data    any
}

func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request) {
	body, err := s.readJSON(r, maxBodyBytes)
	if err != nil {
		if err.status == http.StatusRequestEntityTooLarge {
			err.detail = "bulk request exceeds maxPayloadSize of " + strconv.Itoa(maxBodyBytes) + " bytes"
		}
		s.writeError(w, err)
		return
	}
	ops, failOnErrors, err := s.parseBulkRequest(body)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{
		"schemas":    []any{urnBulkResponse},
		"Operations": s.runBulk(ops, failOnErrors, s.baseURL(r)),
	})
}

// parseBulkRequest reads a BulkRequest: its operations and failOnErrors
// (0 = no limit).
func (s *Server) parseBulkRequest(body map[string]any) ([]bulkOp, int, *scimError) {
	if err := checkSchemas(body, urnBulkRequest); err != nil {
		return nil, 0, err
	}
	failOnErrors := 0
	if k, ok := lookupKey(body, "failOnErrors"); ok {
		f, ok := body[k].(float64)
		if !ok || f != math.Trunc(f) || f < 0 {
			return nil, 0, badRequest(stInvalidValue, "failOnErrors must be a non-negative integer")
		}
		failOnErrors = int(f)
	}
	k, ok := lookupKey(body, "Operations")
	if !ok {
		return nil, 0, badRequest(stInvalidSyntax, "BulkRequest needs an \"Operations\" array")
	}
	raw, ok := body[k].([]any)
	if !ok {
		return nil, 0, badRequest(stInvalidSyntax, "\"Operations\" must be an array")
	}
	if len(raw) > maxBulkOperations {
		return nil, 0, errf(http.StatusRequestEntityTooLarge, "", "bulk request has %d operations; maxOperations is %d", len(raw), maxBulkOperations)
	}
	ops := make([]bulkOp, 0, len(raw))
	for i, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, 0, badRequest(stInvalidSyntax, "bulk operation %d is not an object", i)
		}
		ops = append(ops, s.parseBulkOp(i, m))
	}
	return ops, failOnErrors, nil
}

func (s *Server) parseBulkOp(i int, m map[string]any) bulkOp {
	op := bulkOp{index: i}
	for k, v := range m {
		sv, _ := v.(string)
		switch strings.ToLower(k) {
		case "method":
			op.method = strings.ToUpper(sv)
		case "bulkid":
			op.bulkID = sv
		case "version":
			if s.supports("etag") {
				op.version = sv
			}
		case "path":
			op.path = sv
		case "data":
			op.data = v
		}
	}
	return op
}

// runBulk runs the operations in order, deferring those that wait for a
// bulkId a later POST declares, and stops after failOnErrors errors.
func (s *Server) runBulk(ops []bulkOp, failOnErrors int, base string) []any {
	ids := map[string]string{} // bulkId -> id
	declared := map[string]bool{}
	for _, op := range ops {
		if op.method == http.MethodPost && op.bulkID != "" {
			declared[op.bulkID] = true
		}
	}
	results := []any{}
	errorsSeen := 0
	tooMany := func() bool { return failOnErrors > 0 && errorsSeen >= failOnErrors }
	pending := ops
	for len(pending) > 0 && !tooMany() {
		var deferred []bulkOp
		progress := false
		for _, op := range pending {
			if tooMany() {
				break
			}
			if waitsForLater(op, ids, declared) {
				deferred = append(deferred, op)
				continue
			}
			progress = true
			res := s.runBulkOp(op, ids, base)
			if st, _ := strconv.Atoi(res["status"].(string)); st >= 400 {
				errorsSeen++
			}
			results = append(results, res)
		}
		if progress {
			pending = deferred
			continue
		}
		for _, op := range deferred {
			e := errf(http.StatusConflict, "", "bulkId references of operation %d cannot be resolved (circular or failed reference)", op.index)
			results = append(results, bulkResult(op, "", "", e, s.fault(fErrorStatusAsNumber)))
			errorsSeen++
			if tooMany() {
				break
			}
		}
		break
	}
	return results
}

// waitsForLater reports whether op refers to bulkIds not resolved yet, all
// of which some POST in the request declares.
func waitsForLater(op bulkOp, ids map[string]string, declared map[string]bool) bool {
	refs := unresolved(op, ids)
	if len(refs) == 0 {
		return false
	}
	for _, ref := range refs {
		if !declared[ref] {
			return false
		}
	}
	return true
}

// unresolved lists bulkIds an operation refers to that are not known yet.
func unresolved(op bulkOp, ids map[string]string) []string {
	var out []string
	check := func(s string) {
		if ref, ok := strings.CutPrefix(s, "bulkId:"); ok {
			if _, known := ids[ref]; !known {
				out = append(out, ref)
			}
		}
	}
	for _, seg := range strings.Split(op.path, "/") {
		check(seg)
	}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			check(t)
		case []any:
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(op.data)
	return out
}

func resolveBulkIDs(v any, ids map[string]string) any {
	switch t := v.(type) {
	case string:
		if ref, ok := strings.CutPrefix(t, "bulkId:"); ok {
			if id, known := ids[ref]; known {
				return id
			}
		}
		return t
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = resolveBulkIDs(e, ids)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = resolveBulkIDs(e, ids)
		}
		return out
	}
	return v
}

func bulkResult(op bulkOp, location, version string, e *scimError, statusAsNumber bool) map[string]any {
	m := map[string]any{"method": op.method}
	if op.bulkID != "" {
		m["bulkId"] = op.bulkID
	}
	if location != "" {
		m["location"] = location
	}
	if version != "" {
		m["version"] = version
	}
	if e != nil {
		m["status"] = strconv.Itoa(e.status)
		m["response"] = e.body(statusAsNumber)
	}
	return m
}

func (s *Server) runBulkOp(op bulkOp, ids map[string]string, base string) map[string]any {
	fail := func(e *scimError) map[string]any { return bulkResult(op, "", "", e, s.fault(fErrorStatusAsNumber)) }
	segs := splitPath(op.path)
	for i, seg := range segs {
		segs[i] = resolveBulkIDs(seg, ids).(string)
	}
	if len(segs) == 0 {
		return fail(badRequest(stInvalidPath, "operation %d has no path", op.index))
	}
	var rt *resourceType
	for _, t := range defs.resourceTypes() {
		if strings.EqualFold("/"+segs[0], t.Endpoint) {
			rt = t
		}
	}
	if rt == nil || len(segs) > 2 {
		return fail(badRequest(stInvalidPath, "operation %d: unsupported path %q", op.index, op.path))
	}
	var body map[string]any
	if op.data != nil {
		m, ok := resolveBulkIDs(op.data, ids).(map[string]any)
		if !ok {
			return fail(badRequest(stInvalidSyntax, "operation %d: data must be an object", op.index))
		}
		body = m
	}
	needBody := func() *scimError {
		if body == nil {
			return badRequest(stInvalidSyntax, "operation %d needs data", op.index)
		}
		return nil
	}
	ok := func(status int, res *resource) map[string]any {
		m := bulkResult(op, s.location(base, res), "", nil, false)
		if s.etags() {
			m["version"] = s.etag(res.version)
		}
		m["status"] = strconv.Itoa(status)
		return m
	}
	switch op.method {
	case http.MethodPost:
		if len(segs) != 1 {
			return fail(badRequest(stInvalidPath, "POST goes to a resource endpoint"))
		}
		if op.bulkID == "" {
			return fail(badRequest(stInvalidSyntax, "operation %d: POST needs a bulkId", op.index))
		}
		if err := needBody(); err != nil {
			return fail(err)
		}
		res, _, err := s.create(rt, body, base, projection{})
		if err != nil {
			return fail(err)
		}
		ids[op.bulkID] = res.id
		status := http.StatusCreated
		if s.fault(fCreateReturns200) {
			status = http.StatusOK
		}
		return ok(status, res)
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		if len(segs) != 2 {
			return fail(badRequest(stInvalidPath, "%s needs a resource path", op.method))
		}
		id := segs[1]
		switch op.method {
		case http.MethodPut:
			if err := needBody(); err != nil {
				return fail(err)
			}
			status, res, _, err := s.replace(rt, id, body, base, projection{}, op.version)
			if err != nil {
				return fail(err)
			}
			return ok(status, res)
		case http.MethodPatch:
			if err := needBody(); err != nil {
				return fail(err)
			}
			ops, err := parsePatchBody(body)
			if err != nil {
				return fail(err)
			}
			res, _, err := s.patch(rt, id, ops, base, projection{}, op.version)
			if err != nil {
				return fail(err)
			}
			return ok(http.StatusOK, res)
		default:
			if err := s.delete(rt, id, op.version); err != nil {
				return fail(err)
			}
			m := bulkResult(op, base+rt.Endpoint+"/"+id, "", nil, false)
			m["status"] = "204"
			return m
		}
	}
	return fail(badRequest(stInvalidSyntax, "operation %d: unsupported method %q", op.index, op.method))
}
