package watch

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// canary is one resource of the cycle.
type canary struct {
	typ, name, id string
	answered      time.Time // when the create was answered
	lastModified  string    // as the confirming read showed it
	deleted       bool      // the delete was confirmed
}

// errAbort ends the cycle after a failed mutation: the steps after it would
// only fail in its wake. The tick's cleanup still deletes what exists.
var errAbort = errors.New("cycle aborted")

// cycle is the canary's life: create a user and a group, update the user,
// add and remove it as a member, deactivate it, delete both. Every step is
// confirmed by reading it back.
func (t *tick) cycle() {
	n := strconv.FormatInt(t.n, 10)
	t.user = &canary{typ: "User", name: t.w.prefix + "u" + n}
	t.group = &canary{typ: "Group", name: t.w.prefix + "g" + n}
	steps := []func() error{
		func() error { return t.create(t.user, userBody(t.user.name, "Watch canary "+n, true)) },
		func() error { return t.create(t.group, groupBody(t.group.name, "")) },
		func() error { return t.update("Watch canary " + n + " updated") },
		func() error { return t.member(true) },
		func() error { return t.member(false) },
		t.deactivate,
		func() error { return t.delete(t.group) },
		func() error { return t.delete(t.user) },
	}
	for _, step := range steps {
		if t.w.stopping() || step() != nil {
			return
		}
	}
}

func userBody(name, display string, active bool) map[string]any {
	return map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":    name,
		"displayName": display,
		"name":        map[string]any{"givenName": "Watch", "familyName": "Canary"},
		"active":      active,
	}
}

func groupBody(name, member string) map[string]any {
	b := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name}
	if member != "" {
		b["members"] = []map[string]any{{"value": member}}
	}
	return b
}

// create sends the create of c, records it in the state before and after,
// confirms it by reading it back and checks its name is counted once.
func (t *tick) create(c *canary, body map[string]any) error {
	if err := t.w.st.intend(c.typ, c.name, t.w.cfg.Now()); err != nil {
		t.w.logErr("state", err)
	}
	ex, err := t.s.Create(c.typ, fakeidp.MustJSON(body), c.name)
	t.drain()
	c.answered = time.Now()
	id := ""
	if ex != nil {
		id = fakeidp.Get(ex.RespBody, "id").String()
	}
	if err != nil || !safety.OK(ex) || !safety.SafeID(id) {
		return t.failed("create", c.typ, ex, err, "no usable id in the answer")
	}
	c.id = id
	if err := t.w.st.created(c.typ, c.name, id); err != nil {
		t.w.logErr("state", err)
	}
	nameAttr := safety.NameAttr(c.typ)
	read, ok := t.confirm("create", c.typ, func() (*fakeidp.Exchange, error) { return t.s.Get(c.typ, c.id, nil) },
		func(ex *fakeidp.Exchange) bool { return ex.Status == http.StatusOK })
	if !ok {
		return nil
	}
	c.lastModified = fakeidp.Get(read.RespBody, "meta", "lastModified").String()
	if got := fakeidp.Get(read.RespBody, nameAttr).String(); !strings.EqualFold(got, c.name) {
		t.raise(ReadbackMismatch, "create", c.typ, fmt.Sprintf("GET %s/{id} after the create shows %s %q, want %q", safety.Endpoint(c.typ), nameAttr, got, c.name))
	}
	t.countOnce(c)
	return nil
}

// countOnce lists the canary's unique name: a server that filters must
// count it exactly once (twice is a duplicate made by a retry, or a
// uniqueness the server does not keep).
func (t *tick) countOnce(c *canary) {
	if !t.filter {
		return
	}
	attr := safety.NameAttr(c.typ)
	ex, err := t.s.Query(c.typ, map[string][]string{"filter": {attr + ` eq "` + c.name + `"`}})
	t.drain()
	if err != nil || ex.Status != http.StatusOK {
		return // a query is not a mutation: a failure to list is left to the burst count
	}
	page, err := safety.ReadListPage(ex.RespBody, attr)
	if err != nil {
		return
	}
	if n := len(page.Items); n > 1 || page.Total > 1 {
		t.raise(CountMismatch, "create", c.typ, fmt.Sprintf("%s eq the canary's name lists %d resources (totalResults %d), want 1", attr, n, page.Total))
	}
}

// update changes the canary user's displayName, once it is old enough for
// its meta.lastModified to be judged, and confirms the change.
func (t *tick) update(display string) error {
	u := t.user
	if wait := t.w.cfg.MinAge - time.Since(u.answered); wait > 0 && !t.w.sleep(wait) {
		return errAbort
	}
	sent := time.Now()
	ex, err := t.modify(u, "replace", "displayName", display, func(b map[string]any) { b["displayName"] = display })
	if err != nil || !safety.OK(ex) {
		return t.failed("update", u.typ, ex, err, "")
	}
	read, ok := t.confirm("update", u.typ, func() (*fakeidp.Exchange, error) { return t.s.Get(u.typ, u.id, nil) },
		func(ex *fakeidp.Exchange) bool {
			return ex.Status == http.StatusOK && fakeidp.Get(ex.RespBody, "displayName").String() == display
		})
	if ok {
		t.judgeLastModified(u, read, sent)
	}
	return nil
}

// judgeLastModified raises a read-back mismatch when meta.lastModified did
// not advance over an update sent over a second after the create (so a
// clock with whole seconds cannot explain it), or went back.
func (t *tick) judgeLastModified(c *canary, read *fakeidp.Exchange, sent time.Time) {
	after := fakeidp.Get(read.RespBody, "meta", "lastModified").String()
	before, err1 := time.Parse(time.RFC3339Nano, c.lastModified)
	now, err2 := time.Parse(time.RFC3339Nano, after)
	if err1 != nil || err2 != nil {
		return // no meta, or not a dateTime: nothing to compare
	}
	c.lastModified = after
	if now.Before(before) || (!now.After(before) && sent.Sub(c.answered) > time.Second) {
		t.raise(ReadbackMismatch, "update", c.typ, fmt.Sprintf("meta.lastModified is %s after an update, was %s before it", after, before.Format(time.RFC3339Nano)))
	}
}

// modify changes one attribute of c: by PATCH when the server supports it,
// else by PUT of the whole resource (edited by put).
func (t *tick) modify(c *canary, op, path string, value any, put func(map[string]any)) (*fakeidp.Exchange, error) {
	var ex *fakeidp.Exchange
	var err error
	if t.patch {
		o := map[string]any{"op": op, "path": path}
		if value != nil {
			o["value"] = value
		}
		ex, err = t.s.Write(http.MethodPatch, c.typ, c.id, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{o},
		}, nil)
	} else {
		var body map[string]any
		if c.typ == "User" {
			body = userBody(c.name, "", true)
		} else {
			body = groupBody(c.name, "")
		}
		put(body)
		ex, err = t.s.Write(http.MethodPut, c.typ, c.id, body, nil)
	}
	t.drain()
	return ex, err
}

// member adds (or removes) the canary user to (from) the canary group and
// confirms it from both sides: the group's members and, when the server
// shows them, the user's groups.
func (t *tick) member(add bool) error {
	g, u := t.group, t.user
	op, verb, path, member := "add_member", "add", "members", u.id
	var value any = []map[string]any{{"value": u.id}}
	if !add {
		op, verb, path, member, value = "remove_member", "remove", `members[value eq "`+u.id+`"]`, "", nil
	}
	ex, err := t.modify(g, verb, path, value, func(b map[string]any) {
		if member != "" {
			b["members"] = []map[string]any{{"value": member}}
		}
	})
	if err != nil || !safety.OK(ex) {
		return t.failed(op, g.typ, ex, err, "")
	}
	t.confirm(op, g.typ, func() (*fakeidp.Exchange, error) {
		gr, err := t.s.Get(g.typ, g.id, nil)
		if err != nil || gr.Status != http.StatusOK || hasValue(gr.RespBody, "members", u.id) != add {
			return gr, err
		}
		return t.s.Get(u.typ, u.id, nil) // the other side
	}, func(ex *fakeidp.Exchange) bool {
		if ex.Status != http.StatusOK {
			return false
		}
		if strings.Contains(ex.URL, "/Groups/") {
			return false // the group side is not there yet
		}
		groups := fakeidp.Get(ex.RespBody, "groups")
		return !groups.Exists() || hasValue(ex.RespBody, "groups", g.id) == add
	})
	return nil
}

// hasValue reports whether the multi-valued attr of body has value v.
func hasValue(body []byte, attr, v string) bool {
	for _, m := range fakeidp.Get(body, attr).Array() {
		if fakeidp.Lookup(m, "value").String() == v {
			return true
		}
	}
	return false
}

// deactivate sets the canary user's active to false and confirms it.
func (t *tick) deactivate() error {
	u := t.user
	ex, err := t.modify(u, "replace", "active", false, func(b map[string]any) { b["active"] = false })
	if err != nil || !safety.OK(ex) {
		return t.failed("deactivate", u.typ, ex, err, "")
	}
	t.confirm("deactivate", u.typ, func() (*fakeidp.Exchange, error) { return t.s.Get(u.typ, u.id, nil) },
		func(ex *fakeidp.Exchange) bool {
			a := fakeidp.Get(ex.RespBody, "active")
			return ex.Status == http.StatusOK && a.Exists() && !a.Bool()
		})
	return nil
}

// delete deletes c and confirms it reads 404. A delete that is
// acknowledged but still readable after --confirm-timeout stays owned: the
// next reconcile looks for it again.
func (t *tick) delete(c *canary) error {
	if c.id == "" || c.deleted {
		return nil
	}
	ex, err := t.s.Write(http.MethodDelete, c.typ, c.id, nil, nil)
	t.drain()
	if err != nil || !safety.OK(ex) {
		return t.failed("delete", c.typ, ex, err, "")
	}
	if _, ok := t.confirm("delete", c.typ, func() (*fakeidp.Exchange, error) { return t.s.Get(c.typ, c.id, nil) },
		func(ex *fakeidp.Exchange) bool { return ex.Status == http.StatusNotFound }); ok {
		c.deleted = true
		if err := t.w.st.gone(c.typ, c.name); err != nil {
			t.w.logErr("state", err)
		}
	}
	return nil
}

// failed counts a mutation that was refused or not answered, raises it and
// aborts the cycle.
func (t *tick) failed(op, typ string, ex *fakeidp.Exchange, err error, why string) error {
	t.w.m.mutations.WithLabelValues(op, typ, outcomeFailed).Inc()
	detail := why
	switch {
	case err != nil:
		detail = t.s.C.Recorder().Scrub(err.Error())
	case ex != nil && !safety.OK(ex):
		detail = fmt.Sprintf("%s %s = %d", ex.Method, pathTemplate(ex.URL), ex.Status)
	}
	t.raise(MutationFailed, op, typ, op+" of the canary "+strings.ToLower(typ)+": "+detail)
	return errAbort
}
