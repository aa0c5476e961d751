package scenarios

import (
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
)

// A refused cursor request is no finding only when the harness itself was
// later than the advertised cursorTimeout.
func TestLateFor(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := &fakeidp.Exchange{Status: 200, Started: t0, Latency: 100 * time.Millisecond}
	at := func(d time.Duration, status int) *fakeidp.Exchange {
		return &fakeidp.Exchange{Status: status, Started: t0.Add(d)}
	}
	s := &S{Env: &Env{SP: &fakeidp.ServiceProvider{Pagination: &fakeidp.Pagination{Cursor: true, CursorTimeout: 2}}}}
	for _, tc := range []struct {
		ex   *fakeidp.Exchange
		late bool
	}{
		{at(time.Second, 400), false},
		{at(3*time.Second, 400), true},
		{at(3*time.Second, 200), false},
	} {
		if got := s.lateFor(prev, tc.ex) != ""; got != tc.late {
			t.Errorf("status %d after %s: late %v, want %v", tc.ex.Status, tc.ex.Started.Sub(t0), got, tc.late)
		}
	}
	none := &S{Env: &Env{SP: &fakeidp.ServiceProvider{Pagination: &fakeidp.Pagination{Cursor: true}}}}
	if none.lateFor(prev, at(time.Hour, 400)) != "" {
		t.Error("without an advertised cursorTimeout nothing is late")
	}
}
