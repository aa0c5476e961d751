package sequences

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// This file holds the provisioning-sequence machine: how one step is sent
// through the run's safety session, read back and judged against the IdP's
// model ([fakeidp.Directory]). The steps themselves are in user_steps.go and
// group_steps.go, the rapid plumbing in runner.go and actions.go,
// reconciliation in reconcile.go.

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
	judged      int      // findings already judged by the search (see runner.endStep)
	fatal       []string // the checks that failed the sequence for rapid (see Search.Fatal)
	tainted     bool     // a known failure was met: the model may differ from the server
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
	m.steps = append(m.steps, st)
	defer recoverInto(&err, fmt.Sprintf("step %d (%s)", len(m.steps), st.Op))
	m.env.Point("step " + st.Op)
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
