package refserver

import (
	"fmt"
	"math/rand/v2"
)

// Preload fills a server with generated users and groups for demos and
// benchmarks (scimloop serve --preload-users …). The same Seed gives the
// same users, groups and memberships (ids aside), so an export of one
// server is a valid source for another preloaded alike.
type Preload struct {
	Users           int
	Groups          int
	MembersPerGroup int
	Seed            int64
	// Drift, when above zero, perturbs the preloaded state afterwards, Drift
	// times in each way a reconcile reports (see [Server.Preload]).
	Drift int
}

// PreloadUserName is the userName of the i-th preloaded user; its
// externalId is "ext-" and the same number.
func PreloadUserName(i int) string { return fmt.Sprintf("user%07d@example.test", i) }

// Preload stores p's users and groups directly (no HTTP, one lock), fast
// enough for 100k users and 1M memberships. Every tenth user is inactive.
// With Drift n it then: flips active on the first n users; adds n active
// users no source has; deletes the last n users; gives n users a changed
// displayName; adds a user sharing the externalId of n users; drops one
// member from each of the first n groups and adds a non-member to each of
// the next n.
func (s *Server) Preload(p Preload) error {
	if p.Users < 0 || p.Groups < 0 || p.MembersPerGroup < 0 || p.Drift < 0 {
		return fmt.Errorf("preload: counts must not be negative")
	}
	if p.Groups > 0 && p.MembersPerGroup > p.Users {
		return fmt.Errorf("preload: %d members per group, but only %d users", p.MembersPerGroup, p.Users)
	}
	rng := rand.New(rand.NewPCG(uint64(p.Seed), 0x5c1a))
	s.st.mu.Lock()
	now := s.now()
	ids := make([]string, p.Users)
	for i := range p.Users {
		ids[i] = s.preloadUser(i, fmt.Sprintf("ext-%07d", i), PreloadUserName(i), i%10 != 9)
	}
	groups := make([]*resource, p.Groups)
	for g := range p.Groups {
		members := make([]any, 0, p.MembersPerGroup)
		for _, k := range sample(rng, p.Users, p.MembersPerGroup) {
			members = append(members, map[string]any{"value": ids[k], "type": "User"})
		}
		attrs := map[string]any{"displayName": fmt.Sprintf("group-%05d", g), "externalId": fmt.Sprintf("gext-%05d", g)}
		if len(members) > 0 {
			attrs["members"] = members
		}
		groups[g] = &resource{id: s.newID(), rt: defs.groupRT, attrs: attrs, created: now, modified: now, version: 1}
		s.st.insert(groups[g])
	}
	var gone []string
	if p.Drift > 0 {
		gone = s.preloadDrift(p.Drift, ids, groups)
	}
	s.st.mu.Unlock()
	for _, id := range gone {
		if err := s.delete(defs.userRT, id, ""); err != nil {
			return fmt.Errorf("preload: deleting user %s: %v", id, err)
		}
	}
	return nil
}

func (s *Server) preloadUser(i int, ext, userName string, active bool) string {
	now := s.now()
	res := &resource{id: s.newID(), rt: defs.userRT, created: now, modified: now, version: 1, attrs: map[string]any{
		"userName":    userName,
		"externalId":  ext,
		"active":      active,
		"displayName": fmt.Sprintf("User %d", i),
		"name":        map[string]any{"givenName": "Given", "familyName": fmt.Sprintf("Family%d", i)},
		"emails":      []any{map[string]any{"value": userName, "type": "work", "primary": true}},
	}}
	s.st.insert(res)
	return res.id
}

// preloadDrift perturbs the preloaded state (store lock held) and returns
// the users to delete once the lock is released.
func (s *Server) preloadDrift(n int, ids []string, groups []*resource) []string {
	change := func(id string, edit func(map[string]any)) {
		old := s.st.byID[id]
		attrs := copyMap(old.attrs)
		edit(attrs)
		s.st.update(old, &resource{id: id, rt: old.rt, attrs: attrs, created: old.created, modified: s.now(), version: old.version + 1})
	}
	for i := 0; i < n && i < len(ids); i++ {
		change(ids[i], func(a map[string]any) { a["active"] = a["active"] != true })
	}
	for i := range n {
		s.preloadUser(len(ids)+i, fmt.Sprintf("extra-%d", i), fmt.Sprintf("extra%d@example.test", i), true)
	}
	for i := n; i < 2*n && i < len(ids); i++ {
		change(ids[i], func(a map[string]any) { a["displayName"] = "Drifted " + a["displayName"].(string) })
	}
	for i := 2 * n; i < 3*n && i < len(ids); i++ {
		s.preloadUser(i, fmt.Sprintf("ext-%07d", i), fmt.Sprintf("dup%07d@example.test", i), true)
	}
	for g := 0; g < n && g < len(groups); g++ {
		change(groups[g].id, func(a map[string]any) {
			if ms, _ := a["members"].([]any); len(ms) > 0 {
				a["members"] = append([]any(nil), ms[1:]...)
			}
		})
	}
	for g := n; g < 2*n && g < len(groups) && len(ids) > 0; g++ {
		extra := ids[len(ids)-1-n] // a user that stays
		change(groups[g].id, func(a map[string]any) {
			ms, _ := a["members"].([]any)
			for _, m := range ms {
				if m.(map[string]any)["value"] == extra {
					return
				}
			}
			a["members"] = append(append([]any(nil), ms...), map[string]any{"value": extra, "type": "User"})
		})
	}
	var gone []string
	for i := max(len(ids)-n, 3*n); i < len(ids); i++ {
		gone = append(gone, ids[i])
	}
	return gone
}

// sample draws k distinct numbers below n (Floyd's algorithm: k steps,
// whatever n is).
func sample(rng *rand.Rand, n, k int) []int {
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for j := n - k; j < n; j++ {
		t := rng.IntN(j + 1)
		if seen[t] {
			t = j
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}
