package safety

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
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
	// prefix, when set, is the run prefix every resource the run writes to
	// must carry: before the first write to an id, and before deleting it,
	// the resource is read and its name checked (see Confirm).
	prefix    string
	sweep     bool
	confirmed map[string]bool
	refused   map[string]bool // ids a create answered that turned out not to be ours
	client    *fakeidp.Client // verifies ids as they are added (see Bind)
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
func NewTracker(max int) *Tracker {
	return &Tracker{gone: map[string]bool{}, max: max, confirmed: map[string]bool{}, refused: map[string]bool{}}
}

// Bind gives a scoped tracker the client with which Add verifies each new id
// (reading the resource and checking its name carries the run prefix), so a
// foreign id is never adopted, whichever scenario adds it.
func (t *Tracker) Bind(c *fakeidp.Client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.client = c
}

// CheckWrite is the last gate before a scenario sends req: a write (any
// method but GET and HEAD) to /Users/{id} or /Groups/{id} must target a
// resource the run created and confirmed (or an id the harness made up,
// which starts with "scimloop-"), and no write may name, in its path or
// body, an id that turned out to be someone else's.
func (t *Tracker) CheckWrite(ctx context.Context, c *fakeidp.Client, req fakeidp.Request) error {
	if t == nil || req.Method == "" || req.Method == http.MethodGet || req.Method == http.MethodHead {
		return nil
	}
	if req.Method == http.MethodPost {
		// --max-resources holds for every way of creating, Bulk included.
		switch p, _, _ := strings.Cut(req.Path, "?"); p {
		case "/Users", "/Groups":
			if err := t.reserve(1); err != nil {
				return err
			}
		case "/Bulk":
			if err := t.reserve(bulkCreates(req.Body)); err != nil {
				return err
			}
		}
	}
	if typ, id, ok := resourcePath(req.Path); ok && !strings.HasPrefix(id, "scimloop-") {
		if err := t.Confirm(ctx, c, typ, id); err != nil {
			return err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for id := range t.refused {
		if strings.Contains(req.Path, id) || bytes.Contains(req.Body, []byte(id)) {
			return fmt.Errorf("it names %q, an id the server gave this run that belongs to a resource the run did not create", id)
		}
	}
	return nil
}

// Refuse records an id that is not the run's: no write may name it.
func (t *Tracker) Refuse(id string) {
	if id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.refused[id] = true
}

// resourcePath splits "/Users/{id}" or "/Groups/{id}" (query ignored).
func resourcePath(p string) (typ, id string, ok bool) {
	p, _, _ = strings.Cut(p, "?")
	rest, found := strings.CutPrefix(p, "/Users/")
	typ = "User"
	if !found {
		if rest, found = strings.CutPrefix(p, "/Groups/"); !found {
			return "", "", false
		}
		typ = "Group"
	}
	if rest == "" || rest == ".search" {
		return "", "", false
	}
	id, _, _ = strings.Cut(rest, "/")
	return typ, id, true
}

// Scope makes the tracker confirm, before the first write to a resource and
// before deleting it, that the resource carries the run prefix; with sweep,
// Cleanup also deletes whatever else carries the prefix (a create whose
// answer was lost, for instance), listing it with a "sw" filter.
func (t *Tracker) Scope(prefix string, sweep bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prefix, t.sweep = prefix, sweep
}

// Confirm makes sure the resource typ/id is this run's before the harness
// writes to it: it must have been created by the run and, when the tracker
// is scoped, read back with a name that carries the run prefix. A server that
// answered a create with another resource's id is caught here.
func (t *Tracker) Confirm(ctx context.Context, c *fakeidp.Client, typ, id string) error {
	if !t.Owns(typ, id) {
		return fmt.Errorf("%s %q was not created by this run", typ, id)
	}
	return t.verify(ctx, c, typ, id, true)
}

// Verify reads a resource the server just said it created and checks that
// it carries the run prefix, before the run adopts its id: a server that
// answers a create with another resource's id is caught before that id is
// used anywhere, even as a group member. A 404 leaves it unverified (the
// server may be eventually consistent); Confirm checks again before a write.
func (t *Tracker) Verify(ctx context.Context, c *fakeidp.Client, typ, id string) error {
	return t.verify(ctx, c, typ, id, false)
}

func (t *Tracker) verify(ctx context.Context, c *fakeidp.Client, typ, id string, goneOK bool) error {
	t.mu.Lock()
	prefix, done := t.prefix, t.confirmed[typ+"/"+id]
	t.mu.Unlock()
	if prefix == "" || done {
		return nil
	}
	if _, err := confirmOwned(ctx, c, typ, id, prefix); err != nil {
		if errors.Is(err, errGone) && !goneOK {
			return nil
		}
		if !errors.Is(err, errGone) {
			return err
		}
	}
	t.mu.Lock()
	t.confirmed[typ+"/"+id] = true
	t.mu.Unlock()
	return nil
}

// Reserve claims room for one more creation, before it is sent.
func (t *Tracker) Reserve() error { return t.reserve(1) }

// reserve checks there is room for n more creations.
func (t *Tracker) reserve(n int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.max > 0 && len(t.created)+n > t.max {
		return ErrTooManyResources
	}
	return nil
}

// bulkCreates counts the POST operations of a Bulk request body.
func bulkCreates(body []byte) int {
	n := 0
	for _, op := range fakeidp.Get(body, "Operations").Array() {
		if strings.EqualFold(fakeidp.Lookup(op, "method").String(), http.MethodPost) {
			n++
		}
	}
	return n
}

// Add records a resource the server confirmed creating.
func (t *Tracker) Add(typ, id, name string) {
	if !SafeID(id) {
		return
	}
	t.mu.Lock()
	c, check := t.client, t.prefix != "" && !t.confirmed[typ+"/"+id]
	t.mu.Unlock()
	if c != nil && check {
		ctx, cancel := context.WithTimeout(context.Background(), 2*c.Timeout())
		err := t.Verify(ctx, c, typ, id)
		cancel()
		if errors.Is(err, errNotOurs) {
			t.mu.Lock()
			t.refused[id] = true
			t.mu.Unlock()
			return
		}
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
// 404 counts as deleted. It returns what it could not delete. A scoped
// tracker confirms each resource before deleting it and then sweeps the
// prefix (see Scope).
func (t *Tracker) Cleanup(ctx context.Context, c *fakeidp.Client) []reports.Leftover {
	var left []reports.Leftover
	for _, r := range t.Live() {
		if err := t.Confirm(ctx, c, r.Type, r.ID); err != nil {
			left = append(left, reports.Leftover{Type: r.Type, ID: r.ID, Name: r.Name, Error: "not deleted: " + err.Error()})
			continue
		}
		ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodDelete, Path: Endpoint(r.Type) + "/" + r.ID, Retry: true})
		switch {
		case err != nil:
			left = append(left, reports.Leftover{Type: r.Type, ID: r.ID, Name: r.Name, Error: err.Error()})
		case ex.Status == http.StatusNoContent || ex.Status == http.StatusOK || ex.Status == http.StatusNotFound:
			t.Gone(r.Type, r.ID)
		default:
			left = append(left, reports.Leftover{Type: r.Type, ID: r.ID, Name: r.Name, Error: fmt.Sprintf("DELETE answered %d", ex.Status)})
		}
	}
	t.mu.Lock()
	prefix, sweep := t.prefix, t.sweep
	t.mu.Unlock()
	if sweep && prefix != "" && ctx.Err() == nil {
		rep := Sweep(ctx, c, prefix, SweepOptions{MaxPages: 10})
		for _, d := range rep.Deleted {
			t.Gone(d.Type, d.ID)
		}
		left = append(left, rep.Left...)
		for _, e := range rep.Errors {
			left = append(left, reports.Leftover{Type: "sweep", Error: "sweeping the run prefix: " + e})
		}
	}
	return left
}
