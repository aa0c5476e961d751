package container_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/harness/container"
)

// A vendor's test of its own server image: the server is told to listen on a
// free loopback port of the host's network, and every scimloop check runs
// against it. Without Docker the test is skipped, saying why.
func ExampleStart() {
	testSCIMImage := func(t *testing.T) { // func TestSCIMImage(t *testing.T) in your _test.go file
		port := container.FreePort(t)
		target := container.Start(t, container.Spec{
			Image:  "acme/scim-server:dev",
			Env:    map[string]string{"LISTEN_ADDR": fmt.Sprintf("127.0.0.1:%d", port), "API_TOKEN": "test-token"},
			Port:   port,
			Header: http.Header{"Authorization": {"Bearer test-token"}},
		})
		harness.Run(t, target)
	}
	_ = testSCIMImage
}

// The image can be built from a Dockerfile first; it is removed afterwards.
func ExampleStart_dockerfile() {
	testSCIMImage := func(t *testing.T) {
		port := container.FreePort(t)
		harness.Run(t, container.Start(t, container.Spec{
			Dockerfile: "Dockerfile",
			Context:    "../..",
			Cmd:        []string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port)},
			Port:       port,
		}))
	}
	_ = testSCIMImage
}
