package watch

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// needBinary returns the path of name; in CI (CI=true) a missing binary
// fails the test, elsewhere it skips.
func needBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed, and CI must run this test (.ci/run installs prometheus and prometheus-alertmanager)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

var metricRef = regexp.MustCompile(`scimloop_[a-z_]+`)

// checkMetrics fails for every scimloop_ metric text names that the
// watcher does not export (histogram series count as their family).
func checkMetrics(t *testing.T, what, text string) {
	t.Helper()
	names := MetricNames()
	refs := metricRef.FindAllString(text, -1)
	if len(refs) == 0 {
		t.Fatalf("%s names no scimloop metric", what)
	}
	for _, m := range refs {
		base := m
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(m, suf); ok && slices.Contains(names, b) {
				base = b
			}
		}
		if !slices.Contains(names, base) {
			t.Errorf("%s uses %s, which scimloop watch does not export", what, m)
		}
	}
}

func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("../examples/grafana/scimloop.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("the dashboard is not valid JSON: %v", err)
	}
	if len(d.Panels) == 0 {
		t.Fatal("the dashboard has no panels")
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			checkMetrics(t, "panel "+p.Title, tg.Expr)
		}
	}
}

func TestPrometheusRules(t *testing.T) {
	b, err := os.ReadFile("../examples/prometheus/scimloop-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "scimloop-rules.yml", string(b))
	promtool := needBinary(t, "promtool")
	cmd := exec.Command(promtool, "test", "rules", "scimloop-rules.test.yml")
	cmd.Dir = "../examples/prometheus"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

func TestPrometheusAndAlertmanagerConfigs(t *testing.T) {
	promtool := needBinary(t, "promtool")
	amtool := needBinary(t, "amtool")
	for _, c := range [][]string{{promtool, "check", "config", "prometheus.yml"}, {amtool, "check-config", "alertmanager.yml"}} {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Dir = "../examples/prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
}
