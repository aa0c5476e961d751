package sequences

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// This file holds the provisioning-sequence machine: the operations a
// property-generated sequence is made of ([Step]), and how one step is sent,
// read back and judged against the IdP's model ([fakeidp.Directory]). The
// rapid plumbing is in property_run.go, reconciliation in reconcile.go.

// Operations of a sequence, as Step.Op names them.
const (
	OpCreateUser    = "create-user"
	OpPutUser       = "put-user"
	OpPatchUser     = "patch-user"
	OpDeactivate    = "deactivate-user"
	OpReactivate    = "reactivate-user"
	OpDeleteUser    = "delete-user"
	OpRecreateUser  = "recreate-user" // a new user with a deleted user's userName
	OpPatchAtomic   = "patch-user-failing-op"
	OpRaceUser      = "race-user"
	OpCreateGroup   = "create-group"
	OpRenameGroup   = "rename-group"
	OpAddMembers    = "add-members"
	OpRemoveMembers = "remove-members"
	OpDeleteGroup   = "delete-group"
	OpRaceGroup     = "race-group"
)

// Step is one operation of a sequence. Users and groups are named by slot:
// the n-th user (or group) the sequence created, counting from 1, so that a
// sequence means the same against any server and replays from a file.
type Step struct {
	Op      string        `json:"op"`
	User    int           `json:"user,omitempty"`    // user slot
	Group   int           `json:"group,omitempty"`   // group slot
	Members []int         `json:"members,omitempty"` // user slots
	Spec    *fakeidp.User `json:"spec,omitempty"`    // a created or replacing user, names without the run prefix
	Changes []Change      `json:"changes,omitempty"` // patch-user
	Name    string        `json:"name,omitempty"`    // a group's displayName without the run prefix
	Values  []string      `json:"values,omitempty"`  // race-user: the two competing displayNames
}

// Change is one attribute change of a patch-user step.
type Change struct {
	Attr   string          `json:"attr"`
	Remove bool            `json:"remove,omitempty"`
	Text   string          `json:"text,omitempty"`
	Emails []fakeidp.Email `json:"emails,omitempty"` // local parts; the run's domain is added
	Phones []fakeidp.Phone `json:"phones,omitempty"`
}

// String renders a step for the minimal sequence: "patch-user u2 title=…".
func (s Step) String() string {
	var b strings.Builder
	b.WriteString(s.Op)
	if s.User > 0 {
		fmt.Fprintf(&b, " u%d", s.User)
	}
	if s.Group > 0 {
		fmt.Fprintf(&b, " g%d", s.Group)
	}
	if len(s.Members) > 0 {
		var ms []string
		for _, m := range s.Members {
			ms = append(ms, fmt.Sprintf("u%d", m))
		}
		fmt.Fprintf(&b, " members=[%s]", strings.Join(ms, " "))
	}
	if s.Name != "" {
		fmt.Fprintf(&b, " name=%q", clipText(s.Name))
	}
	if s.Spec != nil {
		fmt.Fprintf(&b, " userName=%q active=%v", clipText(s.Spec.UserName), s.Spec.Active)
	}
	for _, c := range s.Changes {
		switch {
		case c.Remove:
			fmt.Fprintf(&b, " -%s", c.Attr)
		case c.Emails != nil:
			fmt.Fprintf(&b, " %s=%d values", c.Attr, len(c.Emails))
		case c.Phones != nil:
			fmt.Fprintf(&b, " %s=%d values", c.Attr, len(c.Phones))
		default:
			fmt.Fprintf(&b, " %s=%q", c.Attr, clipText(c.Text))
		}
	}
	if len(s.Values) > 0 {
		fmt.Fprintf(&b, " racing %q", s.Values)
	}
	return b.String()
}

func clipText(s string) string {
	if r := []rune(s); len(r) > 24 {
		return string(r[:24]) + "…"
	}
	return s
}

// caseNames turns generated names into the names of one sequence: every
// userName, externalId and displayName carries the sequence's prefix (itself
// under the run prefix), every email the run's domain.
type caseNames struct{ prefix, domain string }

func (n caseNames) user(spec fakeidp.User) fakeidp.User {
	u := spec
	u.UserName = n.prefix + spec.UserName
	if u.ExternalID != "" {
		u.ExternalID = n.prefix + u.ExternalID
	}
	u.Emails = n.emails(spec.Emails)
	u.PhoneNumbers = slices.Clone(spec.PhoneNumbers)
	if spec.Enterprise != nil {
		e := *spec.Enterprise
		u.Enterprise = &e
	}
	return u
}

func (n caseNames) emails(list []fakeidp.Email) []fakeidp.Email {
	var out []fakeidp.Email
	for _, e := range list {
		e.Value += "@" + n.domain
		out = append(out, e)
	}
	return out
}

// slot is one user or group a sequence created.
type slot struct {
	id   string
	name string // userName or displayName as sent
	live bool
}

// seenMeta is what the machine last saw of a resource's meta.
type seenMeta struct {
	created      assertions.MetaTimes // the first read: created is judged against it
	lastModified assertions.MetaTimes // LastModified and, in Observed, when that value was first seen
	lmRaw        string
	version      string
	stale        bool // something else may have changed the version since it was seen
}

// caseFinding is one failed judgement within a sequence.
type caseFinding struct {
	check string
	msg   string
	exs   []*fakeidp.Exchange
	step  int // 1-based step index; 0 for reconciliation
}

// abortSignal stops a sequence when no usable response came: what follows
// could not be judged honestly.
type abortSignal struct{ err error }

// resolution is the finest timestamp precision the server has shown within
// one sequence: lastModified must move strictly later on a change made at
// least twice that long after the earlier value was seen. It starts at a
// second (the rule for servers that keep lastModified to the second) and
// is kept per sequence, so that a sequence judges the same on every run.
type resolution struct {
	mu sync.Mutex
	d  time.Duration
}

func (r *resolution) observe(s string) {
	if s == "" {
		return
	}
	d := assertions.TimeResolution(s)
	r.mu.Lock()
	if r.d == 0 || d < r.d {
		r.d = d
	}
	r.mu.Unlock()
}

func (r *resolution) get() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.d == 0 {
		return time.Second
	}
	return r.d
}

// Limits of live resources in one sequence, so that steps keep touching the
// same few resources (where bugs hide) and reconciliation stays cheap.
const (
	maxLiveUsers  = 6
	maxLiveGroups = 3
)

// machine runs the steps of one sequence and judges each against the model.
type machine struct {
	ctx     context.Context
	env     *scenarios.Env
	sess    *safety.Session
	dialect fakeidp.Dialect
	names   caseNames
	res     *resolution
	skip    map[string]bool // checks whose capability the server lacks

	dir    *fakeidp.Directory
	users  []*slot
	groups []*slot
	seen   map[string]*seenMeta

	steps       []Step
	findings    []caseFinding
	reconciling bool
	passed      map[string]bool

	confirmed, unconfirmed map[string]int
	memberDrift            []string
	modelCounts            map[string]int
	serverCounts           map[string]int
}

func newMachine(ctx context.Context, env *scenarios.Env, c *fakeidp.Client, names caseNames, res *resolution) *machine {
	d, err := fakeidp.ParseDialect(env.Dialect)
	if err != nil {
		d = fakeidp.Dialect{Name: fakeidp.DialectRFC}
	}
	m := &machine{
		ctx: ctx, env: env, sess: env.Session(ctx, c), dialect: d, names: names, res: res,
		skip: map[string]bool{}, dir: fakeidp.NewDirectory(), seen: map[string]*seenMeta{},
		passed: map[string]bool{}, confirmed: map[string]int{}, unconfirmed: map[string]int{},
		modelCounts: map[string]int{}, serverCounts: map[string]int{},
	}
	m.sess.OnRetryLookup = func(err error, list *fakeidp.Exchange) { m.judge(safety.CheckRetryDuplicate, err, list) }
	for _, id := range propertyChecks {
		if c, ok := assertions.Lookup(id); ok && !env.SP.Has(c.Capability) {
			m.skip[id] = true
		}
	}
	return m
}

// judge records the verdict err for check id within this sequence.
func (m *machine) judge(id string, err error, evidence ...*fakeidp.Exchange) {
	if m.skip[id] {
		return
	}
	if err == nil {
		m.passed[id] = true
		return
	}
	step := len(m.steps)
	if m.reconciling {
		step = 0
	}
	m.findings = append(m.findings, caseFinding{check: id, msg: err.Error(), exs: safety.NonNil(evidence), step: step})
}

func (m *machine) failed() bool { return len(m.findings) > 0 }

// must aborts the sequence when a session call got no usable response, and
// on refused credentials or a server that stayed unavailable: nothing after
// them could be judged honestly.
func (m *machine) must(ex *fakeidp.Exchange, err error) *fakeidp.Exchange {
	if err != nil {
		panic(abortSignal{err})
	}
	switch ex.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		panic(abortSignal{fmt.Errorf("%s = %d: the server refused the credentials", safety.OpOf(ex), ex.Status)})
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		panic(abortSignal{fmt.Errorf("%s = %d after %d attempts: the server stayed unavailable", safety.OpOf(ex), ex.Status, ex.Attempt)})
	}
	return ex
}

func (m *machine) get(typ, id string) *fakeidp.Exchange {
	return m.must(m.sess.Get(typ, id, nil))
}

// write sends a PUT, PATCH or DELETE to a resource this run created.
func (m *machine) write(method, typ, id string, body any, header http.Header) *fakeidp.Exchange {
	return m.must(m.sess.Write(method, typ, id, body, header))
}

// post creates a resource, looking it up by name before any retry so that
// a retried create cannot make a duplicate.
func (m *machine) post(typ string, body map[string]any, name string) *fakeidp.Exchange {
	return m.must(m.sess.Create(typ, fakeidp.MustJSON(body), name))
}

// apply runs one step: it sends the operation, reads back every resource it
// touched and judges each against the model. It reports an abort (no usable
// response) as an error; failed judgements are in m.findings.
func (m *machine) apply(st Step) (err error) {
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(abortSignal)
			if !ok {
				panic(r)
			}
			err = a.err
		}
	}()
	m.steps = append(m.steps, st)
	before := len(m.findings)
	switch st.Op {
	case OpCreateUser, OpRecreateUser:
		m.createUser(st)
	case OpPutUser:
		m.putUser(st)
	case OpPatchUser:
		m.patchUser(st)
	case OpDeactivate, OpReactivate:
		m.setActive(st)
	case OpDeleteUser:
		m.deleteUser(st)
	case OpPatchAtomic:
		m.patchAtomic(st)
	case OpRaceUser:
		m.raceUser(st)
	case OpCreateGroup:
		m.createGroup(st)
	case OpRenameGroup:
		m.renameGroup(st)
	case OpAddMembers:
		m.addMembers(st)
	case OpRemoveMembers:
		m.removeMembers(st)
	case OpDeleteGroup:
		m.deleteGroup(st)
	case OpRaceGroup:
		m.raceGroup(st)
	default:
		return fmt.Errorf("unknown operation %q", st.Op)
	}
	if len(m.findings) == before {
		m.confirmed[st.Op]++
	} else {
		m.unconfirmed[st.Op]++
	}
	return nil
}

// userSlot returns the live user in slot n, or aborts: a step that names a
// user that is not there cannot be run (a hand-edited replay file).
func (m *machine) userSlot(n int) *slot {
	if n < 1 || n > len(m.users) || m.users[n-1] == nil || !m.users[n-1].live {
		panic(abortSignal{fmt.Errorf("step %d names user u%d, which this sequence does not hold", len(m.steps), n)})
	}
	return m.users[n-1]
}

func (m *machine) groupSlot(n int) *slot {
	if n < 1 || n > len(m.groups) || m.groups[n-1] == nil || !m.groups[n-1].live {
		panic(abortSignal{fmt.Errorf("step %d names group g%d, which this sequence does not hold", len(m.steps), n)})
	}
	return m.groups[n-1]
}

func setSlot(list []*slot, n int, s *slot) []*slot {
	for len(list) < n {
		list = append(list, nil)
	}
	list[n-1] = s
	return list
}

// change is how a step changed a resource's own attributes.
type change int

const (
	noChange   change = iota // the same values: the version must stay
	realChange               // different values: the version must move
	unclear                  // equal but for order: not judged
)

func userChange(old, new fakeidp.User) change {
	if assertions.SameUser(old, new) {
		if reflect.DeepEqual(normUser(old), normUser(new)) {
			return noChange
		}
		return unclear
	}
	return realChange
}

func normUser(u fakeidp.User) fakeidp.User {
	u.ID = ""
	if len(u.Emails) == 0 {
		u.Emails = nil
	}
	if len(u.PhoneNumbers) == 0 {
		u.PhoneNumbers = nil
	}
	if u.Enterprise != nil && *u.Enterprise == (fakeidp.Enterprise{}) {
		u.Enterprise = nil
	}
	return u
}

// createUser creates a user (or re-creates a deleted user's userName).
func (m *machine) createUser(st Step) {
	if st.Spec == nil {
		panic(abortSignal{fmt.Errorf("step %d (%s) has no user", len(m.steps), st.Op)})
	}
	u := m.names.user(*st.Spec)
	if st.Op == OpRecreateUser && !m.reusable(u.UserName) {
		// A shrunk or edited sequence can lose the delete a re-create needs;
		// such a sequence is not a valid one, so it proves nothing.
		panic(abortSignal{fmt.Errorf("step %d (%s): no deleted user of this sequence is named %q", len(m.steps), st.Op, u.UserName)})
	}
	post := m.post("User", fakeidp.UserResource(u, m.env.SP.Enterprise), u.UserName)
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
	m.noteMeta(u.ID, post, post)
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
	m.judgeMeta(id, write, get, ch, sentAt)
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

// noteMeta records the meta of a resource the first time it is seen (from
// the create answer, when it carries one).
func (m *machine) noteMeta(id string, write, ex *fakeidp.Exchange) {
	mt, err := assertions.ReadMeta(ex.RespBody)
	if err != nil {
		return
	}
	m.res.observe(fakeidp.Get(ex.RespBody, "meta", "created").String())
	m.res.observe(fakeidp.Get(ex.RespBody, "meta", "lastModified").String())
	seenAt := write.Started.Add(write.Latency)
	mt.Observed = seenAt
	m.seen[id] = &seenMeta{created: mt, lastModified: mt, lmRaw: fakeidp.Get(ex.RespBody, "meta", "lastModified").String(), version: assertions.VersionOf(ex)}
}

// judgeMeta judges meta over time for a resource read back after write:
// created never changes; lastModified never moves backwards, and moves
// strictly later on a real change when enough time passed for the server's
// precision; the version changes exactly when the resource did.
func (m *machine) judgeMeta(id string, write, read *fakeidp.Exchange, ch change, sentAt time.Time) {
	mt, err := assertions.ReadMeta(read.RespBody)
	if err != nil {
		return // meta-present judges that, in the deterministic scenarios
	}
	lmRaw := fakeidp.Get(read.RespBody, "meta", "lastModified").String()
	m.res.observe(lmRaw)
	prev := m.seen[id]
	if prev == nil {
		m.noteMeta(id, write, read)
		return
	}
	m.judge("meta-created-stable", assertions.CreatedStable(prev.created, mt), write, read)
	m.judge("meta-lastmodified-monotonic", assertions.LastModifiedMonotonic(prev.lastModified, mt), write, read)
	if ch == realChange && !sentAt.IsZero() {
		after := mt
		after.Observed = sentAt
		if judged, err := assertions.LastModifiedAdvancedAt(prev.lastModified, after, m.res.get()); judged {
			m.judge("meta-lastmodified-advances", err, write, read)
		}
	}
	switch {
	case ch == realChange:
		m.judge("etag-changes-on-update", assertions.VersionMoved(prev.version, write, read), write, read)
	case ch == noChange && !prev.stale && write != nil && write.Method != http.MethodPost:
		m.judge("seq-version-stable-without-change", assertions.VersionStable(prev.version, write, read), write, read)
	}
	if lmRaw != prev.lmRaw {
		prev.lastModified = mt
		prev.lastModified.Observed = write.Started.Add(write.Latency)
		prev.lmRaw = lmRaw
	}
	prev.version = assertions.VersionOf(read)
	prev.stale = false
}

// markStale notes that a resource's version may have moved without the
// machine seeing it (its derived attributes changed): the next no-op is not
// judged against the remembered version.
func (m *machine) markStale(ids ...string) {
	for _, id := range ids {
		if s := m.seen[id]; s != nil {
			s.stale = true
		}
	}
}

func (m *machine) putUser(st Step) {
	sl := m.userSlot(st.User)
	if st.Spec == nil {
		panic(abortSignal{fmt.Errorf("step %d (%s) has no user", len(m.steps), st.Op)})
	}
	old, _ := m.dir.User(sl.id)
	u := m.names.user(*st.Spec)
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
				attrs[path] = m.names.emails(c.Emails)
			case attrPhones:
				attrs[path] = c.Phones
			default:
				attrs[path] = c.Text
			}
		}
		applyChange(&want, c, m.names)
	}
	var ops []fakeidp.PatchOp
	if len(attrs) > 0 {
		ops = m.dialect.SetAttributes(attrs)
	}
	ops = append(ops, removes...)
	m.sendUserUpdate(sl.id, old, want, ops)
}

// applyChange applies one patch-user change to the model's user.
func applyChange(u *fakeidp.User, c Change, names caseNames) {
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
			u.Emails = names.emails(c.Emails)
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
		m.markStale(gid) // its members changed by the server's hand
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
	m.markStale(sl.id) // two writes raced: the one seen last is not necessarily the one that set meta
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

func (m *machine) memberIDs(slots []int) []string {
	var ids []string
	for _, n := range slots {
		ids = append(ids, m.userSlot(n).id)
	}
	return ids
}

func (m *machine) createGroup(st Step) {
	g := fakeidp.Group{DisplayName: m.names.prefix + st.Name, Members: m.memberIDs(st.Members)}
	post := m.post("Group", fakeidp.GroupResource(g), g.DisplayName)
	if !safety.OK(post) {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w (creating group %q)", assertions.CreateAccepted(post), g.DisplayName), post)
		return
	}
	g.ID = fakeidp.Get(post.RespBody, "id").String()
	if g.ID == "" {
		m.judge("seq-confirmed-read-back", fmt.Errorf("POST /Groups = %d without an id, want the created group", post.Status), post)
		return
	}
	m.judge("seq-confirmed-read-back", nil)
	m.groups = setSlot(m.groups, st.Group, &slot{id: g.ID, name: g.DisplayName, live: true})
	m.dir.PutGroup(g, safety.MetaOf(post))
	m.noteMeta(g.ID, post, post)
	m.readGroup(g.ID, post, noChange, time.Time{}, g.Members, nil)
}

// readGroup reads a group back and judges its attributes, members (member by
// member) and meta; then reads the users whose membership changed and judges
// their groups attribute.
func (m *machine) readGroup(id string, write *fakeidp.Exchange, ch change, sentAt time.Time, added, removed []string) {
	want, _ := m.dir.Group(id)
	get := m.get("Group", id)
	if get.Status != http.StatusOK {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w, after %s", assertions.Status(get, 200), safety.OpOf(write)), write, get)
		return
	}
	m.judge("seq-confirmed-read-back", nil)
	m.judge("seq-model-consistent", assertions.GroupDrift(get, want), write, get)
	m.judgeMembers(get, want, write)
	m.judgeMeta(id, write, get, ch, sentAt)
	m.judgeUserGroups(id, write, get, added, true)
	m.judgeUserGroups(id, write, get, removed, false)
}

// judgeMembers judges a group's members against the model and notes, member
// by member, which changes landed and which did not.
func (m *machine) judgeMembers(get *fakeidp.Exchange, want fakeidp.Group, write *fakeidp.Exchange) {
	err := assertions.MembersEqual(get, want.Members)
	m.judge("group-members-match-model", err, write, get)
	if err == nil {
		return
	}
	got := assertions.MemberIDs(get.RespBody)
	for _, id := range want.Members {
		if !slices.Contains(got, id) {
			m.memberDrift = append(m.memberDrift, fmt.Sprintf("after %s: group %s lacks member %s (%s)", safety.OpOf(write), want.DisplayName, id, m.userName(id)))
		}
	}
	for _, id := range got {
		if !slices.Contains(want.Members, id) {
			m.memberDrift = append(m.memberDrift, fmt.Sprintf("after %s: group %s still or wrongly holds %s (%s)", safety.OpOf(write), want.DisplayName, id, m.userName(id)))
		}
	}
}

func (m *machine) userName(id string) string {
	for _, s := range m.users {
		if s != nil && s.id == id {
			return s.name
		}
	}
	return "not a user of this sequence"
}

// judgeUserGroups reads users and judges whether their groups attribute
// lists the group, when the server exposes User.groups.
func (m *machine) judgeUserGroups(groupID string, write, gx *fakeidp.Exchange, users []string, want bool) {
	if !m.env.SP.Declares("User", "groups") {
		return
	}
	for _, uid := range users {
		ux := m.get("User", uid)
		if ux.Status != http.StatusOK {
			m.judge("seq-confirmed-read-back", fmt.Errorf("%w, after %s", assertions.Status(ux, 200), safety.OpOf(write)), write, ux)
			continue
		}
		m.judge("group-membership-both-views", assertions.UserGroupsInclude(ux, groupID, want), write, gx, ux)
		// Its groups attribute changed: take the version as it is now.
		if s := m.seen[uid]; s != nil {
			s.version = assertions.VersionOf(ux)
			s.stale = false
		}
	}
}

func (m *machine) renameGroup(st Step) {
	sl := m.groupSlot(st.Group)
	old, _ := m.dir.Group(sl.id)
	want := old
	want.DisplayName = m.names.prefix + st.Name
	sent := time.Now()
	ex := m.write(http.MethodPatch, "Group", sl.id, fakeidp.PatchBody(m.dialect.RenameGroup(sl.id, want.DisplayName)), nil)
	if !safety.OK(ex) {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w (renaming group %q)", assertions.Status(ex, 200, 204), old.DisplayName), ex)
		return
	}
	m.dir.PutGroup(want, safety.MetaOf(ex))
	sl.name = want.DisplayName
	ch := realChange
	if want.DisplayName == old.DisplayName {
		ch = noChange
	}
	m.markStale(old.Members...) // their groups[].display changed
	m.readGroup(sl.id, ex, ch, sent, nil, nil)
}

func (m *machine) addMembers(st Step) {
	sl := m.groupSlot(st.Group)
	old, _ := m.dir.Group(sl.id)
	ids := m.memberIDs(st.Members)
	want := old
	want.Members = append(slices.Clone(old.Members), ids...)
	var added []string
	for _, id := range ids {
		if !slices.Contains(old.Members, id) && !slices.Contains(added, id) {
			added = append(added, id)
		}
	}
	sent := time.Now()
	ex := m.write(http.MethodPatch, "Group", sl.id, fakeidp.PatchBody(m.dialect.AddMembers(ids...)), nil)
	if !safety.OK(ex) {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w (adding members to group %q)", assertions.Status(ex, 200, 204), old.DisplayName), ex)
		return
	}
	m.dir.PutGroup(want, safety.MetaOf(ex))
	ch := realChange
	if len(added) == 0 {
		ch = noChange // re-adding present members changes nothing (RFC 7644 §3.5.2.1)
	}
	m.readGroup(sl.id, ex, ch, sent, added, nil)
}

func (m *machine) removeMembers(st Step) {
	sl := m.groupSlot(st.Group)
	old, _ := m.dir.Group(sl.id)
	ids := m.memberIDs(st.Members)
	var ops []fakeidp.PatchOp
	for _, id := range ids {
		ops = append(ops, m.dialect.RemoveMember(id))
	}
	want := old
	want.Members = slices.DeleteFunc(slices.Clone(old.Members), func(id string) bool { return slices.Contains(ids, id) })
	sent := time.Now()
	ex := m.write(http.MethodPatch, "Group", sl.id, fakeidp.PatchBody(ops...), nil)
	if !safety.OK(ex) {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w (removing members from group %q)", assertions.Status(ex, 200, 204), old.DisplayName), ex)
		return
	}
	m.dir.PutGroup(want, safety.MetaOf(ex))
	ch := realChange
	if len(want.Members) == len(old.Members) {
		ch = noChange
	}
	m.readGroup(sl.id, ex, ch, sent, nil, ids)
}

func (m *machine) deleteGroup(st Step) {
	sl := m.groupSlot(st.Group)
	old, _ := m.dir.Group(sl.id)
	del := m.write(http.MethodDelete, "Group", sl.id, nil, nil)
	if !safety.OK(del) {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w (deleting group %q)", assertions.Status(del, 204), old.DisplayName), del)
		return
	}
	m.env.Tracker.Gone("Group", sl.id)
	sl.live = false
	m.dir.DeleteGroup(sl.id)
	get := m.get("Group", sl.id)
	m.judge("seq-confirmed-read-back", wrapAfter(assertions.NotFound(get), del), del, get)
	m.judgeUserGroups(sl.id, del, get, old.Members, false)
}

// raceGroup has two IdP workers add a different member each to the same
// group, with If-Match set to the same current version.
func (m *machine) raceGroup(st Step) {
	sl := m.groupSlot(st.Group)
	if len(st.Members) != 2 {
		panic(abortSignal{fmt.Errorf("step %d (%s) needs two members", len(m.steps), st.Op)})
	}
	ids := m.memberIDs(st.Members)
	cur := m.get("Group", sl.id)
	v := assertions.VersionOf(cur)
	if cur.Status != http.StatusOK {
		m.judge("seq-confirmed-read-back", fmt.Errorf("%w, before racing on it", assertions.Status(cur, 200)), cur)
		return
	}
	if v == "" {
		return // no version to race on: etag-header-present judges that, elsewhere
	}
	old, _ := m.dir.Group(sl.id)
	bodies := []any{fakeidp.PatchBody(m.dialect.AddMembers(ids[0])), fakeidp.PatchBody(m.dialect.AddMembers(ids[1]))}
	exs := m.race("Group", sl.id, v, bodies)
	winner, err := raceWinner(exs, v)
	m.judge("seq-concurrent-if-match", err, append([]*fakeidp.Exchange{cur}, exs...)...)
	if err != nil || winner < 0 {
		return
	}
	want := old
	want.Members = append(slices.Clone(old.Members), ids[winner])
	m.dir.PutGroup(want, safety.MetaOf(exs[winner]))
	m.markStale(sl.id)
	m.readGroup(sl.id, exs[winner], unclear, time.Time{}, []string{ids[winner]}, []string{ids[1-winner]})
}

// cleanup deletes what this sequence left, groups first, and only resources
// it created. Failures are left to the run's final cleanup.
func (m *machine) cleanup(ctx context.Context) {
	sess := m.sess.WithContext(ctx)
	for _, list := range []struct {
		typ   string
		slots []*slot
	}{{"Group", m.groups}, {"User", m.users}} {
		for _, s := range list.slots {
			if s == nil || !s.live || !m.env.Tracker.Owns(list.typ, s.id) {
				continue
			}
			ex, err := sess.Write(http.MethodDelete, list.typ, s.id, nil, nil)
			if err == nil && (safety.OK(ex) || ex.Status == http.StatusNotFound) {
				m.env.Tracker.Gone(list.typ, s.id)
				s.live = false
			}
		}
	}
}

// errAborted wraps the reason a sequence could not go on.
var errAborted = errors.New("the sequences could not go on")
