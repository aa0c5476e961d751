package reconcile

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
)

// serveEnv makes the test binary a preloaded reference server (see
// TestMain): the benchmarks run the server in a process of its own, so the
// RSS they report is reconcile's alone.
const serveEnv = "SCIMLOOP_RECONCILE_BENCH_SERVE"

func TestMain(m *testing.M) {
	if spec := os.Getenv(serveEnv); spec != "" {
		if err := benchServe(spec); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serverProfileEnv, when set in a benchmark's environment, names a file
// the server process writes a CPU profile of its serving to (the export
// that preloads the source excluded): the client's own profile comes from
// go test -cpuprofile.
const serverProfileEnv = "SCIMLOOP_RECONCILE_BENCH_SERVER_CPUPROFILE"

// benchServe preloads a server as spec says ("users:groups:members:paging:
// export file", paging index or cursor), writes its export, prints its URL
// and serves until stdin closes. Paging cursor is a server without index
// paging (Config.CursorOnly), so the walk cannot fall back to index pages.
func benchServe(spec string) error {
	parts := strings.SplitN(spec, ":", 5)
	if len(parts) != 5 || (parts[3] != "index" && parts[3] != "cursor") {
		return fmt.Errorf("bad %s %q", serveEnv, spec)
	}
	n := make([]int, 3)
	for i := range n {
		n[i], _ = strconv.Atoi(parts[i])
	}
	srv, err := refserver.New(refserver.Config{BasePath: "/scim/v2", CursorOnly: parts[3] == "cursor"})
	if err != nil {
		return err
	}
	if err := srv.Preload(refserver.Preload{Users: n[0], Groups: n[1], MembersPerGroup: n[2], Seed: 1}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = http.Serve(ln, srv) }()
	url := "http://" + ln.Addr().String() + "/scim/v2"
	c, err := fakeidp.NewClient(url, fakeidp.WithMaxBody(64<<20))
	if err != nil {
		return err
	}
	f, err := os.Create(parts[4])
	if err != nil {
		return err
	}
	if _, err := Export(context.Background(), ExportConfig{Client: c}, f); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	runtime.GC()
	if prof := os.Getenv(serverProfileEnv); prof != "" {
		pf, err := os.Create(prof)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); pf.Close() }()
	}
	fmt.Println("URL", url)
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the benchmark closes stdin
	return nil
}

// benchServer starts the server process and returns its URL, the export
// file and the process id.
func benchServer(b *testing.B, users, groups, members int, paging string) (string, string, int) {
	b.Helper()
	export := filepath.Join(b.TempDir(), "export.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d:%d:%d:%s:%s", serveEnv, users, groups, members, paging, export))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "URL ") {
		b.Fatalf("the server process said %q: %v", line, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "URL ")), export, cmd.Process.Pid
}

// statusKB reads a field of /proc/<pid>/status in kB (0 when unknown).
func statusKB(pid, field string) float64 {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(n)
		}
	}
	return 0
}

// cpuSeconds is the user and system CPU time of a process so far: this
// one ("self") from getrusage, another from /proc/<pid>/stat. On a shared
// machine it says more than the wall time does.
func cpuSeconds(pid string) float64 {
	if pid == "self" {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return float64(ut+st) / 100 // clock ticks; 100 per second on Linux
}

// reconcileOnce reads the source and reconciles; it fails on any drift.
func reconcileOnce(b *testing.B, url, export string) (time.Duration, time.Duration) {
	start := time.Now()
	f, err := os.Open(export)
	if err != nil {
		b.Fatal(err)
	}
	src, err := ReadSource(bufio.NewReaderSize(f, 1<<20), export, MatchDefault)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	parsed := time.Since(start)
	c, err := fakeidp.NewClient(url, fakeidp.WithMaxBody(64<<20))
	if err != nil {
		b.Fatal(err)
	}
	rep, err := Run(context.Background(), Config{Client: c, Source: src})
	if err != nil || !rep.InSync() {
		b.Fatalf("want in sync: %v %s %d drift %v", err, rep.Verdict, rep.Total(), rep.Incomplete)
	}
	return time.Since(start), parsed
}

// point is one measured reconcile. Times are of the reconcile alone (the
// source parse included, the server's preload and export not).
type point struct {
	wall, parse      float64 // seconds
	cpu, serverCPU   float64 // seconds, this process and the server's
	gcCPU            float64 // seconds of this process's CPU spent collecting
	gcCycles         uint64
	peakMB, serverMB float64 // this process's peak RSS, the server's RSS
}

// measure starts a preloaded server (paging index or cursor) and
// reconciles it with its export b.N times; the figures are per reconcile.
// The peak RSS is reset first where Linux allows, so each point shows its
// own peak, not an earlier larger one.
func measure(b *testing.B, users, groups, members int, paging string) point {
	url, export, pid := benchServer(b, users, groups, members, paging)
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM
	srv := strconv.Itoa(pid)
	b.ResetTimer()
	cpu0, srv0, gc0 := cpuSeconds("self"), cpuSeconds(srv), gcStats()
	var wall, parse time.Duration
	for range b.N {
		w, p := reconcileOnce(b, url, export)
		wall, parse = wall+w, parse+p
	}
	gc1 := gcStats()
	n := float64(b.N)
	pt := point{wall: wall.Seconds() / n, parse: parse.Seconds() / n, cpu: (cpuSeconds("self") - cpu0) / n,
		serverCPU: (cpuSeconds(srv) - srv0) / n, gcCPU: (gc1.cpu - gc0.cpu) / n, gcCycles: (gc1.cycles - gc0.cycles) / uint64(b.N),
		peakMB: statusKB("self", "VmHWM") / 1024, serverMB: statusKB(srv, "VmRSS") / 1024}
	b.ReportMetric(pt.wall, "wall-s/op")
	b.ReportMetric(pt.parse, "parse-s/op")
	b.ReportMetric(pt.cpu, "cpu-s/op")
	b.ReportMetric(pt.serverCPU, "server-cpu-s/op")
	b.ReportMetric(pt.gcCPU, "gc-cpu-s/op")
	b.ReportMetric(float64(pt.gcCycles), "gc-cycles/op")
	b.ReportMetric(pt.peakMB, "peak-RSS-MB")
	b.ReportMetric(pt.serverMB, "server-RSS-MB")
	return pt
}

type gcFigures struct {
	cpu    float64
	cycles uint64
}

// gcStats reads this process's collector CPU time and cycle count.
func gcStats() gcFigures {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	var f gcFigures
	if s[0].Value.Kind() == metrics.KindFloat64 {
		f.cpu = s[0].Value.Float64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		f.cycles = s[1].Value.Uint64()
	}
	return f
}

// BenchmarkReconcile100k reconciles 100k users and 10k groups (1M
// memberships) against the reference server over loopback, the source
// being the server's own export, walked by index and by cursor. The peak
// RSS is this process's (reconcile only: the server runs in its own).
// Targets: under 10 s and 500 MB. Run it on its own (make bench).
func BenchmarkReconcile100k(b *testing.B) {
	got := map[string]point{}
	for _, paging := range []string{"index", "cursor"} {
		b.Run("paging="+paging, func(b *testing.B) { got[paging] = measure(b, 100_000, 10_000, 100, paging) })
	}
	for _, paging := range []string{"index", "cursor"} {
		if pt, ok := got[paging]; ok {
			fmt.Printf("reconcile 100k users + 10k groups (1M memberships), %s paging: %.2f s wall (parse %.2f s), peak RSS %.0f MB (targets: 10 s, 500 MB); CPU %.2f s + server %.2f s\n",
				paging, pt.wall, pt.parse, pt.peakMB, pt.cpu, pt.serverCPU)
		}
	}
}

// BenchmarkReconcileCurve reconciles 10k, 100k and 1M users (no groups),
// walked by index and by cursor, and prints how the cost grows: 1M should
// cost at most 12× 100k either way. Wall time suffers most from a shared
// machine; the CPU seconds (client and server) say the same more steadily.
func BenchmarkReconcileCurve(b *testing.B) {
	sizes := []int{10_000, 100_000, 1_000_000}
	got := map[string]point{}
	for _, paging := range []string{"index", "cursor"} {
		for _, n := range sizes {
			key := fmt.Sprintf("paging=%s/users=%d", paging, n)
			b.Run(key, func(b *testing.B) { got[key] = measure(b, n, 0, 0, paging) })
		}
	}
	for _, paging := range []string{"index", "cursor"} {
		var pts []point
		for _, n := range sizes {
			if pt, ok := got[fmt.Sprintf("paging=%s/users=%d", paging, n)]; ok {
				pts = append(pts, pt)
			}
		}
		if len(pts) != len(sizes) {
			continue
		}
		ratio := func(f func(point) float64) float64 { return f(pts[2]) / f(pts[1]) }
		fmt.Printf("reconcile curve, %s paging: wall 10k %.2f s, 100k %.2f s, 1M %.2f s: 1M/100k = %.1f× (target ≤ 12×)\n",
			paging, pts[0].wall, pts[1].wall, pts[2].wall, ratio(func(p point) float64 { return p.wall }))
		fmt.Printf("  CPU (client + server) 10k %.2f s, 100k %.2f s, 1M %.2f s: %.1f×; client GC %.2f / %.2f / %.2f s; peak RSS %.0f / %.0f / %.0f MB\n",
			pts[0].cpu+pts[0].serverCPU, pts[1].cpu+pts[1].serverCPU, pts[2].cpu+pts[2].serverCPU,
			ratio(func(p point) float64 { return p.cpu + p.serverCPU }), pts[0].gcCPU, pts[1].gcCPU, pts[2].gcCPU,
			pts[0].peakMB, pts[1].peakMB, pts[2].peakMB)
	}
}
