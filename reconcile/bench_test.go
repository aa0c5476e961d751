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

// benchServe preloads a server as spec says ("users:groups:members:export
// file"), writes its export, prints its URL and serves until stdin closes.
func benchServe(spec string) error {
	parts := strings.SplitN(spec, ":", 4)
	if len(parts) != 4 {
		return fmt.Errorf("bad %s %q", serveEnv, spec)
	}
	n := make([]int, 3)
	for i := range n {
		n[i], _ = strconv.Atoi(parts[i])
	}
	srv, err := refserver.New(refserver.Config{BasePath: "/scim/v2"})
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
	f, err := os.Create(parts[3])
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
	fmt.Println("URL", url)
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the benchmark closes stdin
	return nil
}

// benchServer starts the server process and returns its URL, the export
// file and the process id.
func benchServer(b *testing.B, users, groups, members int) (string, string, int) {
	b.Helper()
	export := filepath.Join(b.TempDir(), "export.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d:%d:%d:%s", serveEnv, users, groups, members, export))
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

// BenchmarkReconcile100k reconciles 100k users and 10k groups (1M
// memberships) against the reference server over loopback, the source
// being the server's own export. It reports the wall time, the source
// parse time, the peak RSS of this process (reconcile only: the server
// runs in its own) and the server's RSS. Run it on its own (make bench).
func BenchmarkReconcile100k(b *testing.B) {
	url, export, pid := benchServer(b, 100_000, 10_000, 100)
	runtime.GC()
	b.ResetTimer()
	var wall, parse time.Duration
	cpu0, srv0 := cpuSeconds("self"), cpuSeconds(strconv.Itoa(pid))
	for range b.N {
		w, p := reconcileOnce(b, url, export)
		wall, parse = wall+w, parse+p
	}
	b.ReportMetric((cpuSeconds("self")-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric((cpuSeconds(strconv.Itoa(pid))-srv0)/float64(b.N), "server-cpu-s/op")
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s/op")
	b.ReportMetric(parse.Seconds()/float64(b.N), "parse-s/op")
	b.ReportMetric(statusKB("self", "VmHWM")/1024, "peak-RSS-MB")
	b.ReportMetric(statusKB(strconv.Itoa(pid), "VmRSS")/1024, "server-RSS-MB")
}

// BenchmarkReconcileCurve reconciles 10k, 100k and 1M users (no groups)
// and prints how the time grows: 1M should cost at most 12× 100k.
func BenchmarkReconcileCurve(b *testing.B) {
	took, cpu := map[int]float64{}, map[int]float64{}
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			url, export, pid := benchServer(b, n, 0, 0)
			b.ResetTimer()
			var wall time.Duration
			cpu0 := cpuSeconds("self") + cpuSeconds(strconv.Itoa(pid))
			for range b.N {
				w, _ := reconcileOnce(b, url, export)
				wall += w
			}
			took[n] = wall.Seconds() / float64(b.N)
			cpu[n] = (cpuSeconds("self") + cpuSeconds(strconv.Itoa(pid)) - cpu0) / float64(b.N)
			b.ReportMetric(took[n], "wall-s/op")
			b.ReportMetric(cpu[n], "cpu-s/op")
		})
	}
	if took[100_000] > 0 && took[1_000_000] > 0 {
		fmt.Printf("reconcile curve (wall): 10k %.2f s, 100k %.2f s, 1M %.2f s; 1M/100k = %.1f× (target ≤ 12×)\n",
			took[10_000], took[100_000], took[1_000_000], took[1_000_000]/took[100_000])
		fmt.Printf("reconcile curve (CPU, client + server): 10k %.2f s, 100k %.2f s, 1M %.2f s; 1M/100k = %.1f×\n",
			cpu[10_000], cpu[100_000], cpu[1_000_000], cpu[1_000_000]/cpu[100_000])
	}
}
