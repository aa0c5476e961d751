package reconcile

import (
	"strconv"
	"strings"
	"testing"

	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
)

// csvWithGroupIDs gives groups externalIds, well and badly.
const csvWithGroupIDs = "userName,externalId,groups\n" +
	"ann,a1,Engineering <grp-1>;staff\n" + // 2
	"bob,b1,engineering;Engineering\n" + // 3: the same group, named twice
	"cid,c1,Engineering <grp-2>\n" + // 4: contradicts line 2
	"dan,d1,Ops <grp-1>\n" + // 5: grp-1 is Engineering's
	"eve,e1,<grp-3>\n" + // 6
	"fay,f1,Sales <>\n" + // 7
	"gus,g1,Sales<grp-4>\n" + // 8
	"hal,h1,x>\n" + // 9
	"ivy,i1,staff <grp-s>;a<b\n" // 10: staff gets its externalId late; "a<b" is a plain name

func TestCSVGroupExternalIDs(t *testing.T) {
	src, err := ReadSource(strings.NewReader(csvWithGroupIDs), "users.csv", MatchDefault)
	if err != nil {
		t.Fatal(err)
	}
	want := `4: group "Engineering" has externalId "grp-1" on line 2, not "grp-2"
5: group "Ops": externalId "grp-1" is group "Engineering"'s (line 2)
6: group "<grp-3>" has no displayName before <externalId>
7: group "Sales <>": the externalId between < and > is empty
8: group "Sales<grp-4>": want a space before <externalId>
9: group "x>": a ">" without "<" (write "displayName <externalId>")
`
	if got := errorLines(src); got != want || src.ErrorCount != 6 {
		t.Errorf("errors (%d):\n%s\nwant:\n%s", src.ErrorCount, got, want)
	}
	var got []string
	for _, g := range src.Groups {
		got = append(got, g.KeyAttr+"="+g.Key+" "+string(g.Raw)+" members "+strings.Join(g.Members, ",")+" line "+strconv.Itoa(g.Line))
	}
	wantGroups := `externalId=grp-1 {"displayName":"Engineering","externalId":"grp-1"} members a1,b1 line 2
externalId=grp-s {"displayName":"staff","externalId":"grp-s"} members a1,i1 line 2
displayName=a<b {"displayName":"a\u003cb"} members i1 line 10`
	if strings.Join(got, "\n") != wantGroups {
		t.Errorf("groups:\n%s\nwant:\n%s", strings.Join(got, "\n"), wantGroups)
	}
	if len(src.Users) != 3 {
		t.Errorf("%d users, want ann, bob and ivy: a bad row adds no user", len(src.Users))
	}

	// --match userName keys groups by displayName, still comparing the externalId.
	src, _ = ReadSource(strings.NewReader("userName,groups\nann,Engineering <grp-1>\n"), "u.csv", MatchUserName)
	if g := src.Groups[0]; g.KeyAttr != "displayName" || g.Key != "Engineering" || !strings.Contains(string(g.Raw), `"externalId":"grp-1"`) {
		t.Errorf("--match userName: %+v %s", g, g.Raw)
	}
	// --match externalId: a group without one is a bad row, at the line that first names it.
	src, _ = ReadSource(strings.NewReader("userName,externalId,groups\nann,a1,Engineering <grp-1>\nbob,b1,staff\n"), "u.csv", MatchExternalID)
	if got := errorLines(src); got != `3: Group "staff" has no externalId to match it by (write it as "staff <externalId>" in groups)`+"\n" || len(src.Groups) != 1 {
		t.Errorf("--match externalId: %q, %d groups", got, len(src.Groups))
	}
}

// TestCSVGroupMatchedByExternalID: a CSV group with an externalId is found
// by it on the server: a renamed group is attribute drift on displayName,
// not a missing group and an extra one.
func TestCSVGroupMatchedByExternalID(t *testing.T) {
	_, base := refServer(t, refserver.Preload{}, nil)
	ann := scim(t, "POST", base+"/Users", newUser("ann", "a1", true))["id"].(string)
	bob := scim(t, "POST", base+"/Users", newUser("bob", "b1", true))["id"].(string)
	scim(t, "POST", base+"/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": "Engineering", "externalId": "grp-1", "members": []any{map[string]any{"value": ann}, map[string]any{"value": bob}}})
	source := func(csv string) *Source {
		src, err := ReadSource(strings.NewReader(csv), "u.csv", MatchDefault)
		if err != nil || src.ErrorCount > 0 {
			t.Fatal(err, src.Errors)
		}
		return src
	}
	if rep := run(t, base, source("userName,externalId,active,groups\nann,a1,true,Engineering <grp-1>\nbob,b1,true,Engineering\n"), nil); !rep.InSync() {
		t.Fatalf("in sync:\n%s%v", driftLines(rep.Drift), rep.Incomplete)
	}
	rep := run(t, base, source("userName,externalId,active,groups\nann,a1,true,Eng Team <grp-1>\nbob,b1,true,\n"), nil)
	want := "membership-not-granted Group grp-1 member b1\nattribute-drift Group grp-1 displayName: \"Eng Team\" -> \"Engineering\"\n"
	if got := driftLines(rep.Drift); got != want {
		t.Fatalf("drift:\n%s\nwant:\n%s", got, want)
	}
	if rep.Counts[reports.DriftMissing] != 0 || rep.Counts[reports.DriftExtra] != 0 {
		t.Fatalf("counts %v", rep.Counts)
	}
}
