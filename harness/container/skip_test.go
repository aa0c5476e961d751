package container

import (
	"errors"
	"strings"
	"testing"
)

// TestStartSkipsWithoutDocker plays a machine with no Docker daemon: Start
// and SkipWithoutDocker skip the test and say why; they never fail it.
func TestStartSkipsWithoutDocker(t *testing.T) {
	orig := health
	health = func() error { return errors.New("dial unix /var/run/docker.sock: connect: no such file or directory") }
	t.Cleanup(func() { health = orig })
	t.Setenv("CI", "true") // loud, still a skip

	var sub *testing.T
	t.Run("Start", func(t *testing.T) {
		sub = t
		Start(t, Spec{Image: "scimloop:dev", Port: 8080})
		t.Error("Start returned without a Docker daemon")
	})
	if !sub.Skipped() || sub.Failed() {
		t.Errorf("without Docker: skipped = %v, failed = %v; want a skip", sub.Skipped(), sub.Failed())
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		spec Spec
		want string // substring of the error; "" for none
	}{
		{Spec{Image: "a", Port: 8080}, ""},
		{Spec{Dockerfile: "Dockerfile", Context: ".", Port: 8080}, ""},
		{Spec{Image: "a"}, "Spec.Port"},
		{Spec{Port: 8080}, "Spec.Image or Spec.Dockerfile"},
		{Spec{Dockerfile: "Dockerfile", Port: 8080}, "Spec.Context"},
		{Spec{Image: "a", Port: 8080, BasePath: "scim"}, "must start with /"},
	}
	for _, tt := range tests {
		err := tt.spec.validate()
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("validate(%+v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}

func TestSpecURL(t *testing.T) {
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{Port: 8080}, "http://127.0.0.1:8080/scim/v2"},
		{Spec{Port: 9, BasePath: "/v2/"}, "http://127.0.0.1:9/v2"},
	} {
		if got := tt.spec.url(); got != tt.want {
			t.Errorf("url(%+v) = %q, want %q", tt.spec, got, tt.want)
		}
	}
}

func TestSplitImage(t *testing.T) {
	for in, want := range map[string][2]string{
		"":                           {"", ""},
		"scimloop":                   {"scimloop", "latest"},
		"scimloop:dev":               {"scimloop", "dev"},
		"localhost:5000/acme/scim":   {"localhost:5000/acme/scim", "latest"},
		"localhost:5000/acme/scim:1": {"localhost:5000/acme/scim", "1"},
	} {
		if r, tag := splitImage(in); r != want[0] || tag != want[1] {
			t.Errorf("splitImage(%q) = %q, %q; want %q, %q", in, r, tag, want[0], want[1])
		}
	}
}
