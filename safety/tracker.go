package safety

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/tidwall/gjson"

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
	cursors   bool // the sweep pages by RFC 9865 cursor (see PageByCursor)
	confirmed map[string]bool
	refused   map[string]bool    // ids a create answered that turned out not to be ours
	client    *fakeidp.Client    // verifies ids as they are added (see Bind)
	unfound   []reports.Leftover // creates whose resource can be found neither by id nor by name
}

// Tracked is one resource the run created.
type Tracked struct {
	Type string // "User" or "Group"
	ID   string
	Name string // the name the run sent to create it; "" when it sent none
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
			if err := t.reserve(len(bulkCreates(req.Body))); err != nil {
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
	if len(t.refused) == 0 {
		return nil
	}
	for _, v := range namedValues(req) {
		if t.refused[v] {
			return fmt.Errorf("it names %q, an id the server gave this run that belongs to a resource the run did not create", v)
		}
	}
	return nil
}

// namedValues returns what a request names that could be an id: each
// segment of its path, and each string value in its JSON body, with the
// path segments and quoted literals in it (ids are strings: a count of 1
// names no id "1"). An
// id is compared with these exactly, never as a substring: with ids 1, 2,
// 3…, id "3" is not in "/Users/13" nor in "user-3".
func namedValues(req fakeidp.Request) []string {
	p, _, _ := strings.Cut(req.Path, "?")
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
		if seg != "" {
			out = append(out, seg)
		}
	}
	if fakeidp.IsJSON(req.Body) {
		var walk func(v gjson.Result)
		walk = func(v gjson.Result) {
			switch {
			case v.IsObject() || v.IsArray():
				v.ForEach(func(_, e gjson.Result) bool { walk(e); return true })
			case v.Type == gjson.String:
				out = append(out, idsIn(v.Str)...)
			}
		}
		walk(gjson.ParseBytes(req.Body))
	}
	return out
}

// idsIn returns the whole string value v and the tokens in it that may
// name a resource exactly: the segments of a path or URL ("/Users/3" in a
// Bulk operation, a $ref), and the quoted literals of a filter
// (members[value eq "3"]).
func idsIn(v string) []string {
	out := []string{v}
	if strings.Contains(v, "/") {
		for _, seg := range strings.Split(v, "/") {
			if seg != "" && seg != v {
				out = append(out, seg)
			}
		}
	}
	for _, m := range quoted.FindAllStringSubmatch(v, -1) {
		out = append(out, m[1])
	}
	return out
}

// quoted matches a double-quoted literal inside a filter.
var quoted = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)

// IsRefused reports whether id was answered to a create of the run but
// belongs to a resource the run did not create.
func (t *Tracker) IsRefused(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refused[id]
}

// Unfound records a create whose resource the run cannot find: the server
// gave no id or Location, and the run sent no name to look it up by.
func (t *Tracker) Unfound(l reports.Leftover) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.unfound = append(t.unfound, l)
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

// PageByCursor makes the cleanup sweep page with RFC 9865 cursors, for a
// server that prefers them ([PagesByCursor]); the other method stays its
// fallback.
func (t *Tracker) PageByCursor(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cursors = on
}

// Confirm makes sure the resource typ/id is this run's before the harness
// writes to it: it must have been created by the run and, when the tracker
// is scoped, read back with a name that carries the run prefix. A server that
// answered a create with another resource's id is caught here.
func (t *Tracker) Confirm(ctx context.Context, c *fakeidp.Client, typ, id string) error {
	r, ok := t.tracked(typ, id)
	if !ok {
		return fmt.Errorf("%s %q was not created by this run", typ, id)
	}
	return t.verify(ctx, c, typ, id, r.Name, true)
}

// tracked returns the record of typ/id, if the run created it.
func (t *Tracker) tracked(typ, id string) (Tracked, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.IndexFunc(t.created, func(r Tracked) bool { return r.ID == id && r.Type == typ })
	if i < 0 {
		return Tracked{}, false
	}
	return t.created[i], true
}

// Verify reads a resource the server just said it created from a request
// that sent the name sent ("" for none), and checks that it is the run's:
// its name carries the run prefix or is the name sent. A server that answers
// a create with another resource's id is caught before that id is used
// anywhere, even as a group member. A 404 leaves it unverified (the server
// may be eventually consistent); Confirm checks again before a write.
func (t *Tracker) Verify(ctx context.Context, c *fakeidp.Client, typ, id, sent string) error {
	return t.verify(ctx, c, typ, id, sent, false)
}

func (t *Tracker) verify(ctx context.Context, c *fakeidp.Client, typ, id, sent string, goneOK bool) error {
	t.mu.Lock()
	prefix, done := t.prefix, t.confirmed[typ+"/"+id]
	t.mu.Unlock()
	if prefix == "" || done {
		return nil
	}
	if _, err := confirmOwned(ctx, c, typ, id, prefix, &sent); err != nil {
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

// Add records a resource the server said it created for a request that
// sent name ("" when it sent none). A scoped, bound tracker reads it first
// and refuses, for good, an id whose resource is not the run's.
func (t *Tracker) Add(typ, id, name string) {
	if !SafeID(id) {
		return
	}
	t.mu.Lock()
	c, check := t.client, t.prefix != "" && !t.confirmed[typ+"/"+id]
	t.mu.Unlock()
	if c != nil && check {
		ctx, cancel := context.WithTimeout(context.Background(), 2*c.Timeout())
		err := t.Verify(ctx, c, typ, id, name)
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
			left = append(left, leftover(r, "not deleted: "+err.Error()))
			continue
		}
		ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodDelete, Path: Endpoint(r.Type) + "/" + r.ID, Retry: true})
		switch {
		case err != nil:
			left = append(left, leftover(r, err.Error()))
		case ex.Status == http.StatusNoContent || ex.Status == http.StatusOK || ex.Status == http.StatusNotFound:
			t.Gone(r.Type, r.ID)
		default:
			left = append(left, leftover(r, fmt.Sprintf("DELETE answered %d", ex.Status)))
		}
	}
	t.mu.Lock()
	prefix, sweep, cursors := t.prefix, t.sweep, t.cursors
	left = append(left, t.unfound...)
	t.mu.Unlock()
	if sweep && prefix != "" && ctx.Err() == nil {
		left = t.sweepAfter(ctx, c, prefix, left, cursors)
	}
	return left
}

// sweepAfter deletes whatever else carries the run prefix, and returns left
// as it then is: what the sweep deleted is no longer left, and a resource
// is listed once.
func (t *Tracker) sweepAfter(ctx context.Context, c *fakeidp.Client, prefix string, left []reports.Leftover, cursors bool) []reports.Leftover {
	rep := Sweep(ctx, c, prefix, SweepOptions{MaxPages: 10, Cursor: cursors})
	gone := map[string]bool{}
	for _, d := range rep.Deleted {
		t.Gone(d.Type, d.ID)
		gone[d.Type+"/"+d.ID] = true
	}
	listed := map[string]bool{}
	var out []reports.Leftover
	for _, l := range append(left, rep.Left...) {
		key := l.Type + "/" + l.ID
		if l.ID != "" && (gone[key] || listed[key]) {
			continue
		}
		listed[key] = true
		out = append(out, l)
	}
	for _, e := range rep.Errors {
		out = append(out, reports.Leftover{Type: "sweep", Error: "sweeping the run prefix: " + e})
	}
	return out
}

// leftover reports r as left on the server because of why, with how to
// find it.
func leftover(r Tracked, why string) reports.Leftover {
	return reports.Leftover{Type: r.Type, ID: r.ID, Name: r.Name, Error: why + "; find it with GET " + Endpoint(r.Type) + "/" + r.ID}
}
