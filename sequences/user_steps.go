package sequences

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// createUser creates a user (or re-creates a deleted user's userName).
func (m *machine) createUser(st Step) {
	if st.Spec == nil {
		panic(abortSignal{fmt.Errorf("step %d (%s) has no user", len(m.steps), st.Op)})
	}
	u := m.names.user(*st.Spec, st.User)
	if st.Op == OpRecreateUser && !m.reusable(u.UserName) {
		// A shrunk or edited sequence can lose the delete a re-create needs;
		// such a sequence is not a valid one, so it proves nothing.
		panic(abortSignal{fmt.Errorf("step %d (%s): no deleted user of this sequence is named %q", len(m.steps), st.Op, u.UserName)})
	}
	post := m.post("User", m.env.SP.Shape("User", fakeidp.UserResource(u, m.env.SP.Enterprise)), u.UserName)
	check := "seq-confirmed-read-back"
	if st.Op == OpRecreateUser {
		check = "seq-username-reusable"
	}
	if !safety.OK(post) {
		m.judge(check, fmt.Errorf("%w (creating user %q)", assertions.CreateAccepted(post), u.UserName), post)
		return
	}
	u.ID = fakeidp.Get(post.RespBody, "id").String()
	if u.ID == "" {
		m.judge("seq-confirmed-read-back", fmt.Errorf("POST %s = %d without an id, want the created user", safety.Endpoint("User"), post.Status), post)
		return
	}
	m.judge(check, nil)
	m.users = setSlot(m.users, st.User, &slot{id: u.ID, name: u.UserName, live: true})
	m.dir.PutUser(u, safety.MetaOf(post))
	m.noteMeta(metaKey("User", u.ID), post, post)
	m.readUser(u.ID, post, noChange, time.Time{}, "seq-model-consistent")
}

// readUser reads a user back and judges it against the model: present,
// equal, meta over time, and its version against how the write changed it.
func (m *machine) readUser(id string, write *fakeidp.Exchange, ch change, sentAt time.Time, check string) *fakeidp.Exchange {
	want, _ := m.dir.User(id)
	get := m.get("User", id)
	if get.Status != http.StatusOK {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w, after %s", assertions.Status(get, 200), safety.OpOf(write)), write, get)
		return get
	}
	m.judge("seq-confirmed-read-back", nil)
	m.judge(check, assertions.UserDrift(get, m.declaredUser(want)), write, get)
	m.judgeMeta(metaKey("User", id), write, get, ch, sentAt)
	return get
}

// declaredUser leaves out of the model what the server does not declare:
// drift is reported only on declared attributes.
func (m *machine) declaredUser(u fakeidp.User) fakeidp.User {
	sp := m.env.SP
	if !sp.Declares("User", "title") {
		u.Title = ""
	}
	if !sp.Declares("User", "phoneNumbers") {
		u.PhoneNumbers = nil
	}
	if !sp.Declares("User", "displayName") {
		u.DisplayName = ""
	}
	if !sp.Declares("User", "name") {
		u.Name = fakeidp.Name{}
	}
	if !sp.Declares("User", "emails") {
		u.Emails = nil
	}
	if !sp.Enterprise {
		u.Enterprise = nil
	}
	return u
}

func (m *machine) putUser(st Step) {
	sl := m.userSlot(st.User)
	if st.Spec == nil {
		panic(abortSignal{fmt.Errorf("step %d (%s) has no user", len(m.steps), st.Op)})
	}
	old, _ := m.dir.User(sl.id)
	u := m.names.user(*st.Spec, st.User)
	u.ID = sl.id
	u.UserName = old.UserName
	m.sendUserUpdate(sl.id, old, u, nil)
}

// sendUserUpdate sends a full PUT (ops == nil) or a PATCH, and on success
// moves the model to want and reads the user back.
func (m *machine) sendUserUpdate(id string, old, want fakeidp.User, ops []fakeidp.PatchOp) {
	sent := time.Now()
	var ex *fakeidp.Exchange
	if ops == nil || m.dialect.UpdatesWithPUT() {
		ex = m.write(http.MethodPut, "User", id, m.dialect.PutUserBody(want, m.env.SP.Enterprise), nil)
	} else {
		ex = m.write(http.MethodPatch, "User", id, fakeidp.PatchBody(ops...), nil)
	}
	if !safety.OK(ex) {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w (updating user %q)", assertions.Status(ex, 200, 204), old.UserName), ex)
		return
	}
	m.dir.PutUser(want, safety.MetaOf(ex))
	m.readUser(id, ex, userChange(old, want), sent, "seq-model-consistent")
}

func (m *machine) patchUser(st Step) {
	sl := m.userSlot(st.User)
	old, _ := m.dir.User(sl.id)
	want, _ := m.dir.User(sl.id)
	attrs := map[string]any{}
	var removes []fakeidp.PatchOp
	for _, c := range st.Changes {
		path := c.Attr
		if c.Attr == attrDepartment {
			path = fakeidp.SchemaEnterprise + ":department"
		}
		if c.Remove {
			removes = append(removes, fakeidp.PatchOp{Op: m.dialect.Op("remove"), Path: path})
		} else {
			switch c.Attr {
			case attrEmails:
				attrs[path] = m.names.emails(c.Emails, st.User)
			case attrPhones:
				attrs[path] = c.Phones
			default:
				attrs[path] = c.Text
			}
		}
		applyChange(&want, c, m.names, st.User)
	}
	var ops []fakeidp.PatchOp
	if len(attrs) > 0 {
		ops = m.dialect.SetAttributes(attrs)
	}
	ops = append(ops, removes...)
	m.sendUserUpdate(sl.id, old, want, ops)
}

// applyChange applies one patch-user change to the model's user.
func applyChange(u *fakeidp.User, c Change, names caseNames, slot int) {
	switch c.Attr {
	case attrDisplayName:
		u.DisplayName = pick(c.Remove, c.Text)
	case attrTitle:
		u.Title = pick(c.Remove, c.Text)
	case attrGivenName:
		u.Name.GivenName = pick(c.Remove, c.Text)
	case attrEmails:
		u.Emails = nil
		if !c.Remove {
			u.Emails = names.emails(c.Emails, slot)
		}
	case attrPhones:
		u.PhoneNumbers = nil
		if !c.Remove {
			u.PhoneNumbers = slices.Clone(c.Phones)
		}
	case attrDepartment:
		e := fakeidp.Enterprise{}
		if u.Enterprise != nil {
			e = *u.Enterprise
		}
		e.Department = pick(c.Remove, c.Text)
		u.Enterprise = nil
		if e != (fakeidp.Enterprise{}) {
			u.Enterprise = &e
		}
	}
}

func pick(remove bool, text string) string {
	if remove {
		return ""
	}
	return text
}

func (m *machine) setActive(st Step) {
	sl := m.userSlot(st.User)
	old, _ := m.dir.User(sl.id)
	want := old
	want.Active = st.Op == OpReactivate
	m.sendUserUpdate(sl.id, old, want, m.dialect.SetActive(want.Active))
}

func (m *machine) deleteUser(st Step) {
	sl := m.userSlot(st.User)
	groups := m.dir.GroupsOf(sl.id)
	del := m.write(http.MethodDelete, "User", sl.id, nil, nil)
	if !safety.OK(del) {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w (deleting user %q)", assertions.Status(del, 204), sl.name), del)
		return
	}
	m.env.Tracker.Gone("User", sl.id)
	sl.live = false
	m.dir.DeleteUser(sl.id)
	get := m.get("User", sl.id)
	m.judge("seq-confirmed-read-back", wrapAfter(assertions.NotFound(get), del), del, get)
	// The groups it was in must have let it go.
	for _, gid := range groups {
		gx := m.get("Group", gid)
		if gx.Status != http.StatusOK {
			m.judge("seq-confirmed-read-back", fmt.Errorf("%w, after %s", assertions.Status(gx, 200), safety.OpOf(del)), del, gx)
			continue
		}
		m.judge("user-delete-leaves-groups", assertions.NotAMember(gx, sl.id), del, gx)
		want, _ := m.dir.Group(gid)
		m.judgeMembers(gx, want, del)
		m.markStale(metaKey("Group", gid)) // its members changed by the server's hand
	}
}

func wrapAfter(err error, write *fakeidp.Exchange) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w, after %s = %d", err, safety.OpOf(write), write.Status)
}

// patchAtomic sends a PATCH whose second operation must fail (removing the
// required userName): the server must refuse it and change nothing.
func (m *machine) patchAtomic(st Step) {
	sl := m.userSlot(st.User)
	before, _ := m.dir.User(sl.id)
	ops := append(m.dialect.SetAttributes(map[string]any{"displayName": "scimloop atomicity probe"}),
		fakeidp.PatchOp{Op: m.dialect.Op("remove"), Path: "userName"})
	ex := m.write(http.MethodPatch, "User", sl.id, fakeidp.PatchBody(ops...), nil)
	if safety.OK(ex) {
		m.judge("seq-patch-atomic", fmt.Errorf("%s = %d for a PATCH whose last operation removes the required userName, want 400 (mutability) and no change", safety.OpOf(ex), ex.Status), ex)
		return
	}
	m.readUser(sl.id, ex, noChange, time.Time{}, "seq-patch-atomic")
	_ = before
}

// raceUser has two IdP workers replace the same user's displayName with
// If-Match set to the same current version, at the same time.
func (m *machine) raceUser(st Step) {
	sl := m.userSlot(st.User)
	if len(st.Values) != 2 {
		panic(abortSignal{fmt.Errorf("step %d (%s) needs two values", len(m.steps), st.Op)})
	}
	cur := m.get("User", sl.id)
	v := assertions.VersionOf(cur)
	if cur.Status != http.StatusOK {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w, before racing on it", assertions.Status(cur, 200)), cur)
		return
	}
	if v == "" {
		return // no version to race on: etag-header-present judges that, elsewhere
	}
	old, _ := m.dir.User(sl.id)
	bodies := make([]any, 2)
	for i, val := range st.Values {
		bodies[i] = fakeidp.PatchBody(m.dialect.SetAttributes(map[string]any{"displayName": val})...)
	}
	exs := m.race("User", sl.id, v, bodies)
	winner, err := raceWinner(exs, v)
	m.judge("seq-concurrent-if-match", err, append([]*fakeidp.Exchange{cur}, exs...)...)
	if err != nil || winner < 0 {
		return
	}
	want := old
	want.DisplayName = st.Values[winner]
	m.dir.PutUser(want, safety.MetaOf(exs[winner]))
	m.markStale(metaKey("User", sl.id)) // two writes raced: the one seen last is not necessarily the one that set meta
	m.readUser(sl.id, exs[winner], unclear, time.Time{}, "seq-concurrent-if-match")
}

// race sends two conditional PATCHes at once and returns both exchanges.
func (m *machine) race(typ, id, version string, bodies []any) []*fakeidp.Exchange {
	exs := make([]*fakeidp.Exchange, len(bodies))
	errs := make([]any, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Go(func() {
			defer func() { errs[i] = recover() }()
			exs[i] = m.write(http.MethodPatch, typ, id, b, http.Header{"If-Match": {version}})
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			panic(e)
		}
	}
	return exs
}

// raceWinner judges two conditional writes made against the same version:
// exactly one may succeed; the other must be refused with a precondition
// failure. It returns the winner's index.
func raceWinner(exs []*fakeidp.Exchange, version string) (int, error) {
	var won []int
	for i, ex := range exs {
		if safety.OK(ex) {
			won = append(won, i)
		}
	}
	switch len(won) {
	case 1:
		loser := exs[1-won[0]]
		if loser.Status != http.StatusPreconditionFailed && loser.Status != http.StatusConflict {
			return won[0], fmt.Errorf("%s with If-Match %s = %d after the other worker's update won, want 412 Precondition Failed", safety.OpOf(loser), version, loser.Status)
		}
		return won[0], nil
	case 2:
		return -1, fmt.Errorf("%s and %s, both with If-Match %s = %d and %d, want exactly one to succeed and the other 412: one update was lost without a 412",
			safety.OpOf(exs[0]), safety.OpOf(exs[1]), version, exs[0].Status, exs[1].Status)
	}
	return -1, fmt.Errorf("%s and %s, both with the current If-Match %s = %d and %d, want exactly one to succeed", safety.OpOf(exs[0]), safety.OpOf(exs[1]), version, exs[0].Status, exs[1].Status)
}
