package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/redact"
	"github.com/scimloop/scimloop/reports"
)

// flight is the flight recorder: the last N exchanges, across ticks, in a
// ring. When an anomaly fires they are written as a HAR incident file.
type flight struct {
	mu   sync.Mutex
	ring []reports.Exchange
	next int
	full bool
	seq  int
}

// maxFlightBody caps each body the flight recorder keeps.
const maxFlightBody = 16 << 10

func newFlight(n int) *flight { return &flight{ring: make([]reports.Exchange, n)} }

// add keeps ex (already redacted by the recorder), overwriting the oldest.
func (f *flight) add(ex *fakeidp.Exchange) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	r := reports.Exchange{Seq: f.seq, Started: ex.Started.UTC(), Method: ex.Method, URL: ex.URL,
		RequestHeaders: ex.ReqHeader.HTTP(), RequestBody: cut(ex.ReqBody), Status: ex.Status,
		ResponseHeaders: ex.RespHeader.HTTP(), ResponseBody: cut(ex.RespBody), Truncated: ex.Truncated,
		LatencyMs: ms(ex.Latency), Attempt: ex.Attempt}
	if ex.Err != nil {
		r.Error = ex.Err.Error()
	}
	f.ring[f.next] = r
	f.next = (f.next + 1) % len(f.ring)
	f.full = f.full || f.next == 0
}

func cut(b []byte) string {
	if len(b) > maxFlightBody {
		b = b[:maxFlightBody]
	}
	return string(b)
}

// snapshot returns the kept exchanges, oldest first.
func (f *flight) snapshot() []reports.Exchange {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.full {
		return append([]reports.Exchange(nil), f.ring[:f.next]...)
	}
	return append(append([]reports.Exchange(nil), f.ring[f.next:]...), f.ring[:f.next]...)
}

// incident writes the flight recorder as a HAR file named after the time
// and the tick's first anomaly; it does nothing without an IncidentDir.
func (w *Watcher) incident(t *tick) {
	if w.cfg.IncidentDir == "" || len(t.found) == 0 {
		return
	}
	a := t.found[0]
	name := fmt.Sprintf("incident-%s-tick%d-%s.har", a.At.UTC().Format("20060102T150405.000Z"), t.n, a.Kind)
	path := filepath.Join(w.cfg.IncidentDir, strings.ReplaceAll(name, ":", ""))
	run := &reports.Run{Tool: "scimloop watch", Target: redact.URL(w.cfg.Client.BaseURL(), nil), Started: t.started,
		Prefix: w.prefix, Exchanges: w.flight.snapshot()}
	f, err := os.Create(path)
	if err != nil {
		w.logErr("incident", err)
		return
	}
	err = reports.WriteHAR(f, run)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		w.logErr("incident", err)
		return
	}
	w.cfg.Log.Warn("incident", "file", path, "kind", string(a.Kind), "exchanges", len(run.Exchanges), "at", a.At.Format(time.RFC3339))
}
