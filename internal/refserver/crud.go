package refserver

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// The faults of creating, reading, replacing and deleting resources: each
// name, and its line in the table faults.go gathers, beside the code that
// checks it with s.fault.
const (
	fNoETag                   = "no-etag"
	fIgnoreIfMatch            = "ignore-if-match"
	fIgnoreIfMatchOnDelete    = "ignore-if-match-on-delete"
	fLastModifiedFrozen       = "lastmodified-frozen"
	fCreatedChanges           = "created-changes"
	fNoLocationHeader         = "no-location-header"
	fGroupsNotUpdatedOnDelete = "groups-not-updated-on-user-delete"
	fETagUnchangedOnUpdate    = "etag-unchanged-on-update"
	fCreateReturns200         = "create-returns-200"
	fDeleteMissingReturns500  = "delete-missing-returns-500"
	fDuplicateUserNameAllowed = "duplicate-username-allowed"
	fSoftDeletedStillListed   = "soft-deleted-still-listed"
	fDeletedUserNameReserved  = "deleted-username-reserved"
	fPutCreatesMissing        = "put-creates-missing"
	fClientIDHonoured         = "client-id-honoured"
	fIfNoneMatchIgnored       = "if-none-match-ignored"
	fIfNoneMatchAlways304     = "if-none-match-always-304"
	fNoopBumpsVersion         = "noop-update-bumps-version"
)

var crudFaults = []Fault{
	conformance(fNoETag, "no ETag header on resource responses, although meta.version is set and etag is advertised"),
	conformance(fIgnoreIfMatch, "PUT and PATCH ignore a stale If-Match and apply the change"),
	conformance(fIgnoreIfMatchOnDelete, "DELETE ignores a stale If-Match and deletes anyway"),
	conformance(fLastModifiedFrozen, "meta.lastModified never moves past meta.created"),
	conformance(fCreatedChanges, "meta.created is reset to the time of every update"),
	conformance(fNoLocationHeader, "201 Created responses carry no Location header"),
	conformance(fGroupsNotUpdatedOnDelete, "deleting a user leaves it in the members of its groups"),
	conformance(fETagUnchangedOnUpdate, "meta.version and the ETag stay the same when the resource changes"),
	conformance(fCreateReturns200, "POST create answers 200 OK instead of 201 Created"),
	conformance(fDeleteMissingReturns500, "DELETE of an unknown id answers 500 instead of 404"),
	conformance(fDuplicateUserNameAllowed, "a duplicate userName is accepted instead of 409 uniqueness"),
	conformance(fSoftDeletedStillListed, "deleted resources 404 by id but still appear in list and filter results"),
	should(fDeletedUserNameReserved, "the userName of a deleted user cannot be reused (409)"),
	conformance(fPutCreatesMissing, "PUT to an unknown id creates the resource instead of 404"),
	conformance(fClientIDHonoured, "a create that carries an id keeps the client's id instead of issuing one"),
	conformance(fIfNoneMatchIgnored, "GET with a matching If-None-Match answers 200 with the body instead of 304"),
	conformance(fIfNoneMatchAlways304, "GET with any If-None-Match answers 304, even when the tag is an older version"),
	conformance(fNoopBumpsVersion, "a no-op update (re-adding an existing value) bumps meta.version and lastModified"),
}

// normalizeResource turns a POST/PUT body into canonical attributes.
// readOnly attributes (id, meta, groups, manager.displayName) and unknown
// attributes are ignored; null and [] mean unassigned.
func (s *Server) normalizeResource(rt *resourceType, body map[string]any) (map[string]any, *scimError) {
	if err := checkSchemas(body, rt.Schema.ID); err != nil {
		return nil, err
	}
	o := s.inputOpts()
	attrs := map[string]any{}
	set := func(ref attrRef, v any) *scimError {
		if ref.attr.Mutability == mReadOnly {
			return nil
		}
		if ref.sub != nil {
			// a fully qualified "urn:...:name.sub" key
			if ref.sub.Mutability == mReadOnly {
				return nil
			}
			nv, ok, err := normalizeSingle(ref.sub, v, o)
			if err != nil || !ok {
				return err
			}
			c := containerFor(attrs, ref.schema, true)
			m, _ := c[ref.attr.Name].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			m[ref.sub.Name] = nv
			c[ref.attr.Name] = m
			return nil
		}
		nv, ok, err := normalizeValue(ref.attr, v, o)
		if err != nil {
			return err
		}
		c := containerFor(attrs, ref.schema, true)
		if ok {
			c[ref.attr.Name] = nv
		} else {
			delete(c, ref.attr.Name)
		}
		return nil
	}
	for k, v := range body {
		if strings.EqualFold(k, "schemas") {
			continue
		}
		if ext := rt.extension(k); ext != nil {
			if v == nil {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, badRequest(stInvalidValue, "extension %q must be a JSON object", ext.ID)
			}
			for ek, ev := range m {
				a := ext.attr(ek)
				if a == nil {
					if err := s.unknownAttr(ext.ID + ":" + ek); err != nil {
						return nil, err
					}
					continue
				}
				if err := set(attrRef{schema: ext.ID, attr: a}, ev); err != nil {
					return nil, err
				}
			}
			continue
		}
		ref, ok := s.resolve(rt, k, false)
		if !ok || (ref.sub != nil && !strings.HasPrefix(strings.ToLower(k), "urn:")) {
			if err := s.unknownAttr(k); err != nil {
				return nil, err
			}
			continue // unknown attributes are ignored (RFC 7644 §3.3)
		}
		if ref.common {
			if ref.attr.Name == "externalId" {
				if err := set(attrRef{attr: ref.attr}, v); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err := set(ref, v); err != nil {
			return nil, err
		}
	}
	dropEmptyContainers(attrs, rt)
	if pw, ok := attrs["password"].(string); ok {
		attrs["password"] = hashPassword(pw)
	}
	if err := checkRequired(rt, attrs, stInvalidValue); err != nil {
		return nil, err
	}
	return attrs, nil
}

// containerFor returns the map holding attributes of schema ("" = core).
func containerFor(attrs map[string]any, schema string, create bool) map[string]any {
	if schema == "" {
		return attrs
	}
	m, _ := attrs[schema].(map[string]any)
	if m == nil && create {
		m = map[string]any{}
		attrs[schema] = m
	}
	return m
}

func dropEmptyContainers(attrs map[string]any, rt *resourceType) {
	for _, e := range rt.Extensions {
		if m, ok := attrs[e.ID].(map[string]any); ok && len(m) == 0 {
			delete(attrs, e.ID)
		}
	}
}

func checkRequired(rt *resourceType, attrs map[string]any, scimType string) *scimError {
	for _, a := range rt.Schema.Attributes {
		if !a.Required {
			continue
		}
		v, ok := attrs[a.Name]
		if sv, isStr := v.(string); !ok || (isStr && strings.TrimSpace(sv) == "") {
			return badRequest(scimType, "required attribute %q is missing or empty", a.Name)
		}
	}
	return nil
}

func hashPassword(pw string) string {
	sum := sha256.Sum256([]byte("scimloop-refserver:" + pw))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// checkMembers validates group members against the store (lock held):
// every value must be the id of an existing User or Group (referential
// integrity, RFC 7643 §2.3.7), type is filled in, duplicates are dropped.
// It returns a new attrs map when it had to change anything.
func (s *Server) checkMembers(groupID string, attrs map[string]any) (map[string]any, *scimError) {
	arr, ok := attrs["members"].([]any)
	if !ok {
		return attrs, nil
	}
	out := make([]any, 0, len(arr))
	seen := make(map[string]bool, len(arr))
	for _, e := range arr {
		m, _ := e.(map[string]any)
		v, _ := m["value"].(string)
		if v == "" {
			return nil, badRequest(stInvalidValue, "each member needs a non-empty \"value\"")
		}
		if seen[v] {
			continue
		}
		seen[v] = true
		target, ok := s.st.byID[v]
		if !ok || v == groupID {
			return nil, badRequest(stInvalidValue, "member %q is not the id of an existing User or Group", v)
		}
		nm := copyMap(m)
		delete(nm, "$ref") // computed on output
		if t, ok := nm["type"].(string); ok && !strings.EqualFold(t, target.rt.Name) {
			return nil, badRequest(stInvalidValue, "member %q has type %q but is a %s", v, t, target.rt.Name)
		}
		nm["type"] = target.rt.Name
		out = append(out, nm)
	}
	c := copyMap(attrs)
	if len(out) == 0 {
		delete(c, "members")
	} else {
		c["members"] = out
	}
	return c, nil
}

// newMeta computes created/lastModified/version for an update of old.
func (s *Server) newMeta(old *resource, changed bool) (created, modified time.Time, version int64) {
	created, modified, version = old.created, old.modified, old.version
	if !changed && !s.fault(fNoopBumpsVersion) {
		return
	}
	now := s.now()
	switch {
	case s.is(pSecondPrecision) && now.Before(old.modified):
		now = old.modified // whole seconds: an update within the second keeps the time
	case !s.is(pSecondPrecision) && !now.After(old.modified):
		now = old.modified.Add(time.Nanosecond) // lastModified strictly advances
	}
	modified = now
	if !s.fault(fETagUnchangedOnUpdate) {
		version++
	}
	if s.fault(fLastModifiedFrozen) {
		modified = old.created
	}
	if s.fault(fCreatedChanges) {
		created = now
	}
	return
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// checkIfMatch answers 412 when If-Match is present and stale.
func (s *Server) checkIfMatch(r *http.Request, res *resource, ignore bool) *scimError {
	h := r.Header.Get("If-Match")
	if h == "" || ignore {
		return nil
	}
	if !s.ifMatch(h, res.version) {
		return errf(http.StatusPreconditionFailed, "", "If-Match %s does not match the current version %s", h, s.etag(res.version))
	}
	return nil
}

// single writes a single-resource response with ETag (and Location).
func (s *Server) single(w http.ResponseWriter, r *http.Request, status int, res *resource, body map[string]any) {
	if !s.fault(fNoETag) && s.etags() {
		w.Header().Set("ETag", s.etag(res.version))
	}
	if status == http.StatusCreated && !s.fault(fNoLocationHeader) {
		w.Header().Set("Location", s.location(s.baseURL(r), res))
	}
	if status == http.StatusCreated && s.fault(fCreateReturns200) {
		status = http.StatusOK
	}
	s.writeJSON(w, status, body)
}

func (s *Server) location(base string, res *resource) string {
	return base + res.rt.Endpoint + "/" + res.id
}

// projectionFor reads attributes/excludedAttributes from the query string.
func (s *Server) projectionFor(r *http.Request, rt *resourceType) projection {
	q := r.URL.Query()
	return s.parseProjection(rt, splitList(q.Get("attributes")), splitList(q.Get("excludedAttributes")))
}

func splitList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, rt *resourceType) {
	body, err := s.readJSON(r, maxBodyBytes)
	if err != nil {
		s.writeError(w, err)
		return
	}
	res, out, err := s.create(rt, body, s.baseURL(r), s.projectionFor(r, rt))
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.single(w, r, http.StatusCreated, res, out)
}

// create stores a new resource; shared by POST and Bulk.
func (s *Server) create(rt *resourceType, body map[string]any, base string, proj projection) (*resource, map[string]any, *scimError) {
	attrs, err := s.normalizeResource(rt, body)
	if err != nil {
		return nil, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	id := s.newID()
	if client, ok := body["id"].(string); ok && client != "" && s.fault(fClientIDHonoured) && s.st.byID[client] == nil {
		id = client
	}
	if rt == defs.userRT && !s.fault(fDuplicateUserNameAllowed) && s.st.userNameTaken(attrs["userName"].(string), "") {
		return nil, nil, errf(http.StatusConflict, stUniqueness, "userName %q is already taken", attrs["userName"])
	}
	if err := s.uniqueClash(rt, id, attrs); err != nil {
		return nil, nil, err
	}
	if attrs, err = s.checkMembers(id, attrs); err != nil {
		return nil, nil, err
	}
	now := s.now()
	res := &resource{id: id, rt: rt, attrs: attrs, created: now, modified: now, version: 1}
	s.st.insert(res)
	return res, proj.apply(s.render(res, base)), nil
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, rt *resourceType, id string) {
	s.st.mu.RLock()
	res, ok := s.st.get(rt, id)
	var out map[string]any
	if ok {
		out = s.render(res, s.baseURL(r))
	}
	s.st.mu.RUnlock()
	if !ok {
		s.writeError(w, notFound("%s %q not found", rt.Name, id))
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && !s.fault(fIfNoneMatchIgnored) && s.etags() && (s.ifNoneMatch(inm, res.version) || s.fault(fIfNoneMatchAlways304)) {
		if !s.fault(fNoETag) {
			w.Header().Set("ETag", s.etag(res.version))
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.single(w, r, http.StatusOK, res, s.projectionFor(r, rt).apply(out))
}

func (s *Server) handleReplace(w http.ResponseWriter, r *http.Request, rt *resourceType, id string) {
	body, err := s.readJSON(r, maxBodyBytes)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if !s.supports("changePassword") && setsPassword(nil, body) {
		s.writeError(w, notImplemented("changePassword"))
		return
	}
	status, res, out, err := s.replace(rt, id, body, s.baseURL(r), s.projectionFor(r, rt), r.Header.Get("If-Match"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.single(w, r, status, res, out)
}

// replace implements PUT (RFC 7644 §3.5.1); shared with Bulk.
func (s *Server) replace(rt *resourceType, id string, body map[string]any, base string, proj projection, ifMatch string) (int, *resource, map[string]any, *scimError) {
	attrs, err := s.normalizeResource(rt, body)
	if err != nil {
		return 0, nil, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	old, ok := s.st.get(rt, id)
	if !ok {
		if s.fault(fPutCreatesMissing) {
			if _, taken := s.st.byID[id]; !taken {
				if attrs, err = s.checkMembers(id, attrs); err != nil {
					return 0, nil, nil, err
				}
				now := s.now()
				res := &resource{id: id, rt: rt, attrs: attrs, created: now, modified: now, version: 1}
				s.st.insert(res)
				return http.StatusCreated, res, proj.apply(s.render(res, base)), nil
			}
		}
		return 0, nil, nil, notFound("%s %q not found", rt.Name, id)
	}
	if ifMatch != "" && !s.fault(fIgnoreIfMatch) && !s.ifMatch(ifMatch, old.version) {
		return 0, nil, nil, errf(http.StatusPreconditionFailed, "", "If-Match %s does not match the current version %s", ifMatch, s.etag(old.version))
	}
	// password is writeOnly: a client cannot echo it back, so a PUT that
	// omits it keeps the current one.
	if _, has := attrs["password"]; !has {
		if pw, ok := old.attrs["password"]; ok {
			attrs["password"] = pw
		}
	}
	if rt == defs.userRT && !s.fault(fDuplicateUserNameAllowed) && s.st.userNameTaken(attrs["userName"].(string), id) {
		return 0, nil, nil, errf(http.StatusConflict, stUniqueness, "userName %q is already taken", attrs["userName"])
	}
	if err := s.uniqueClash(rt, id, attrs); err != nil {
		return 0, nil, nil, err
	}
	if attrs, err = s.checkMembers(id, attrs); err != nil {
		return 0, nil, nil, err
	}
	if s.fault(fImmutableChanges) {
		reissueImmutable(attrs)
	}
	res := s.commit(old, attrs)
	out := proj.apply(s.render(res, base))
	if s.fault(fWriteOnlyReturned) {
		showPassword(out, res.attrs)
	}
	return http.StatusOK, res, out, nil
}

// commit stores new attributes for old when they differ (lock held) and
// returns the current resource.
func (s *Server) commit(old *resource, attrs map[string]any) *resource {
	changed := !equalValues(old.attrs, attrs)
	if !changed && !s.fault(fNoopBumpsVersion) {
		return old
	}
	created, modified, version := s.newMeta(old, changed)
	res := &resource{id: old.id, rt: old.rt, attrs: attrs, created: created, modified: modified, version: version}
	s.st.update(old, res)
	return res
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, rt *resourceType, id string) {
	if err := s.delete(rt, id, r.Header.Get("If-Match")); err != nil {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// delete implements DELETE (RFC 7644 §3.6); shared with Bulk.
func (s *Server) delete(rt *resourceType, id, ifMatch string) *scimError {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	res, ok := s.st.get(rt, id)
	if !ok {
		if s.fault(fDeleteMissingReturns500) {
			return errf(http.StatusInternalServerError, "", "internal error: nil resource")
		}
		return notFound("%s %q not found", rt.Name, id)
	}
	if ifMatch != "" && !s.fault(fIgnoreIfMatchOnDelete) && !s.ifMatch(ifMatch, res.version) {
		return errf(http.StatusPreconditionFailed, "", "If-Match %s does not match the current version %s", ifMatch, s.etag(res.version))
	}
	groups := s.st.groupsOf(id)
	s.st.remove(res)
	if s.fault(fSoftDeletedStillListed) {
		s.st.ghosts[id] = res
	}
	s.reserveEmails(res)
	if rt == defs.userRT && s.fault(fDeletedUserNameReserved) {
		s.st.reserved[s.st.nameKey(res.str("userName"))] = struct{}{}
	}
	if rt == defs.userRT && s.fault(fGroupsNotUpdatedOnDelete) {
		return nil
	}
	// Referential integrity: drop the deleted resource from every group.
	for _, g := range groups {
		arr, _ := g.attrs["members"].([]any)
		kept := make([]any, 0, len(arr))
		for _, e := range arr {
			if m, _ := e.(map[string]any); m["value"] != id {
				kept = append(kept, e)
			}
		}
		attrs := copyMap(g.attrs)
		if len(kept) == 0 {
			delete(attrs, "members")
		} else {
			attrs["members"] = kept
		}
		s.commit(g, attrs)
	}
	return nil
}
