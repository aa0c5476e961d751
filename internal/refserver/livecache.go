package refserver

import "sync"

// liveCache keeps, per resource type, the live resources in creation
// order, so that an unfiltered page of a large store costs the page, not
// the store (a reconcile walk of 100k users reads 500 such pages). Any
// write drops it; the lists are shared and never changed in place.
type liveCache struct {
	mu    sync.Mutex
	lists map[*resourceType][]*resource
}

func (c *liveCache) drop() {
	c.mu.Lock()
	c.lists = nil
	c.mu.Unlock()
}

// live returns the live resources of rt in creation order (read lock
// held). Callers must not change the slice.
func (st *store) live(rt *resourceType) []*resource {
	st.cache.mu.Lock()
	defer st.cache.mu.Unlock()
	if l, ok := st.cache.lists[rt]; ok {
		return l
	}
	l := st.all(rt, false)
	if st.cache.lists == nil {
		st.cache.lists = map[*resourceType][]*resource{}
	}
	st.cache.lists[rt] = l
	return l
}
