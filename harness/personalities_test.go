package harness_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// personalitiesGolden pins the IdP-compatibility failures a personality
// really causes under --dialect all, one "personality check reason" line
// each. Every other result of a personality run must be clean.
var personalitiesGolden = filepath.Join("testdata", "personalities.golden")

// personalityCases are the correct-but-limited servers: each one alone and
// all of them together.
func personalityCases() [][]string {
	var cases [][]string
	var all []string
	for _, p := range refserver.Personalities() {
		cases = append(cases, []string{p.Name})
		all = append(all, p.Name)
	}
	return append(cases, all)
}

// TestPersonalities runs every personality of a real server, alone and all
// combined: a correct but limited server is never failed at MUST level and
// never left unjudged. In the rfc dialect nothing fails that is not a SHOULD
// warning; under --dialect all an IDP failure is allowed only where the
// golden pins it, with the reason the personality really breaks that IdP.
// The all-dialect half is slow; it runs unless -short.
func TestPersonalities(t *testing.T) {
	pinned := readPersonalityGolden(t)
	got := map[string][]string{}
	for _, ps := range personalityCases() {
		name := strings.Join(ps, ",")
		if len(ps) > 1 {
			name = "all"
		}
		t.Run(name+"/rfc", func(t *testing.T) {
			run, err := runAgainstServer(t, refserver.Config{Personalities: ps})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			for _, c := range badResults(run, false) {
				t.Errorf("%s", c)
			}
		})
		if testing.Short() {
			continue
		}
		t.Run(name+"/all-dialects", func(t *testing.T) {
			run, err := runAgainstServer(t, refserver.Config{Personalities: ps}, harness.WithDialect("all"))
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			for _, c := range badResults(run, true) {
				t.Errorf("%s", c)
			}
			for _, c := range run.Checks {
				if c.Level == reports.LevelIDP && c.Status == reports.StatusFail {
					got[name] = append(got[name], c.ID)
				}
			}
			slices.Sort(got[name])
			if want := pinned[name]; !slices.Equal(got[name], pinnedChecks(want)) {
				t.Errorf("IDP failures under --dialect all (-pinned +got):\n%s\nfirst findings:\n%s",
					cmp.Diff(pinnedChecks(want), got[name]), idpFindings(run))
			}
		})
	}
}

// badResults lists what a correct server must never get: a MUST failure or
// an errored check anywhere, and in the rfc dialect an IDP failure too.
func badResults(run *reports.Run, allowIDP bool) []string {
	var out []string
	for _, c := range run.Checks {
		switch {
		case c.Status == reports.StatusError:
			out = append(out, fmt.Sprintf("%s errored: %s", c.ID, c.Reason))
		case c.Status != reports.StatusFail:
		case c.Level == reports.LevelMust:
			out = append(out, fmt.Sprintf("%s failed (MUST): %s", c.ID, checkMessage(c)))
		case c.Level == reports.LevelIDP && !allowIDP:
			out = append(out, fmt.Sprintf("%s failed (IDP, rfc dialect): %s", c.ID, checkMessage(c)))
		}
	}
	for _, e := range run.Errors {
		out = append(out, "run error: "+e)
	}
	return out
}

func idpFindings(run *reports.Run) string {
	var b strings.Builder
	for _, c := range run.Checks {
		if c.Level == reports.LevelIDP && c.Status == reports.StatusFail {
			fmt.Fprintf(&b, "  %s: %s\n", c.ID, checkMessage(c))
		}
	}
	return b.String()
}

// pinnedIDP is one golden line: an IDP check a personality fails, and why.
type pinnedIDP struct{ check, reason string }

func pinnedChecks(ps []pinnedIDP) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.check)
	}
	slices.Sort(out)
	return out
}

// readPersonalityGolden reads "personality check reason…" lines; '#' starts
// a comment. Every pinned line must give its reason.
func readPersonalityGolden(t *testing.T) map[string][]pinnedIDP {
	t.Helper()
	f, err := os.Open(personalitiesGolden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]pinnedIDP{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, " ", 3)
		if len(fields) < 3 || strings.TrimSpace(fields[2]) == "" {
			t.Fatalf("%s: %q: want \"personality check reason\"", personalitiesGolden, line)
		}
		out[fields[0]] = append(out[fields[0]], pinnedIDP{fields[1], fields[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
