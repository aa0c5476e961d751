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
// `attr sw "<prefix>"`; a server may decline sw (400 invalidFilter, RFC 7644
// §3.4.2.2 and Table 9), and then each name the sequence used is listed
// with eq, which still finds a resource deleted by id yet listed. Without
// filter support it reads every id the sequence recorded. Only resources
// whose name carries the prefix are kept, so that a server that ignores the
// filter cannot make other resources look like ours.
func (m *machine) listOwn(typ, attr string) (map[string][]byte, []*fakeidp.Exchange) {
	out := map[string][]byte{}
	if !m.env.SP.Filter {
		return m.readRecorded(typ, out)
	}
	filter := attr + ` sw "` + m.names.prefix + `"`
	exs, declined := m.listFiltered(typ, attr, filter, out)
	if !declined {
		return out, exs
	}
	for _, s := range m.slots(typ) {
		if s == nil || s.name == "" {
			continue
		}
		more, declined := m.listFiltered(typ, attr, attr+" eq "+filterString(s.name), out)
		exs = append(exs, more...)
		if declined && s.id != "" {
			ex := m.get(typ, s.id)
			if ex.Status == http.StatusOK {
				out[s.id] = ex.RespBody
				exs = append(exs, ex)
			}
		}
	}
	return out, exs
}

// slots returns the sequence's slots of typ.
func (m *machine) slots(typ string) []*slot {
	if typ == "Group" {
		return m.groups
	}
	return m.users
}

// readRecorded reads every id the sequence recorded into out.
func (m *machine) readRecorded(typ string, out map[string][]byte) (map[string][]byte, []*fakeidp.Exchange) {
	var exs []*fakeidp.Exchange
	for _, s := range m.slots(typ) {
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

// listFiltered pages through filter, the way the server prefers (by cursor
// when it offers no index paging, safety.PagesByCursor), and adds the
// resources whose name carries the prefix to out. declined reports a 400
// invalidFilter (or 501): the server does not support this filter, which
// is no finding. Any other answer than 200 is one.
func (m *machine) listFiltered(typ, attr, filter string, out map[string][]byte) (exs []*fakeidp.Exchange, declined bool) {
	opt := safety.WalkOptions{ByCursor: safety.PagesByCursor(m.env.SP), PageSize: 100, MaxPages: maxReconcilePages}
	fetch := func(q url.Values) (*fakeidp.Exchange, error) {
		ex := m.must(m.sess.Query(typ, q))
		exs = append(exs, ex)
		return ex, nil
	}
	end, _ := safety.WalkList(url.Values{"filter": {filter}}, opt, fetch, func(ex *fakeidp.Exchange) bool {
		for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
			name := fakeidp.Lookup(r, attr).String()
			if strings.HasPrefix(strings.ToLower(name), strings.ToLower(m.names.prefix)) {
				out[fakeidp.Lookup(r, "id").String()] = []byte(r.Raw)
			}
		}
		return true
	})
	ex := end.Last
	if ex.Status == http.StatusNotImplemented ||
		(ex.Status == http.StatusBadRequest && strings.EqualFold(fakeidp.Get(ex.RespBody, "scimType").String(), "invalidFilter")) {
		return exs, true
	}
	if ex.Status != http.StatusOK {
		m.judge("seq-reconcile-missing", fmt.Errorf("%w, listing %s with filter %s", assertions.Status(ex, 200), safety.Endpoint(typ), filter), ex)
	}
	return exs, false
}

// filterString renders s as a filter's quoted string value.
func filterString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
