// Package container starts a SCIM server image for a test with
// testcontainers-go and returns the [harness.Target] that reaches it, so
// [harness.Run] can test a vendor's own image.
//
// The container uses the host's network and is expected to listen on
// 127.0.0.1 at the port given in [Spec]: no bridge network and no port
// mapping is involved, so the server is reachable from the test and from
// nothing else. Readiness is found by polling {base}/ServiceProviderConfig.
// The container is terminated with t.Cleanup. The Ryuk reaper is disabled
// (TESTCONTAINERS_RYUK_DISABLED=true unless the environment says otherwise),
// since t.Cleanup already removes the container.
//
// Without a reachable Docker daemon, [Start] skips the test and says why; it
// never fails for that.
package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	dockercontainer "github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/scimloop/scimloop/harness"
)

// Spec says which image to start and how to reach the SCIM server in it.
type Spec struct {
	// Image is the image to run. It must exist locally or be pullable. With
	// Dockerfile set, it is the name given to the built image ("" for a
	// generated one), and the image is removed when the test ends.
	Image string
	// Dockerfile, when set, builds the image first from this Dockerfile,
	// relative to Context (default "Dockerfile").
	Dockerfile string
	// Context is the build context directory used with Dockerfile.
	Context string

	Env map[string]string // environment of the container
	Cmd []string          // the command: arguments to the image's entrypoint

	// Port is the port the server listens on at 127.0.0.1 in the host's
	// network. It is required; [FreePort] picks one.
	Port int
	// BasePath is the SCIM base path on the server; default "/scim/v2".
	BasePath string
	// Header is sent with every request, readiness polls included: for
	// example an Authorization header.
	Header http.Header
	// Timeout bounds how long Start waits for readiness; default 60 seconds.
	Timeout time.Duration
}

// EnvRyukDisabled is the testcontainers-go variable that disables its
// reaper container; Start sets it to "true" unless it is already set.
const EnvRyukDisabled = "TESTCONTAINERS_RYUK_DISABLED"

// Start starts the container that spec describes, waits until its SCIM server
// answers GET {BasePath}/ServiceProviderConfig with 200, and returns the
// target that reaches it. The container is terminated when t ends. Start
// stops t with t.Fatal if the container cannot start or does not become
// ready, with the container's log, and skips t if there is no Docker daemon.
//
// Typical usage inside a test is:
//
//	port := container.FreePort(t)
//	target := container.Start(t, container.Spec{
//		Image: "acme/scim-server:dev",
//		Env:   map[string]string{"LISTEN_ADDR": fmt.Sprintf("127.0.0.1:%d", port)},
//		Port:  port,
//	})
//	harness.Run(t, target)
func Start(t testing.TB, spec Spec) harness.Target {
	t.Helper()
	if err := spec.validate(); err != nil {
		t.Fatalf("container: %v", err)
	}
	SkipWithoutDocker(t)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	var buildLog bytes.Buffer
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image: spec.Image,
			Env:   spec.Env,
			Cmd:   spec.Cmd,
			HostConfigModifier: func(hc *dockercontainer.HostConfig) {
				hc.NetworkMode = "host"
			},
		},
		Started: true,
		Logger:  tclog.TestLogger(t),
	}
	if spec.Dockerfile != "" {
		repo, tag := splitImage(spec.Image)
		req.Image = ""
		req.FromDockerfile = testcontainers.FromDockerfile{
			Context: spec.Context, Dockerfile: spec.Dockerfile, Repo: repo, Tag: tag,
			BuildLogWriter: &buildLog,
		}
	}
	ctr, err := testcontainers.GenericContainer(ctx, req)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		if buildLog.Len() > 0 {
			t.Logf("container: build log:\n%s", tail(buildLog.Bytes()))
		}
		t.Fatalf("container: start %s: %v", spec.name(), err)
	}

	target := harness.Target{URL: spec.url(), Header: spec.Header}
	if err := waitReady(ctx, ctr, target, spec.timeout()); err != nil {
		t.Logf("container: log of %s:\n%s", spec.name(), logs(ctx, ctr))
		t.Fatalf("container: %s: %v", spec.name(), err)
	}
	return target
}

func (s Spec) validate() error {
	switch {
	case s.Port <= 0 || s.Port > 65535:
		return errors.New("Spec.Port must be the port the server listens on at 127.0.0.1 (container.FreePort picks one)")
	case s.Image == "" && s.Dockerfile == "":
		return errors.New("Spec.Image or Spec.Dockerfile is required")
	case s.Dockerfile != "" && s.Context == "":
		return errors.New("Spec.Context is required with Spec.Dockerfile")
	case s.BasePath != "" && !strings.HasPrefix(s.BasePath, "/"):
		return fmt.Errorf("Spec.BasePath %q must start with /", s.BasePath)
	}
	return nil
}

func (s Spec) name() string {
	if s.Image != "" {
		return s.Image
	}
	return "the image built from " + s.Dockerfile
}

func (s Spec) url() string {
	base := s.BasePath
	if base == "" {
		base = "/scim/v2"
	}
	return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) + strings.TrimRight(base, "/")
}

func (s Spec) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 60 * time.Second
}

// splitImage splits "repo:tag" for a built image; "" gives generated names.
func splitImage(image string) (repo, tag string) {
	if image == "" {
		return "", ""
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[:i], image[i+1:]
	}
	return image, "latest"
}

// pollInterval is the pause between readiness polls.
const pollInterval = 200 * time.Millisecond

// waitReady polls target's /ServiceProviderConfig until it answers 200,
// the container exits, or timeout passes.
func waitReady(ctx context.Context, ctr testcontainers.Container, target harness.Target, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := target.URL + "/ServiceProviderConfig"
	client := &http.Client{Timeout: 2 * time.Second}
	last := "no answer yet"
	for {
		if st, err := ctr.State(ctx); err == nil && !st.Running {
			return fmt.Errorf("the container exited (status %d) before GET %s answered 200; last: %s", st.ExitCode, url, last)
		}
		status, err := get(ctx, client, url, target.Header)
		switch {
		case err == nil && status == http.StatusOK:
			return nil
		case err != nil:
			last = err.Error()
		default:
			last = fmt.Sprintf("status %d", status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s did not answer 200 within %v; last: %s", url, timeout, last)
		case <-time.After(pollInterval):
		}
	}
}

func get(ctx context.Context, client *http.Client, url string, h http.Header) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// logs returns the tail of the container's output, or why it cannot.
func logs(ctx context.Context, ctr testcontainers.Container) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	rc, err := ctr.Logs(ctx)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 4<<20))
	return tail(b)
}

// tail keeps the last 8 KiB of b.
func tail(b []byte) string {
	const n = 8 << 10
	if len(b) > n {
		return "…" + string(b[len(b)-n:])
	}
	return string(b)
}

// SkipWithoutDocker skips t, saying why, when no Docker daemon answers. It
// disables the Ryuk reaper first, as Start does. In CI (CI=true) it says so
// loudly, since CI is expected to provide a daemon.
func SkipWithoutDocker(t testing.TB) {
	t.Helper()
	if err := health(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Log("container: WARNING: CI=true but there is no Docker daemon, so container tests are skipped, not run")
		}
		t.Skipf("container: no Docker daemon: %v (start dockerd, or set DOCKER_HOST, to run this test)", err)
	}
}

// health is Available, replaced by tests that play a machine without Docker.
var health = Available

// Available reports whether a Docker daemon answers, and why not.
func Available() (err error) {
	disableRyuk()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("testcontainers: %v", r)
		}
	}()
	p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(tclog.NewNoopLogger()))
	if err != nil {
		return fmt.Errorf("%s: %w", where(), err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Health(ctx); err != nil {
		return fmt.Errorf("%s: %w", where(), err)
	}
	return nil
}

// where says where a Docker daemon was looked for.
func where() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return "DOCKER_HOST=" + h
	}
	const sock = "/var/run/docker.sock"
	if _, err := os.Stat(sock); err != nil {
		return "DOCKER_HOST is unset and " + sock + " does not exist"
	}
	return "DOCKER_HOST is unset, " + sock + " does not answer"
}

func disableRyuk() {
	if _, ok := os.LookupEnv(EnvRyukDisabled); !ok {
		os.Setenv(EnvRyukDisabled, "true")
	}
}

// FreePort returns a TCP port that is free on 127.0.0.1 now, for a server
// that will listen there. Another process could take it before the server
// does; in a test that risk is small.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("container: no free port on 127.0.0.1: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
