package sequences

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/internal/refserver"
)

// TestSchemaReplayReproduces: the minimal case of a schema-property
// failure, written to a replay file and read back, fails the same check
// when rerun against the faulty server (under names of its own), and
// passes against a correct one. The file holds no password.
func TestSchemaReplayReproduces(t *testing.T) {
	for fault, check := range map[string]string{
		"writeonly-returned":      ckHidden,
		"immutable-changes":       ckImmutable,
		"username-case-sensitive": ckFilter,
	} {
		t.Run(fault, func(t *testing.T) {
			res := schemaRun(t, refserver.Config{Faults: []string{fault}}, 40)
			i := slices.IndexFunc(res.Failures, func(f SchemaFailure) bool { return f.Check == check })
			require.GreaterOrEqual(t, i, 0, "%s did not fail: %+v", check, res.Failures)
			fl := res.Failures[i]
			require.NotNil(t, fl.Case)

			var buf bytes.Buffer
			require.NoError(t, NewSchemaReplayFile(fl, "http://127.0.0.1/scim/v2", "rfc", nil).Write(&buf))
			assert.NotContains(t, buf.String(), `"Pw-`, "the replay file holds a password")
			file, err := ReadReplay(&buf)
			require.NoError(t, err)
			require.NotNil(t, file.Schema)
			assert.Equal(t, []string{check}, file.Checks)

			env, _ := propEnvConfig(t, refserver.Config{Faults: []string{fault}})
			got := ReplaySchema(context.Background(), env, file.Schema, file.Checks...)
			require.True(t, slices.ContainsFunc(got.Findings, func(f ReplayFinding) bool { return f.Check == check }),
				"the replay did not fail %s: %+v (aborted: %s)", check, got.Findings, got.Aborted)
			assert.Equal(t, len(fl.Steps), got.Steps)

			clean, _ := propEnvConfig(t, refserver.Config{})
			got = ReplaySchema(context.Background(), clean, file.Schema, file.Checks...)
			assert.False(t, got.Failed(), "a correct server failed the replay: %+v", got.Findings)
			assert.Empty(t, got.Aborted)
		})
	}
}

// TestSchemaReplayRenames: a replay's values carry its own names, and
// passwords are masked in the file and fresh in the replay.
func TestSchemaReplayRenames(t *testing.T) {
	from := SchemaNames{Prefix: "tabc-p7-", Tag: "p7", Domain: "example.test"}
	to := SchemaNames{Prefix: "txyz-p1-", Tag: "p1", Domain: "example.org"}
	for in, want := range map[string]string{
		"tabc-p7-username-3":                  "txyz-p1-username-3",
		"p7.4@example.test":                   "p1.4@example.org",
		"p7.5@im.example.test":                "p1.5@im.example.org",
		"urn:example:p7:6":                    "urn:example:p1:6",
		"https://photos.example.com/p7/8.jpg": "https://photos.example.com/p1/8.jpg",
		"Ada p7-9":                            "Ada p1-9",
		"Engineer":                            "Engineer",
	} {
		assert.Equal(t, want, renameString(in, from, to), in)
	}
	body := maskSecrets(map[string]any{"userName": "u", "password": "Pw-secret!7"}).(map[string]any)
	assert.Equal(t, passwordMark, body["password"])
	filled := fillPasswords(body).(map[string]any)
	assert.NotEqual(t, passwordMark, filled["password"])
	assert.Regexp(t, `^Pw-[A-Z2-7]{12}!7$`, filled["password"])
}

// TestReadSchemaReplayRejectsBadCases: a schema case that cannot run is a
// clear error when the file is read.
func TestReadSchemaReplayRejectsBadCases(t *testing.T) {
	for _, doc := range []string{
		`{"format":"scimloop-replay/1","schema":{"type":"","property":"put","body":{}}}`,
		`{"format":"scimloop-replay/1","schema":{"type":"User","property":"dance","body":{}}}`,
		`{"format":"scimloop-replay/1","schema":{"type":"User","property":"put"}}`,
	} {
		_, err := ReadReplay(bytes.NewBufferString(doc))
		assert.Error(t, err, doc)
	}
}
