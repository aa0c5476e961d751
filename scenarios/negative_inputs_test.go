package scenarios

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/internal/refserver"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/safety"
)

// dropsOversize wraps a server so that a POST over 1 MiB gets no answer:
// the connection is reset. With create set, the user is created first (its
// nickName trimmed), as a server that processes the body and then fails.
type dropsOversize struct {
	h      http.Handler
	create bool
}

func (d dropsOversize) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ContentLength <= 1<<20 {
		d.h.ServeHTTP(w, r)
		return
	}
	if d.create {
		var body map[string]any
		data, _ := io.ReadAll(r.Body)
		if json.Unmarshal(data, &body) == nil {
			delete(body, "nickName")
			trimmed, _ := json.Marshal(body)
			req := httptest.NewRequest(http.MethodPost, r.URL.String(), strings.NewReader(string(trimmed)))
			req.Header = r.Header.Clone()
			req.ContentLength = int64(len(trimmed))
			d.h.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.(*net.TCPConn).SetLinger(0)
	_ = conn.Close()
}

// runNegative runs the negative-inputs scenario against h.
func runNegative(t *testing.T, h http.Handler) *Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := fakeidp.NewClient(srv.URL+"/scim/v2", fakeidp.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	sp, err := fakeidp.Discover(context.Background(), c)
	require.NoError(t, err)
	env := &Env{Client: c, SP: sp, Names: safety.NamesFor(safety.RandomRunID()), Tracker: safety.NewTracker(0), Dialect: "rfc"}
	return Run(context.Background(), env, &negativeInputs)
}

// A server may refuse an oversize body by closing the connection: that is
// a refusal, unless the user was created all the same.
func TestOversizeBodyConnectionClosed(t *testing.T) {
	ref, err := refserver.New(refserver.Config{BasePath: "/scim/v2"})
	require.NoError(t, err)

	res := runNegative(t, dropsOversize{h: ref})
	require.Equal(t, reports.StatusPass, res.Status, "a server that drops an oversize POST: %s", res.Reason)
	require.Equal(t, reports.StatusPass, outcomeOf(t, res, "neg-oversize-body").Status)

	ref, err = refserver.New(refserver.Config{BasePath: "/scim/v2"})
	require.NoError(t, err)
	res = runNegative(t, dropsOversize{h: ref, create: true})
	o := outcomeOf(t, res, "neg-oversize-body")
	require.Equal(t, reports.StatusFail, o.Status, "a server that creates the user and then drops the connection")
	require.Contains(t, o.Findings[0].Message, "was created")
}

func outcomeOf(t *testing.T, res *Result, id string) *Outcome {
	t.Helper()
	for _, o := range res.Outcomes {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no outcome for %s", id)
	return nil
}
