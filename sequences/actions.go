package sequences

import (
	"fmt"
	"slices"
	"strings"

	"pgregory.net/rapid"

	"github.com/scimloop/scimloop/fakeidp"
)

// actions is the rapid state machine of one sequence (rapid's StateMachine
// style): each exported method is an action that draws a step fitting the
// current state, or skips when none can apply, and runs it on the machine.
type actions struct {
	m  *machine
	r  *runner
	sp *fakeidp.ServiceProvider
}

// patchActions need PATCH; raceActions need PATCH and ETags.
var (
	patchActions = []string{"PatchUser", "DeactivateUser", "ReactivateUser", "RenameGroup", "AddMembers", "RemoveMembers"}
	raceActions  = []string{"RaceUser", "RaceGroup"}
)

// actionsFor returns the actions of m that the server's capabilities allow,
// each doing nothing once the run is idle (aborted, cancelled, out of time).
func actionsFor(m *machine, r *runner) map[string]func(*rapid.T) {
	a := &actions{m: m, r: r, sp: m.env.SP}
	acts := rapid.StateMachineActions(a)
	if !a.sp.ETag || !a.sp.Patch {
		for _, k := range raceActions {
			delete(acts, k)
		}
	}
	if !a.sp.Patch {
		for _, k := range patchActions {
			delete(acts, k)
		}
	}
	for k, f := range acts {
		if k == "" {
			continue
		}
		acts[k] = func(t *rapid.T) {
			if !r.idle() {
				f(t)
			}
		}
	}
	return acts
}

// Check is run after every action; every step judges itself, so there is
// no invariant left to check here.
func (a *actions) Check(*rapid.T) {}

// exec runs one generated step inside a rapid action.
func (a *actions) exec(t *rapid.T, st Step) {
	m := a.m
	t.Logf("step %d: %s", len(m.steps)+1, st)
	if err := m.apply(st); err != nil {
		a.r.fail(err)
		return
	}
	a.r.endStep(t, m)
}

func (a *actions) liveUser(t *rapid.T) int {
	l := a.m.live(a.m.users)
	if len(l) == 0 {
		t.Skip("no live user")
	}
	return rapid.SampledFrom(l).Draw(t, "user")
}

func (a *actions) liveGroup(t *rapid.T) int {
	l := a.m.live(a.m.groups)
	if len(l) == 0 {
		t.Skip("no live group")
	}
	return rapid.SampledFrom(l).Draw(t, "group")
}

func (a *actions) someUsers(t *rapid.T, min int) []int {
	l := a.m.live(a.m.users)
	if len(l) < min {
		t.Skip("too few live users")
	}
	return rapid.SliceOfNDistinct(rapid.SampledFrom(l), min, min+2, rapid.ID[int]).Draw(t, "members")
}

func (a *actions) CreateUser(t *rapid.T) {
	m := a.m
	if len(m.live(m.users)) >= maxLiveUsers {
		t.Skip("enough users")
	}
	n := len(m.users) + 1
	spec := userGen(fmt.Sprintf("u%d-%s", n, userNameGen.Draw(t, "userName")), a.sp.Enterprise).Draw(t, "user")
	a.exec(t, Step{Op: OpCreateUser, User: n, Spec: &spec})
}

func (a *actions) PutUser(t *rapid.T) {
	u := a.liveUser(t)
	old, _ := a.m.dir.User(a.m.users[u-1].id)
	spec := userGen(strings.TrimPrefix(old.UserName, a.m.names.prefix), a.sp.Enterprise).Draw(t, "user")
	a.exec(t, Step{Op: OpPutUser, User: u, Spec: &spec})
}

func (a *actions) PatchUser(t *rapid.T) {
	u := a.liveUser(t)
	old, _ := a.m.dir.User(a.m.users[u-1].id)
	a.exec(t, Step{Op: OpPatchUser, User: u, Changes: changesGen(old, a.sp.Enterprise).Draw(t, "changes")})
}

func (a *actions) DeactivateUser(t *rapid.T) { a.exec(t, Step{Op: OpDeactivate, User: a.liveUser(t)}) }
func (a *actions) ReactivateUser(t *rapid.T) { a.exec(t, Step{Op: OpReactivate, User: a.liveUser(t)}) }
func (a *actions) DeleteUser(t *rapid.T)     { a.exec(t, Step{Op: OpDeleteUser, User: a.liveUser(t)}) }

func (a *actions) RecreateUser(t *rapid.T) {
	m := a.m
	var dead []int
	for i, s := range m.users {
		if s != nil && !s.live && s.id != "" && !m.nameTaken(s.name) {
			dead = append(dead, i+1)
		}
	}
	if len(dead) == 0 || len(m.live(m.users)) >= maxLiveUsers {
		t.Skip("no deleted user to re-create")
	}
	from := rapid.SampledFrom(dead).Draw(t, "deletedUser")
	n := len(m.users) + 1
	spec := userGen(strings.TrimPrefix(m.users[from-1].name, m.names.prefix), a.sp.Enterprise).Draw(t, "user")
	a.exec(t, Step{Op: OpRecreateUser, User: n, Spec: &spec})
}

func (a *actions) PatchUserFailingOp(t *rapid.T) {
	if !a.sp.Patch {
		t.Skip("no PATCH")
	}
	a.exec(t, Step{Op: OpPatchAtomic, User: a.liveUser(t)})
}

func (a *actions) CreateGroup(t *rapid.T) {
	m := a.m
	if len(m.live(m.groups)) >= maxLiveGroups {
		t.Skip("enough groups")
	}
	n := len(m.groups) + 1
	var members []int
	if l := m.live(m.users); len(l) > 0 {
		// Groups with several members are where membership bugs show.
		n := rapid.IntRange(0, len(l)).Draw(t, "memberCount")
		members = rapid.Permutation(l).Draw(t, "members")[:n]
	}
	name := fmt.Sprintf("g%d-%s", n, groupNameGen.Draw(t, "groupName"))
	a.exec(t, Step{Op: OpCreateGroup, Group: n, Members: members, Name: name})
}

func (a *actions) RenameGroup(t *rapid.T) {
	g := a.liveGroup(t)
	a.exec(t, Step{Op: OpRenameGroup, Group: g, Name: fmt.Sprintf("g%d-%s", g, groupNameGen.Draw(t, "groupName"))})
}

func (a *actions) AddMembers(t *rapid.T) {
	g := a.liveGroup(t)
	a.exec(t, Step{Op: OpAddMembers, Group: g, Members: a.someUsers(t, 1)})
}

func (a *actions) RemoveMembers(t *rapid.T) {
	m := a.m
	g := a.liveGroup(t)
	grp, _ := m.dir.Group(m.groups[g-1].id)
	var slots []int
	for _, id := range grp.Members {
		for i, s := range m.users {
			if s != nil && s.id == id {
				slots = append(slots, i+1)
			}
		}
	}
	if len(slots) == 0 {
		t.Skip("no member to remove")
	}
	slices.Sort(slots)
	members := rapid.SliceOfNDistinct(rapid.SampledFrom(slots), 1, min(2, len(slots)), rapid.ID[int]).Draw(t, "members")
	a.exec(t, Step{Op: OpRemoveMembers, Group: g, Members: members})
}

func (a *actions) DeleteGroup(t *rapid.T) { a.exec(t, Step{Op: OpDeleteGroup, Group: a.liveGroup(t)}) }

func (a *actions) RaceUser(t *rapid.T) {
	u := a.liveUser(t)
	cur, _ := a.m.dir.User(a.m.users[u-1].id)
	x := textGen(24).Draw(t, "workerA")
	y := textGen(24).Draw(t, "workerB")
	// Each worker makes a real change: a no-op would leave the version, and
	// then both would rightly succeed.
	if x == cur.DisplayName {
		x += " (A)"
	}
	if y == x || y == cur.DisplayName {
		y += " (B)"
	}
	a.exec(t, Step{Op: OpRaceUser, User: u, Values: []string{x, y}})
}

func (a *actions) RaceGroup(t *rapid.T) {
	m := a.m
	g := a.liveGroup(t)
	grp, _ := m.dir.Group(m.groups[g-1].id)
	var outside []int
	for _, n := range m.live(m.users) {
		if !slices.Contains(grp.Members, m.users[n-1].id) {
			outside = append(outside, n)
		}
	}
	if len(outside) < 2 {
		t.Skip("fewer than two users outside the group")
	}
	pair := rapid.SliceOfNDistinct(rapid.SampledFrom(outside), 2, 2, rapid.ID[int]).Draw(t, "racingMembers")
	a.exec(t, Step{Op: OpRaceGroup, Group: g, Members: pair})
}

func (m *machine) live(list []*slot) []int {
	var out []int
	for i, s := range list {
		if s != nil && s.live {
			out = append(out, i+1)
		}
	}
	return out
}

// reusable reports whether userName belonged to a user this sequence deleted
// and no live user holds it now: the precondition of a re-create.
func (m *machine) reusable(userName string) bool {
	if m.nameTaken(userName) {
		return false
	}
	for _, s := range m.users {
		if s != nil && !s.live && strings.EqualFold(s.name, userName) {
			return true
		}
	}
	return false
}

// nameTaken reports whether a live user of the sequence holds userName.
func (m *machine) nameTaken(userName string) bool {
	for _, s := range m.users {
		if s != nil && s.live && strings.EqualFold(s.name, userName) {
			return true
		}
	}
	return false
}
