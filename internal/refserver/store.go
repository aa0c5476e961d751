package refserver

import (
	"crypto/rand"
	"fmt"
	"sort"
	"sync"
	"time"
)

// resource is one stored User or Group. A *resource is immutable once it is
// in the store: updates replace it with a new value (copy-on-write), so a
// reader that took a pointer under the read lock may keep using it.
type resource struct {
	id       string
	rt       *resourceType
	attrs    map[string]any // canonical attributes; extensions nested under their URN
	created  time.Time
	modified time.Time
	version  int64
	seq      uint64 // creation order, the stable default list order
}

func (r *resource) str(name string) string {
	s, _ := r.attrs[name].(string)
	return s
}

// memberIDs returns the member values of a group.
func memberIDs(attrs map[string]any) []string {
	arr, _ := attrs["members"].([]any)
	ids := make([]string, 0, len(arr))
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			if v, ok := m["value"].(string); ok {
				ids = append(ids, v)
			}
		}
	}
	return ids
}

// store is the in-memory database. All lookups that matter for an IdP are
// map based: by id, by (folded) userName, and member id -> group ids.
type store struct {
	mu             sync.RWMutex
	byID           map[string]*resource           // live users and groups
	order          map[*resourceType][]string     // ids in creation order, may hold deleted ids
	deadInOrd      map[*resourceType]int          // deleted ids still in order
	userNames      map[string][]string            // folded userName -> user ids
	memberOf       map[string]map[string]struct{} // member id -> group ids
	ghosts         map[string]*resource           // soft-deleted-still-listed fault
	reserved       map[string]struct{}            // deleted-username-reserved fault
	reservedEmails map[string]struct{}            // unique-emails: e-mails of deleted users
	lastInt        int64                          // integer-ids: the last id issued
	seq            uint64
	foldName       func(string) string // nil (exact) with the username-case-sensitive fault
	cache          liveCache           // live resources per type, dropped on every write
}

func newStore(foldName func(string) string) *store {
	return &store{
		byID:           map[string]*resource{},
		order:          map[*resourceType][]string{},
		deadInOrd:      map[*resourceType]int{},
		userNames:      map[string][]string{},
		memberOf:       map[string]map[string]struct{}{},
		ghosts:         map[string]*resource{},
		reserved:       map[string]struct{}{},
		reservedEmails: map[string]struct{}{},
		foldName:       foldName,
	}
}

func (st *store) nameKey(userName string) string {
	if st.foldName != nil {
		return st.foldName(userName)
	}
	return userName
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// usersNamed returns the live user ids whose userName matches (by index).
func (st *store) usersNamed(userName string) []string {
	return st.userNames[st.nameKey(userName)]
}

// userNameTaken reports whether another live user holds userName.
func (st *store) userNameTaken(userName, exceptID string) bool {
	for _, id := range st.usersNamed(userName) {
		if id != exceptID {
			return true
		}
	}
	_, reserved := st.reserved[st.nameKey(userName)]
	return reserved
}

// insert adds a new resource (write lock held).
func (st *store) insert(r *resource) {
	st.cache.drop()
	st.seq++
	r.seq = st.seq
	st.byID[r.id] = r
	st.order[r.rt] = append(st.order[r.rt], r.id)
	st.index(nil, r)
}

// update swaps old for r, which has the same id (write lock held).
func (st *store) update(old, r *resource) {
	st.cache.drop()
	r.seq = old.seq
	st.byID[r.id] = r
	st.index(old, r)
}

// remove deletes a resource and its index entries (write lock held).
func (st *store) remove(r *resource) {
	st.cache.drop()
	delete(st.byID, r.id)
	st.deadInOrd[r.rt]++
	st.index(r, nil)
	if n := st.deadInOrd[r.rt]; n > 64 && n > len(st.order[r.rt])/2 {
		st.compact(r.rt)
	}
}

func (st *store) compact(rt *resourceType) {
	ids := st.order[rt][:0:0]
	for _, id := range st.order[rt] {
		if r, ok := st.byID[id]; ok && r.rt == rt {
			ids = append(ids, id)
		} else if _, ghost := st.ghosts[id]; ghost {
			ids = append(ids, id)
		}
	}
	st.order[rt] = ids
	st.deadInOrd[rt] = 0
}

// index maintains the userName and membership indexes for a change from
// old to r (either may be nil).
func (st *store) index(old, r *resource) {
	if (old != nil && old.rt == defs.userRT) || (r != nil && r.rt == defs.userRT) {
		var oldName, newName string
		if old != nil {
			oldName = old.str("userName")
		}
		if r != nil {
			newName = r.str("userName")
		}
		if old == nil || r == nil || oldName != newName {
			if old != nil {
				k := st.nameKey(oldName)
				ids := st.userNames[k]
				for i, id := range ids {
					if id == old.id {
						ids = append(ids[:i:i], ids[i+1:]...)
						break
					}
				}
				if len(ids) == 0 {
					delete(st.userNames, k)
				} else {
					st.userNames[k] = ids
				}
			}
			if r != nil {
				k := st.nameKey(newName)
				st.userNames[k] = append(st.userNames[k], r.id)
			}
		}
	}
	if (old != nil && old.rt == defs.groupRT) || (r != nil && r.rt == defs.groupRT) {
		var before, after []string
		var gid string
		if old != nil {
			before, gid = memberIDs(old.attrs), old.id
		}
		if r != nil {
			after, gid = memberIDs(r.attrs), r.id
		}
		keep := make(map[string]struct{}, len(after))
		for _, id := range after {
			keep[id] = struct{}{}
		}
		for _, id := range before {
			if _, ok := keep[id]; !ok {
				if set := st.memberOf[id]; set != nil {
					delete(set, gid)
					if len(set) == 0 {
						delete(st.memberOf, id)
					}
				}
			}
		}
		for id := range keep {
			set := st.memberOf[id]
			if set == nil {
				set = map[string]struct{}{}
				st.memberOf[id] = set
			}
			set[gid] = struct{}{}
		}
	}
}

// groupsOf returns the groups a member belongs to, sorted by id.
func (st *store) groupsOf(memberID string) []*resource {
	set := st.memberOf[memberID]
	if len(set) == 0 {
		return nil
	}
	out := make([]*resource, 0, len(set))
	for gid := range set {
		if g, ok := st.byID[gid]; ok {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// all returns the live resources of a type in creation order, plus the
// soft-deleted ghosts when includeGhosts is set.
func (st *store) all(rt *resourceType, includeGhosts bool) []*resource {
	ids := st.order[rt]
	out := make([]*resource, 0, len(ids))
	for _, id := range ids {
		if r, ok := st.byID[id]; ok && r.rt == rt {
			out = append(out, r)
		} else if includeGhosts {
			if g, ok := st.ghosts[id]; ok && g.rt == rt {
				out = append(out, g)
			}
		}
	}
	return out
}

// get returns a live resource of the given type.
func (st *store) get(rt *resourceType, id string) (*resource, bool) {
	r, ok := st.byID[id]
	if !ok || r.rt != rt {
		return nil, false
	}
	return r, true
}
