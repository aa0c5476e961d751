package reconcile

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimloop/scimloop/internal/refserver"
)

func TestCleanPairInSync(t *testing.T) {
	_, url := refServer(t, refserver.Preload{Users: 300, Groups: 20, MembersPerGroup: 30, Seed: 1}, nil)
	src, _ := export(t, url)
	if len(src.Users) != 300 || len(src.Groups) != 20 || src.Memberships() != 600 {
		t.Fatalf("export: %d users, %d groups, %d memberships", len(src.Users), len(src.Groups), src.Memberships())
	}
	rep := run(t, url, src, nil)
	if !rep.InSync() || rep.Total() != 0 {
		t.Fatalf("a server against its own export: %s, %d drift:\n%s%v", rep.Verdict, rep.Total(), driftLines(rep.Drift), rep.Incomplete)
	}
	if rep.Stats.Compared != 320 {
		t.Errorf("compared %d, want 320", rep.Stats.Compared)
	}
}

func TestPreloadDrift(t *testing.T) {
	p := refserver.Preload{Users: 100, Groups: 10, MembersPerGroup: 20, Seed: 2}
	_, clean := refServer(t, p, nil)
	src, _ := export(t, clean)
	p.Drift = 2
	_, drifted := refServer(t, p, nil)
	rep := run(t, drifted, src, nil)
	t.Logf("%s", driftLines(rep.Drift))
	if rep.Verdict != "drift" {
		t.Fatalf("verdict %s", rep.Verdict)
	}
}

func TestCountsForWatch(t *testing.T) {
	p := refserver.Preload{Users: 50, Groups: 3, MembersPerGroup: 10, Seed: 4}
	_, clean := refServer(t, p, nil)
	src, _ := export(t, clean)
	p.Drift = 1
	_, drifted := refServer(t, p, nil)
	cfg := Config{Client: client(t, drifted), Source: src}
	for range 2 { // one parsed source serves every call
		counts, err := Counts(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 7 || counts["duplicate"] != 1 || counts["missing"] != 1 || counts["extra"] != 0 {
			t.Fatalf("counts %v", counts)
		}
	}
	if n := cfg.Client.Recorder().Len(); n != 0 {
		t.Errorf("the caller's recorder kept %d exchanges; a watcher would grow", n)
	}
	cfg.Client = client(t, "http://127.0.0.1:1/scim/v2")
	if _, err := Counts(context.Background(), cfg); err == nil {
		t.Error("an unreachable server gave counts")
	}
}

// TestCursorOnlyInSync: a server with index paging off, against its own
// export, is in sync with GET lists and with POST /.search alike, as a
// server with both methods is, and never sees startIndex.
func TestCursorOnlyInSync(t *testing.T) {
	p := refserver.Preload{Users: 300, Groups: 20, MembersPerGroup: 30, Seed: 1}
	_, normal := refServer(t, p, nil)
	src, _ := export(t, normal)
	want := run(t, normal, src, nil)
	var starts atomic.Int64
	_, only := refServerWith(t, refserver.Config{CursorOnly: true}, p, countStartIndex(&starts))
	onlySrc, _ := export(t, only)
	if len(onlySrc.Users) != len(src.Users) || len(onlySrc.Groups) != len(src.Groups) || onlySrc.Memberships() != src.Memberships() {
		t.Fatalf("cursor-only export: %d users, %d groups, %d memberships; want %d, %d, %d", len(onlySrc.Users), len(onlySrc.Groups),
			onlySrc.Memberships(), len(src.Users), len(src.Groups), src.Memberships())
	}
	for _, search := range []bool{false, true} {
		rep := run(t, only, onlySrc, func(c *Config) { c.Search, c.PageSize = search, 7 })
		if !rep.InSync() || rep.Total() != 0 || rep.Stats.Compared != want.Stats.Compared {
			t.Errorf("search=%v: %s, %d drift, compared %d (want %d):\n%s%v", search, rep.Verdict, rep.Total(),
				rep.Stats.Compared, want.Stats.Compared, driftLines(rep.Drift), rep.Incomplete)
		}
	}
	if starts.Load() != 0 {
		t.Errorf("%d requests sent startIndex to a server with index paging off", starts.Load())
	}
}

// TestCursorIgnoredFallsBackToIndex: a server that advertises cursors (its
// default method) and index paging but
// ignores them on POST /.search (one page, no nextCursor) is walked by
// index after the short cursor walk, so nothing needs reading again and an
// extra on a later page is still seen.
func TestCursorIgnoredFallsBackToIndex(t *testing.T) {
	p := refserver.Preload{Users: 60, Groups: 3, MembersPerGroup: 10, Seed: 3}
	_, base := refServerWith(t, refserver.Config{Faults: []string{"search-cursor-ignored"}, CursorDefault: true}, p, nil)
	src, _ := export(t, base)
	scim(t, "POST", base+"/Users", newUser("late-extra@example.test", "late-extra", true))
	rep := run(t, base, src, func(c *Config) { c.Search, c.PageSize = true, 25 })
	if got := driftLines(rep.Drift); got != "access-lingers User late-extra\n" || len(rep.Incomplete) > 0 {
		t.Fatalf("drift:\n%s%v", got, rep.Incomplete)
	}
	if rep.Stats.Reread != 0 {
		t.Errorf("%d resources read again: the walk did not fall back to index paging", rep.Stats.Reread)
	}
}

// TestSameValueOtherText: attributes whose text differs from the server's
// (layout, key order, case where caseExact is false) are decoded and
// compared by value, so only a real difference is drift; text equal to
// the server's is taken as equal without decoding.
func TestSameValueOtherText(t *testing.T) {
	_, url := refServer(t, refserver.Preload{Users: 3, Seed: 1}, nil)
	_, exported := export(t, url)
	var lines []string
	for i, l := range strings.Split(strings.TrimSpace(string(exported)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		name := m["name"].(map[string]any)
		switch i {
		case 1:
			name["familyName"] = "Changed"
		case 2:
			m["userName"] = strings.ToUpper(m["userName"].(string))
		}
		b, _ := json.MarshalIndent(m, "", "  ") // every nested value's text differs
		lines = append(lines, strings.ReplaceAll(string(b), "\n", " "))
	}
	src, err := ReadSource(strings.NewReader(strings.Join(lines, "\n")), "x.jsonl", MatchDefault)
	if err != nil || src.ErrorCount > 0 {
		t.Fatal(err, src.Errors)
	}
	rep := run(t, url, src, nil)
	want := `attribute-drift User ext-0000001 name.familyName: "Changed" -> "Family1"` + "\n"
	if got := driftLines(rep.Drift); got != want {
		t.Errorf("drift:\n%swant:\n%s", got, want)
	}
}
