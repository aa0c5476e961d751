package fakeidp

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// uncomparableCtx is a context type that == panics on.
type uncomparableCtx struct {
	context.Context
	tags []string
}

func TestDeadlinesShareWithinASliceAndNeverCutShort(t *testing.T) {
	var d deadlines
	parent := context.Background()
	t0 := time.Now()
	const timeout = time.Second
	first := d.bound(parent, t0, timeout)
	dl, ok := first.Deadline()
	require.True(t, ok)
	assert.Equal(t, t0.Add(timeout+timeout/deadlineSlices), dl)

	// Later in the same slice: the same context, still a full timeout away.
	late := t0.Add(timeout/deadlineSlices - time.Millisecond)
	assert.Same(t, first, d.bound(parent, late, timeout))
	assert.GreaterOrEqual(t, dl.Sub(late), timeout)

	// The next slice, or another parent: a context of its own.
	next := d.bound(parent, t0.Add(timeout/deadlineSlices), timeout)
	assert.NotSame(t, first, next)
	type key struct{}
	child := context.WithValue(parent, key{}, "v")
	other := d.bound(child, t0.Add(timeout/deadlineSlices), timeout)
	assert.NotSame(t, next, other)
	assert.Equal(t, "v", other.Value(key{}), "the parent's values carry over")

	// A context type == cannot compare is never taken for the one cached.
	u := uncomparableCtx{Context: parent, tags: []string{"a"}}
	a := d.bound(u, t0, timeout)
	assert.NotSame(t, a, d.bound(uncomparableCtx{Context: parent}, t0, timeout))
}

func TestDeadlinesFollowTheParent(t *testing.T) {
	var d deadlines
	parent, cancel := context.WithCancel(context.Background())
	ctx := d.bound(parent, time.Now(), time.Hour)
	cancel()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the parent did not end the request's context")
	}
}

// A request that starts late in a slice, after another one, to a server
// that never answers still gets its full timeout and no more than a slice
// beyond it (plus scheduling slack).
func TestClientTimeoutHoldsForSharedDeadlines(t *testing.T) {
	const timeout = 300 * time.Millisecond
	release := make(chan struct{})
	defer close(release)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/scim/v2/hang" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}, WithTimeout(timeout))
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/fast"})
	require.NoError(t, err)
	for range 2 { // the first hangs in the slice the fast one opened, the second in one of its own
		start := time.Now()
		ex, err := c.Do(context.Background(), Request{Method: "GET", Path: "/hang"})
		took := time.Since(start)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "timeout")
		assert.Equal(t, 0, ex.Status)
		assert.GreaterOrEqual(t, took, timeout, "a shared deadline cut the request short")
		assert.Less(t, took, 5*timeout)
	}
}
