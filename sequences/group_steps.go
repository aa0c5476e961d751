package sequences

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

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
	m.noteMeta(metaKey("Group", g.ID), post, post)
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
	m.judgeMeta(metaKey("Group", id), write, get, ch, sentAt)
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
		if s := m.seen[metaKey("User", uid)]; s != nil {
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
	m.markStale(metaKeys("User", old.Members)...) // their groups[].display changed
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
	m.markStale(metaKey("Group", sl.id))
	m.readGroup(sl.id, exs[winner], unclear, time.Time{}, []string{ids[winner]}, []string{ids[1-winner]})
}
