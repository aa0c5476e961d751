package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// junitXSD is the project's copy of the JUnit schema that Jenkins, GitLab
// and Surefire readers accept, kept beside the reports package's goldens.
const junitXSD = "../../reports/testdata/junit.xsd"

// validateJUnit checks the times in a JUnit file (plain decimals, never an
// exponent) and validates it against junitXSD with xmllint. Without xmllint
// or the schema it skips that part, unless $CI is set, when it fails.
func validateJUnit(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	times := regexp.MustCompile(`\btime="([^"]*)"`).FindAllSubmatch(data, -1)
	require.NotEmpty(t, times, "%s has no time attributes", path)
	plain := regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
	for _, m := range times {
		if !plain.Match(m[1]) {
			t.Errorf("%s: time=%q is not a plain decimal", path, m[1])
		}
	}

	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("xmllint not found and CI is set: install libxml2-utils (%v)", err)
		}
		t.Logf("xmllint not found (apt-get install libxml2-utils); schema validation skipped")
		return
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", junitXSD, path).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint --schema %s %s: %v\n%s", junitXSD, path, err, out)
	}
}

// TestRunJUnitValidatesAgainstSchema validates the junit.xml of real runs of
// the command against the embedded reference server: a clean run, runs with
// faults (so <failure> elements appear, also SHOULD-level ones and failing
// property sequences), a strict run
// and a run whose target cannot be reached (an <error>). It skips the schema
// part only when xmllint is missing and $CI is unset.
func TestRunJUnitValidatesAgainstSchema(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"clean", []string{"--sequences", "5"}, exitOK},
		{"faults", []string{"--sequences", "10", "--fault", "no-etag,ignore-if-match,create-returns-200,malformed-json-returns-500,remove-member-removes-all"}, exitFailed},
		{"strict", []string{"--skip", "sequences", "--strict", "--fault", "etag-unchanged-on-update"}, exitFailed},
		{"chaos", []string{"--skip", "sequences", "--fault", "flaky-5xx"}, -1},
		{"unreachable", []string{"--url", "http://127.0.0.1:1/scim/v2", "--timeout", "2s"}, exitIncomplete},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			code, stdout, stderr := runCmd(t, append([]string{"run", "--out", dir, "--quiet"}, tc.args...)...)
			if tc.code >= 0 {
				assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
			validateJUnit(t, filepath.Join(dir, "junit.xml"))
			if tc.code == exitFailed {
				assert.Contains(t, string(readFile(t, dir, "junit.xml")), "<failure ")
			}
		})
	}
}
