package assertions

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/fakeidp"
)

func TestTimeResolution(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"2026-11-27T01:02:03Z":           time.Second,
		"2026-11-27T01:02:03.000Z":       time.Second,
		"2026-11-27T01:02:03.120Z":       10 * time.Millisecond,
		"2026-11-27T01:02:03.123Z":       time.Millisecond,
		"2026-11-27T01:02:03.123456789Z": time.Nanosecond,
		"2026-11-27T01:02:03.5+02:00":    100 * time.Millisecond,
	} {
		require.Equal(t, want, TimeResolution(in), in)
	}
}

func TestLastModifiedAdvancedAt(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	before := MetaTimes{Created: t0, LastModified: t0, Observed: t0}
	frozen := MetaTimes{Created: t0, LastModified: t0, Observed: t0.Add(5 * time.Millisecond)}
	moved := MetaTimes{Created: t0, LastModified: t0.Add(time.Millisecond), Observed: t0.Add(5 * time.Millisecond)}

	judged, err := LastModifiedAdvancedAt(before, frozen, time.Nanosecond)
	require.True(t, judged)
	require.ErrorContains(t, err, "want a later value")
	judged, err = LastModifiedAdvancedAt(before, moved, time.Nanosecond)
	require.True(t, judged)
	require.NoError(t, err)
	// Second precision: too little time passed to judge (never sleep for it).
	judged, _ = LastModifiedAdvancedAt(before, frozen, time.Second)
	require.False(t, judged)
	judged, _ = LastModifiedAdvancedAt(before, frozen, 10*time.Millisecond)
	require.False(t, judged)
}

func userEx(body string) *fakeidp.Exchange {
	return &fakeidp.Exchange{Method: http.MethodGet, URL: "http://127.0.0.1/scim/v2/Users/1", Status: 200, RespBody: []byte(body)}
}

func TestUserDrift(t *testing.T) {
	model := fakeidp.User{UserName: "zoë", DisplayName: "Zoë", Active: true,
		Emails:     []fakeidp.Email{{Value: "a@x.example.test", Type: "work"}, {Value: "b@x.example.test", Type: "home"}},
		Enterprise: &fakeidp.Enterprise{Department: "財務"}}
	same := `{"id":"1","userName":"zoë","displayName":"Zoë","active":true,"emails":[{"value":"b@x.example.test","type":"home"},{"value":"a@x.example.test","type":"work"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"財務"},"phoneNumbers":[]}`
	require.NoError(t, UserDrift(userEx(same), model), "order and empty lists are no drift")
	drifted := strings.Replace(same, `"Zoë"`, `"Zoe"`, 1)
	err := UserDrift(userEx(drifted), model)
	require.ErrorContains(t, err, "(-model +server)")
	require.ErrorContains(t, err, `DisplayName: "Zoe"`)
	require.True(t, strings.HasPrefix(err.Error(), "GET /scim/v2/Users/1 = user zoë differs"), err.Error())
}

func TestVersionJudgements(t *testing.T) {
	w := &fakeidp.Exchange{Method: http.MethodPatch, URL: "http://127.0.0.1/scim/v2/Users/1", Status: 200}
	same := &fakeidp.Exchange{Method: http.MethodGet, URL: "http://127.0.0.1/scim/v2/Users/1", Status: 200, RespHeader: fakeidp.NewHeaders(http.Header{"Etag": {`W/"2"`}})}
	require.NoError(t, VersionStable(`W/"2"`, w, same))
	require.ErrorContains(t, VersionStable(`W/"1"`, w, same), `want it unchanged`)
	require.NoError(t, VersionMoved(`W/"1"`, w, same))
	require.ErrorContains(t, VersionMoved(`W/"2"`, w, same), "want a new version")
}

func TestReconcile(t *testing.T) {
	u1 := fakeidp.User{UserName: "p-u1", Active: true}
	u2 := fakeidp.User{UserName: "p-u2", Active: true}
	model := Reconciled{
		Users:  map[string]fakeidp.User{"u1": u1, "u2": u2},
		Groups: map[string]fakeidp.Group{"g1": {DisplayName: "p-g1", Members: []string{"u1", "u2"}}},
	}
	require.Equal(t, Reconciliation{}, Reconcile(model, model, map[string][]string{"u1": {"g1"}, "u2": {"g1"}}))

	server := Reconciled{
		Users:  map[string]fakeidp.User{"u1": u1, "u3": {UserName: "p-u3"}},
		Groups: map[string]fakeidp.Group{"g1": {DisplayName: "p-g1", Members: []string{"u1", "u3"}}},
	}
	r := Reconcile(model, server, map[string][]string{"u1": {"g1", "someone-elses"}})
	require.Contains(t, r.Missing, "User u2 (p-u2)")
	require.Contains(t, r.Extra, "User u3 (p-u3)")
	require.Contains(t, r.Membership, "Group g1 (p-g1) members (-model +server)")
	require.Empty(t, r.Attributes)
	require.NotContains(t, r.Membership, "someone-elses", "groups that are not ours are not judged")
	require.Nil(t, asError(r.Attributes))
}

func asError(s string) error {
	if s == "" {
		return nil
	}
	return errors.New(s)
}

func TestSequenceChecksInCatalogue(t *testing.T) {
	for _, c := range sequenceChecks {
		got, ok := Lookup(c.ID)
		require.True(t, ok, c.ID)
		require.Equal(t, "sequence", got.Area)
		require.LessOrEqual(t, len(c.Spec), 3, c.ID)
		require.NotEmpty(t, c.Rule, c.ID)
	}
}
