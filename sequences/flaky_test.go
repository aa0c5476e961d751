package sequences

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/safety"
	"github.com/scimloop/scimloop/scenarios"
)

// onceWrong wraps a server so that exactly one group read, the third one
// showing members, comes back without its members: a failure that cannot
// be reproduced.
type onceWrong struct {
	h     http.Handler
	reads atomic.Int32
}

func (o *onceWrong) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/Groups/") {
		o.h.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	o.h.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if bytes.Contains(body, []byte(`"members"`)) && o.reads.Add(1) == 3 {
		body = bytes.Replace(body, []byte(`"members"`), []byte(`"membersX"`), 1)
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func TestSequencesFlakyFailureIsReported(t *testing.T) {
	h, err := refserver.New(refserver.Config{BasePath: "/scim/v2", Seed: 1})
	require.NoError(t, err)
	srv := httptest.NewServer(&onceWrong{h: h})
	t.Cleanup(srv.Close)
	nc := func(rec *fakeidp.Recorder) *fakeidp.Client {
		c, err := fakeidp.NewClient(srv.URL+"/scim/v2", fakeidp.WithHTTPClient(srv.Client()), fakeidp.WithRecorder(rec))
		require.NoError(t, err)
		return c
	}
	c := nc(fakeidp.NewRecorder())
	sp, err := fakeidp.Discover(context.Background(), c)
	require.NoError(t, err)
	env := &scenarios.Env{Client: c, SP: sp, Names: safety.NamesFor("f" + safety.RandomRunID()), Tracker: safety.NewTracker(0), Dialect: "rfc"}

	res := RunSequences(context.Background(), env, PropertyConfig{Sequences: 30, Steps: 20, Seed: 2, NoFailFile: true, NewClient: nc})
	require.True(t, res.Failed)
	require.NotEmpty(t, res.Failures)
	require.True(t, res.Failures[0].Flaky, "a failure seen once must be reported flaky:\n%s", res.Output)
	require.NotEmpty(t, res.Failures[0].Findings)

	// In a scenario it becomes a seq-flaky finding, not the original check.
	sc := &scenarios.Scenario{Name: PropertyName, Checks: propertyChecks, Run: res.judgeInto}
	outcomes := map[string]*scenarios.Outcome{}
	for _, o := range scenarios.Run(context.Background(), env, sc).Outcomes {
		outcomes[o.ID] = o
	}
	require.Equal(t, "fail", string(outcomes["seq-flaky"].Status))
	require.NotEqual(t, "fail", string(outcomes["group-members-match-model"].Status))
	require.Contains(t, outcomes["seq-flaky"].Findings[0].Message, "did not fail again")
}
