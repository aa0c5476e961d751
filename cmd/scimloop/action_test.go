package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/scimloop/scimloop/profiles"
)

// TestActionYAML parses the repository's GitHub Action: valid YAML, a
// composite action with the inputs the README documents, the token passed
// only through SCIMLOOP_TOKEN, the bundle uploaded, and every profile named
// in the profile input's description.
func TestActionYAML(t *testing.T) {
	raw, err := os.ReadFile("../../action.yml")
	require.NoError(t, err)
	var action struct {
		Name   string
		Inputs map[string]struct {
			Description string
			Required    bool
			Default     string
		}
		Runs struct {
			Using string
			Steps []struct {
				Uses string
				Run  string
				Env  map[string]string
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &action))
	assert.Equal(t, "composite", action.Runs.Using)
	for _, in := range []string{"url", "token", "profile", "strict"} {
		assert.Contains(t, action.Inputs, in)
	}
	assert.Equal(t, profiles.Default, action.Inputs["profile"].Default)
	for _, name := range profiles.Names() {
		assert.Contains(t, action.Inputs["profile"].Description, name)
	}
	var uploads, tokenEnv bool
	for _, s := range action.Runs.Steps {
		uploads = uploads || strings.HasPrefix(s.Uses, "actions/upload-artifact@")
		tokenEnv = tokenEnv || s.Env["SCIMLOOP_TOKEN"] == "${{ inputs.token }}"
		assert.NotContains(t, s.Run, "inputs.token", "the token must reach scimloop through the environment only")
	}
	assert.True(t, uploads, "the bundle is uploaded")
	assert.True(t, tokenEnv, "the token is passed as SCIMLOOP_TOKEN")

	example, err := os.ReadFile("../../examples/github-actions.yml")
	require.NoError(t, err)
	var wf map[string]any
	require.NoError(t, yaml.Unmarshal(example, &wf))
	assert.Contains(t, string(example), "uses: scimloop/scimloop@")
}
