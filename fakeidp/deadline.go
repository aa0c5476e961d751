package fakeidp

import (
	"context"
	"reflect"
	"sync"
	"time"
)

// deadlineSlices is how many slices the timeout is cut into: requests that
// start within one slice share their deadline context, so each request is
// bounded by at least the timeout and at most a slice more.
const deadlineSlices = 10

// deadlines hands out the contexts that bound requests by the client's
// timeout. A context of its own per request costs a context, a timer and the
// transport's registration with it (7 allocations and a lock, a tenth of
// what the client adds to a request); requests from the same parent context
// that start within one slice of the timeout share one instead, whose
// deadline is the timeout after the slice ends. Sharing never cuts a request
// short: each gets its full timeout, and at most a tenth more.
type deadlines struct {
	mu     sync.Mutex
	parent context.Context // the context ctx derives from
	ctx    context.Context
	until  time.Time // requests starting before this share ctx
	// cancel releases ctx's timer early. Nothing calls it: ctx must
	// outlive the slice for the requests still in flight, and its deadline
	// releases the timer soon enough.
	cancel context.CancelFunc
}

// bound returns a context derived from parent that expires no sooner than
// timeout after now, and at most a slice of it later.
func (d *deadlines) bound(parent context.Context, now time.Time, timeout time.Duration) context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx != nil && now.Before(d.until) && sameContext(d.parent, parent) {
		return d.ctx
	}
	slice := max(timeout/deadlineSlices, 0)
	d.parent, d.until = parent, now.Add(slice)
	d.ctx, d.cancel = context.WithDeadline(parent, d.until.Add(timeout))
	return d.ctx
}

// sameContext reports whether a and b are the same context; a context type
// that cannot be compared (which == would panic on) is never the same.
func sameContext(a, b context.Context) bool {
	return reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.TypeOf(a).Comparable() && a == b
}
