package container_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/harness/container"
)

// repoRoot is the repository root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// buildContext lays out the repository's Dockerfile and .dockerignore with
// bin/scimloop (static, CGO_ENABLED=0, as make image builds it) and
// bin/ca-certificates.crt in a fresh directory, and returns it.
func buildContext(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Dockerfile", ".dockerignore"} {
		copyFile(t, filepath.Join(root, name), filepath.Join(dir, name))
	}
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "bin", "scimloop"), "./cmd/scimloop")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/scimloop: %v\n%s", err, out)
	}
	t.Logf("built the static scimloop binary in %v", time.Since(start).Round(time.Millisecond))
	const bundle = "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(bundle); err != nil {
		t.Fatalf("the image needs a CA bundle: %v (install ca-certificates)", err)
	}
	copyFile(t, bundle, filepath.Join(dir, "bin", "ca-certificates.crt"))
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestContainerScimloopServe builds the scimloop image from the repository's
// Dockerfile, starts `scimloop serve` in it with host networking on a free
// loopback port, and runs the whole catalogue against it with harness.Run.
func TestContainerScimloopServe(t *testing.T) {
	container.SkipWithoutDocker(t)
	if testing.Short() {
		t.Skip("builds an image; skipped with -short")
	}
	start := time.Now()
	port := container.FreePort(t)
	target := container.Start(t, container.Spec{
		Image:      fmt.Sprintf("scimloop-test:%d", time.Now().UnixNano()),
		Dockerfile: "Dockerfile",
		Context:    buildContext(t),
		Cmd:        []string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port)},
		Env:        map[string]string{"SCIMLOOP_SERVE_TOKEN": "c0ntainer"},
		Port:       port,
		Header:     map[string][]string{"Authorization": {"Bearer c0ntainer"}},
	})
	t.Logf("image built and container ready in %v at %s", time.Since(start).Round(time.Millisecond), target.URL)
	run := harness.Run(t, target)
	if run.Verdict.Result != "pass" || run.Verdict.Passed == 0 {
		t.Errorf("verdict = %+v, want a pass", run.Verdict)
	}
}

func TestFreePort(t *testing.T) {
	if p := container.FreePort(t); p <= 0 || p > 65535 {
		t.Errorf("FreePort = %d", p)
	}
}
