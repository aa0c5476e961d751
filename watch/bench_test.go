package watch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// rssKiB reads this process's resident set size from /proc (0 elsewhere).
func rssKiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return f
		}
	}
	return 0
}

func settle() (rss float64, goroutines int) {
	runtime.GC()
	debug.FreeOSMemory()
	return rssKiB(), runtime.NumGoroutine()
}

// BenchmarkWatchEndurance runs a watcher with --every 10ms against the
// reference server for 10,000 ticks (SCIMLOOP_WATCH_TICKS overrides) and
// reports RSS and goroutines after 100 ticks and at the end, and the size
// of the SQLite state under a retention of 1,000 ticks. Run it once:
//
//	go test ./watch -run '^$' -bench BenchmarkWatchEndurance -benchtime 1x
func BenchmarkWatchEndurance(b *testing.B) {
	ticks := 10000
	if v, err := strconv.Atoi(os.Getenv("SCIMLOOP_WATCH_TICKS")); err == nil && v > 100 {
		ticks = v
	}
	ts := newRef(b, nil, nil)
	state := filepath.Join(b.TempDir(), "watch.db")
	w := newTestWatcher(b, ts, Config{Every: 10 * time.Millisecond, StatePath: state, Retention: 1000})
	ctx := context.Background()
	var rss100, rssEnd float64
	var g100, gEnd int
	b.ResetTimer()
	for range b.N {
		for i := 1; i <= ticks; i++ {
			start := time.Now()
			tk := w.tick(ctx)
			if len(tk.found) > 0 {
				b.Fatalf("tick %d raised %v", i, kinds(tk.found))
			}
			time.Sleep(w.next(tk.up, time.Since(start)))
			if i == 100 {
				rss100, g100 = settle()
			}
		}
	}
	b.StopTimer()
	rssEnd, gEnd = settle()
	st, _ := os.Stat(state)
	wal, _ := os.Stat(state + "-wal")
	size := float64(st.Size())
	if wal != nil {
		size += float64(wal.Size())
	}
	kept, _ := w.st.lastTicks(ctx, ticks)
	b.ReportMetric(rss100/1024, "rss100-MiB")
	b.ReportMetric(rssEnd/1024, "rssEnd-MiB")
	b.ReportMetric(rssEnd/rss100, "rss-ratio")
	b.ReportMetric(float64(g100), "goroutines100")
	b.ReportMetric(float64(gEnd), "goroutinesEnd")
	b.ReportMetric(size/1024, "state-KiB")
	b.ReportMetric(float64(len(kept)), "ticks-kept")
	if rssEnd > 1.2*rss100 {
		b.Errorf("RSS grew from %.1f MiB after 100 ticks to %.1f MiB after %d", rss100/1024, rssEnd/1024, ticks)
	}
	if gEnd > g100+2 {
		b.Errorf("goroutines grew from %d to %d", g100, gEnd)
	}
	if len(kept) > 1000+100 {
		b.Errorf("%d ticks kept under a retention of 1000", len(kept))
	}
}

// BenchmarkDetectionLatency measures, from the moment the server answers
// the first failing DELETE with 500, how long until the mutation counter
// shows it in /metrics and until the firing alert reaches the webhook.
func BenchmarkDetectionLatency(b *testing.B) {
	var failedAt, hookAt atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		hookAt.CompareAndSwap(0, time.Now().UnixNano())
	}))
	defer hook.Close()
	ts := newRef(b, nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/Users/") {
				failedAt.CompareAndSwap(0, time.Now().UnixNano())
				http.Error(rw, "{}", http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(rw, r)
		})
	})
	var toMetric, toHook time.Duration
	for range b.N {
		failedAt.Store(0)
		hookAt.Store(0)
		w := newTestWatcher(b, ts, Config{AlertWebhook: hook.URL})
		metricAt := make(chan time.Time, 1)
		go func() { // what a scraper would see, polled every millisecond
			for range 10000 {
				if testutil.ToFloat64(w.m.mutations.WithLabelValues("delete", "User", outcomeFailed)) > 0 {
					metricAt <- time.Now()
					return
				}
				time.Sleep(time.Millisecond)
			}
			close(metricAt)
		}()
		w.tick(context.Background())
		m := <-metricAt
		toMetric += m.Sub(time.Unix(0, failedAt.Load()))
		toHook += time.Unix(0, hookAt.Load()).Sub(time.Unix(0, failedAt.Load()))
	}
	b.ReportMetric(float64(toMetric.Microseconds())/float64(b.N)/1000, "ms-to-metric")
	b.ReportMetric(float64(toHook.Microseconds())/float64(b.N)/1000, "ms-to-webhook")
}
