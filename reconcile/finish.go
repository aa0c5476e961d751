package reconcile

import (
	"sort"
	"strings"
	"sync"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/reports"
)

// finishPending settles the groups whose membership waited: the member
// ids the walk had not seen are read by id (a user created during the
// walk, or a dangling id), then each group's members are compared.
func (e *engine) finishPending() {
	if len(e.pending) == 0 {
		return
	}
	seen := map[string]bool{}
	var ids []string
	for _, p := range e.pending {
		for _, id := range p.unknownIDs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	attrs := e.userAttrs()
	var mu sync.Mutex
	unread := map[string]bool{}
	parallel(e.cfg.Concurrency, ids, func(id string) {
		e.reread.Add(1)
		ex, err := e.rd.get("User", id, attrs)
		switch {
		case err == nil:
			e.onUser(gjson.ParseBytes(ex.RespBody), false)
		case !isNotFound(err):
			e.fail("reading member User %s: %v", id, err)
			mu.Lock()
			unread[id] = true
			mu.Unlock()
		}
	})
	for _, p := range e.pending {
		e.settle(p, unread)
	}
}

// settle compares a pending group's remaining members. A member id that
// could not be read (unread) is no finding, and while the group has one,
// no wanted member is called missing: it may be that one.
func (e *engine) settle(p pendingGroup, unread map[string]bool) {
	sg := &e.src.Groups[p.src]
	sr := &srvRes{id: p.id, etag: p.etag}
	e.mu.Lock()
	open := map[string]bool{}
	for _, k := range p.unresolved {
		open[k] = true
	}
	type drift struct {
		class       reports.DriftClass
		member, mid string
	}
	var out []drift
	blind := false
	for _, id := range p.unknownIDs {
		if unread[id] {
			blind = true
			continue
		}
		u := e.users.byID[id]
		if u == nil {
			out = append(out, drift{reports.DriftMembershipNotGranted, "(no such user)", id})
			continue
		}
		granted := false
		for k := range open {
			if e.resolve(e.users, e.src.userKeys, "userName", k) == u {
				delete(open, k)
				granted = true
				break
			}
		}
		if !granted {
			out = append(out, drift{reports.DriftMembershipNotGranted, e.keyOf(e.users, u), id})
		}
	}
	for k := range open {
		if !blind {
			out = append(out, drift{reports.DriftMissingMembership, k, ""})
		}
	}
	want := map[string]string{}
	var wantUnresolved []string
	for _, k := range sg.GroupMembers {
		if g := e.resolve(e.groups, e.src.grpKeys, "displayName", k); g != nil {
			want[g.id] = k
		} else {
			wantUnresolved = append(wantUnresolved, k)
		}
	}
	for _, id := range p.serverGroups {
		if _, ok := want[id]; ok {
			delete(want, id)
			continue
		}
		name := "(no such group)"
		if g := e.groups.byID[id]; g != nil {
			name = e.keyOf(e.groups, g)
		}
		out = append(out, drift{reports.DriftMembershipNotGranted, name, id})
	}
	for id, k := range want {
		out = append(out, drift{reports.DriftMissingMembership, k, id})
	}
	e.mu.Unlock()
	for _, k := range wantUnresolved {
		out = append(out, drift{reports.DriftMissingMembership, k, ""})
	}
	for _, d := range out {
		e.memberDrift(d.class, sg, sr, d.member, d.mid)
	}
}

// finish reports what only the whole walk tells: missing resources,
// duplicates, and extras in scope. A side whose walk or re-reads failed
// (unread) cannot tell missing from unread: what it did not find is
// counted as not found, not reported (nor planned) as missing.
func (e *engine) finish(usersUnread, groupsUnread bool) {
	if e.ctx.Err() != nil {
		return // an interrupted walk cannot tell missing from unread
	}
	e.finishSide(e.users, usersUnread)
	e.finishSide(e.groups, groupsUnread)
}

func (e *engine) finishSide(sd *side, unread bool) {
	notFound := 0
	for i, f := range sd.first {
		key := e.sourceKeyOnly(sd, i)
		if f == nil && unread {
			notFound++
			continue
		}
		if f == nil {
			e.add(reports.Drift{Class: reports.DriftMissing, Type: sd.typ, Key: key})
			if e.plan != nil {
				e.plan.create(sd.typ, i, e.createBody(sd, i))
			}
			continue
		}
		if dups := sd.dups[int32(i)]; len(dups) > 0 {
			ids := append([]string{f.id}, dups...)
			e.add(reports.Drift{Class: reports.DriftDuplicate, Type: sd.typ, Key: key, ID: f.id, IDs: ids})
			if e.plan != nil {
				for _, id := range dups {
					e.plan.remove(sd.typ, id, "")
				}
			}
		}
	}
	if notFound > 0 {
		e.fail("%d source %ss were not found, but reading the %ss failed: none is called missing", notFound, sd.typ, sd.typ)
	}
	if e.cfg.Scope == ScopeSource {
		return
	}
	extras := make([]*srvRes, 0)
	for _, r := range sd.byID {
		if r.src < 0 && r.inScope {
			extras = append(extras, r)
		}
	}
	sort.Slice(extras, func(a, b int) bool { return extras[a].id < extras[b].id })
	for _, r := range extras {
		class := reports.DriftExtra
		if sd.typ == "User" && r.active {
			class = reports.DriftAccessLingers
		}
		e.add(reports.Drift{Class: class, Type: sd.typ, Key: e.keyOf(sd, r), ID: r.id})
		if e.plan != nil {
			e.plan.remove(sd.typ, r.id, r.etag)
		}
	}
}

func (e *engine) sourceKeyOnly(sd *side, i int) string {
	_, k := e.sourceKey(sd, i)
	return k
}

// createBody is the POST body for a missing source resource: its source
// attributes, and for a group its members, each by server id or by a
// reference to the plan step that creates it.
func (e *engine) createBody(sd *side, i int) []byte {
	if sd.typ == "User" {
		return e.src.Users[i].Raw
	}
	g := e.src.Groups[i]
	var members []string
	for _, k := range g.Members {
		if u := e.resolve(e.users, e.src.userKeys, "userName", k); u != nil {
			members = append(members, `{"value":`+quoteJSON(u.id)+`}`)
		} else if j, ok := lookupKey(e.src.userKeys, "userName", k); ok {
			members = append(members, `{"value":`+quoteJSON(userRef(j))+`}`)
		}
	}
	for _, k := range g.GroupMembers {
		if r := e.resolve(e.groups, e.src.grpKeys, "displayName", k); r != nil {
			members = append(members, `{"value":`+quoteJSON(r.id)+`,"type":"Group"}`)
		}
	}
	raw := strings.TrimSpace(string(g.Raw))
	if len(members) == 0 || !strings.HasSuffix(raw, "}") {
		return g.Raw
	}
	sep := ","
	if raw == "{}" {
		sep = ""
	}
	return []byte(raw[:len(raw)-1] + sep + `"members":[` + strings.Join(members, ",") + `]}`)
}
