package sequences

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// maxReconcilePages bounds paging through a listing, so that a server that
// never stops paging cannot hold the run.
const maxReconcilePages = 50

// reconcile compares the whole final state of a sequence with the model:
// every resource under the sequence's prefix is listed (filter sw when the
// server supports filtering, else read by the ids the sequence recorded),
// and missing, extra, drifted and membership differences are judged.
func (m *machine) reconcile() {
	m.reconciling = true
	defer func() { m.reconciling = false }()
	model := assertions.Reconciled{Users: map[string]fakeidp.User{}, Groups: map[string]fakeidp.Group{}}
	for _, id := range m.dir.UserIDs() {
		u, _ := m.dir.User(id)
		u.ID = ""
		model.Users[id] = m.declaredUser(u)
	}
	for _, id := range m.dir.GroupIDs() {
		g, _ := m.dir.Group(id)
		g.ID = ""
		model.Groups[id] = g
	}
	server := assertions.Reconciled{Users: map[string]fakeidp.User{}, Groups: map[string]fakeidp.Group{}}
	userGroups := map[string][]string{}
	exposesGroups := m.env.SP.Declares("User", "groups")
	var evidence []*fakeidp.Exchange

	users, uxs := m.listOwn("User", "userName")
	groups, gxs := m.listOwn("Group", "displayName")
	evidence = append(append(evidence, uxs...), gxs...)
	for id, body := range users {
		u := assertions.UserView(body)
		u.ID = ""
		server.Users[id] = m.declaredUser(u)
		if exposesGroups {
			userGroups[id] = assertions.GroupIDsOfUser(body)
		}
	}
	for id, body := range groups {
		g := assertions.GroupView(body)
		g.ID = ""
		server.Groups[id] = g
	}
	if !exposesGroups {
		userGroups = nil
	}
	r := assertions.Reconcile(model, server, userGroups)
	ev := evidence
	if len(ev) > 4 {
		ev = ev[:4]
	}
	m.judge("seq-reconcile-missing", asErr(r.Missing), ev...)
	m.judge("seq-reconcile-extra", asErr(r.Extra), ev...)
	m.judge("seq-reconcile-attributes", asErr(r.Attributes), ev...)
	m.judge("seq-membership-drift", asErr(r.Membership), ev...)

	mc := m.dir.Counts()
	for k, v := range mc {
		m.modelCounts[k] += v
	}
	members := 0
	for _, g := range server.Groups {
		members += len(g.Members)
	}
	m.serverCounts["users"] += len(server.Users)
	m.serverCounts["groups"] += len(server.Groups)
	m.serverCounts["memberships"] += members
}

func asErr(msg string) error {
	if msg == "" {
		return nil
	}
	return errors.New(msg)
}

// listOwn returns the bodies of the resources of type typ that carry the
// sequence's prefix, by id. With filter support it pages through
// `attr sw "<prefix>"`; otherwise it reads every id the sequence recorded.
// Only resources whose name carries the prefix are kept, so that a server
// that ignores the filter cannot make other resources look like ours.
func (m *machine) listOwn(typ, attr string) (map[string][]byte, []*fakeidp.Exchange) {
	out := map[string][]byte{}
	var exs []*fakeidp.Exchange
	if !m.env.SP.Filter {
		slots := m.users
		if typ == "Group" {
			slots = m.groups
		}
		for _, s := range slots {
			if s == nil || s.id == "" {
				continue
			}
			ex := m.get(typ, s.id)
			if ex.Status == http.StatusOK {
				out[s.id] = ex.RespBody
				exs = append(exs, ex)
			}
		}
		return out, exs
	}
	filter := attr + ` sw "` + m.names.prefix + `"`
	start := 1
	for page := 0; page < maxReconcilePages; page++ {
		q := url.Values{"filter": {filter}, "startIndex": {fmt.Sprint(start)}, "count": {"100"}}
		ex := m.must(m.sess.Query(typ, q))
		exs = append(exs, ex)
		if ex.Status != http.StatusOK {
			m.judge("seq-reconcile-missing", fmt.Errorf("%w, listing %s with filter %s", assertions.Status(ex, 200), safety.Endpoint(typ), filter), ex)
			return out, exs
		}
		res := fakeidp.Get(ex.RespBody, "Resources").Array()
		for _, r := range res {
			name := fakeidp.Lookup(r, attr).String()
			if !strings.HasPrefix(strings.ToLower(name), strings.ToLower(m.names.prefix)) {
				continue
			}
			out[fakeidp.Lookup(r, "id").String()] = []byte(r.Raw)
		}
		total := int(fakeidp.Get(ex.RespBody, "totalResults").Int())
		start += len(res)
		if len(res) == 0 || start > total {
			break
		}
	}
	return out, exs
}
