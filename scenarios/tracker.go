package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// Tracker remembers every resource the run created, so that the harness only
// ever touches its own resources and can delete them all at the end. It is
// safe for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	created []Tracked
	gone    map[string]bool
	max     int
}

// Tracked is one resource the run created.
type Tracked struct {
	Type string // "User" or "Group"
	ID   string
	Name string
}

// ErrTooManyResources reports that the run reached its resource cap.
var ErrTooManyResources = fmt.Errorf("the run reached its cap on created resources (--max-resources)")

// NewTracker returns a tracker that allows at most max creations (0 = no cap).
func NewTracker(max int) *Tracker { return &Tracker{gone: map[string]bool{}, max: max} }

// Reserve claims room for one more creation, before it is sent.
func (t *Tracker) Reserve() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.max > 0 && len(t.created) >= t.max {
		return ErrTooManyResources
	}
	return nil
}

// Add records a resource the server confirmed creating.
func (t *Tracker) Add(typ, id, name string) {
	if id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.created {
		if r.ID == id && r.Type == typ {
			return
		}
	}
	t.created = append(t.created, Tracked{Type: typ, ID: id, Name: name})
}

// Owns reports whether the run created the resource with id.
func (t *Tracker) Owns(typ, id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.ContainsFunc(t.created, func(r Tracked) bool { return r.ID == id && r.Type == typ })
}

// Gone records that a resource was deleted (by the run, confirmed).
func (t *Tracker) Gone(typ, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gone[typ+"/"+id] = true
}

// Live returns the created resources not known to be deleted: groups first,
// so that deleting users afterwards leaves no dangling members.
func (t *Tracker) Live() []Tracked {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Tracked
	for _, r := range t.created {
		if !t.gone[r.Type+"/"+r.ID] {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Tracked) int {
		if a.Type == b.Type {
			return 0
		}
		if a.Type == "Group" {
			return -1
		}
		return 1
	})
	return out
}

// All returns every resource the run created.
func (t *Tracker) All() []Tracked {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.created)
}

// Cleanup deletes every live resource the run created, and only those. A
// 404 counts as deleted. It returns what it could not delete.
func (t *Tracker) Cleanup(ctx context.Context, c *fakeidp.Client) []reports.Leftover {
	var left []reports.Leftover
	for _, r := range t.Live() {
		ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodDelete, Path: endpoint(r.Type) + "/" + r.ID, Retry: true})
		switch {
		case err != nil:
			left = append(left, reports.Leftover{Type: r.Type, ID: r.ID, Name: r.Name, Error: err.Error()})
		case ex.Status == http.StatusNoContent || ex.Status == http.StatusOK || ex.Status == http.StatusNotFound:
			t.Gone(r.Type, r.ID)
		default:
			left = append(left, reports.Leftover{Type: r.Type, ID: r.ID, Name: r.Name, Error: fmt.Sprintf("DELETE answered %d", ex.Status)})
		}
	}
	return left
}

func endpoint(typ string) string {
	if typ == "Group" {
		return "/Groups"
	}
	return "/Users"
}
