package reports

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSequenceFailuresRendered: every distinct failure of the property
// runs, and the search that went on after the first, show in the Markdown
// and HTML reports and survive results.json.
func TestSequenceFailuresRendered(t *testing.T) {
	run := fixtureRun()
	run.Feedback.SequencesAfterFailure, run.Feedback.StepsAfterFailure = 99, 2551
	run.Feedback.Failures = []SequenceFailure{
		{Checks: []string{"meta-lastmodified-advances"}, Seed: 1, MinimalSteps: 2, Repeats: 40, ReplayFile: "out/replay/a.json"},
		{Checks: []string{"group-members-match-model"}, Seed: 5, MinimalSteps: 5, ReplayFile: "out/replay/b.json"},
	}
	var md bytes.Buffer
	require.NoError(t, WriteMarkdown(&md, run))
	require.Contains(t, md.String(), "Distinct failures: 2; after the first, the search ran 99 more sequences (2551 steps).")
	require.Contains(t, md.String(), "- `meta-lastmodified-advances`: minimal sequence of 2 steps (seed 1), met again 40 times, replay `scimloop replay out/replay/a.json`")
	require.Contains(t, md.String(), "- `group-members-match-model`: minimal sequence of 5 steps (seed 5), replay `scimloop replay out/replay/b.json`")

	var html bytes.Buffer
	require.NoError(t, WriteHTML(&html, run))
	require.Contains(t, html.String(), "<dt>Distinct failures</dt><dd>2; after the first, 99 more sequences (2551 steps)")
	require.Contains(t, html.String(), "<code>group-members-match-model</code>: minimal sequence of 5 steps, seed 5, replay <code>scimloop replay out/replay/b.json</code>")

	var js bytes.Buffer
	require.NoError(t, WriteJSON(&js, run))
	back, err := ReadJSON(&js)
	require.NoError(t, err)
	require.Equal(t, run.Feedback.Failures, back.Feedback.Failures)
	require.Equal(t, 99, back.Feedback.SequencesAfterFailure)
}
