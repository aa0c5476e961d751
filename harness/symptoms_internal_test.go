package harness

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

func TestAttributeSymptoms(t *testing.T) {
	scimAccept := fakeidp.NewHeaders(http.Header{"Accept": {"application/scim+json"}})
	refused := &fakeidp.Exchange{Seq: 1, Method: "GET", ReqHeader: scimAccept, Status: http.StatusNotAcceptable}
	refusedAgain := &fakeidp.Exchange{Seq: 2, Method: "GET", ReqHeader: scimAccept, Status: http.StatusNotAcceptable}
	jsonRefused := &fakeidp.Exchange{Seq: 3, Method: "GET", ReqHeader: fakeidp.NewHeaders(http.Header{"Accept": {"application/json"}}), Status: http.StatusNotAcceptable}
	created := &fakeidp.Exchange{Seq: 4, Method: "POST", ReqHeader: scimAccept, Status: http.StatusCreated}
	wrong := &fakeidp.Exchange{Seq: 5, Method: "GET", ReqHeader: scimAccept, Status: http.StatusOK}
	fail := func(id string, findings ...[]*fakeidp.Exchange) *scenarios.Outcome {
		o := &scenarios.Outcome{ID: id, Status: reports.StatusFail}
		for _, f := range findings {
			o.Findings = append(o.Findings, scenarios.Finding{Message: "x", Exchanges: f})
		}
		return o
	}
	run := func(root *scenarios.Outcome, others ...*scenarios.Outcome) []*scenarios.Outcome {
		results := []*scenarios.Result{{Outcomes: []*scenarios.Outcome{root}}, {Outcomes: others}}
		attributeSymptoms(results, noExchanges)
		return others
	}

	t.Run("a failure every finding of which cites the refusal is its consequence", func(t *testing.T) {
		got := run(fail("http-accept-scim-json", []*fakeidp.Exchange{refused}),
			fail("get-200", []*fakeidp.Exchange{refusedAgain}),
			fail("create-matches-get", []*fakeidp.Exchange{created, refusedAgain}, []*fakeidp.Exchange{refused}))
		assert.Equal(t, []string{"http-accept-scim-json"}, got[0].CausedBy)
		assert.Equal(t, []string{"http-accept-scim-json"}, got[1].CausedBy)
	})
	t.Run("a finding the refusal does not explain keeps the failure its own", func(t *testing.T) {
		got := run(fail("http-accept-scim-json", []*fakeidp.Exchange{refused}),
			fail("get-200", []*fakeidp.Exchange{refusedAgain}, []*fakeidp.Exchange{wrong}),
			fail("etag-header-present", []*fakeidp.Exchange{created}),
			fail("http-accept-json", []*fakeidp.Exchange{jsonRefused}))
		for _, o := range got {
			assert.Empty(t, o.CausedBy, o.ID)
		}
	})
	t.Run("nothing is attributed when the owning check did not fail on a refusal", func(t *testing.T) {
		for _, root := range []*scenarios.Outcome{
			{ID: "http-accept-scim-json", Status: reports.StatusPass},
			fail("http-accept-scim-json", []*fakeidp.Exchange{wrong}), // failed, but not by refusing
		} {
			got := run(root, fail("get-200", []*fakeidp.Exchange{refusedAgain}))
			assert.Empty(t, got[0].CausedBy)
		}
	})
	t.Run("an earlier cause is kept, and the root is never its own consequence", func(t *testing.T) {
		earlier := fail("meta-present", []*fakeidp.Exchange{refusedAgain})
		earlier.CausedBy = []string{"get-200"}
		root := fail("http-accept-scim-json", []*fakeidp.Exchange{refused})
		got := run(root, earlier)
		assert.Equal(t, []string{"get-200"}, got[0].CausedBy)
		assert.Empty(t, root.CausedBy)
	})
}

func TestAttributeReadBackSymptom(t *testing.T) {
	const user = "http://h.test/scim/v2/Users/1"
	t0 := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	at := func(seq int, method, url string, status int, ms int, body string) *fakeidp.Exchange {
		ex := &fakeidp.Exchange{Seq: seq, Method: method, URL: url, Status: status, Started: t0.Add(time.Duration(ms) * time.Millisecond), Latency: time.Millisecond}
		if method == "GET" {
			ex.RespBody = []byte(body)
		} else {
			ex.ReqBody = []byte(body)
		}
		return ex
	}
	replace := func(seq, ms int, attr, value string) *fakeidp.Exchange {
		return at(seq, "PATCH", user, 204, ms, `{"Operations":[{"op":"replace","path":"`+attr+`","value":"`+value+`"}]}`)
	}
	title := replace(1, 0, "title", "Lead")
	titleRead := at(2, "GET", user, 200, 10, `{"title":"Eng","displayName":"D"}`)
	name := replace(3, 20, "displayName", "New")
	nameRead := at(4, "GET", user, 200, 30, `{"title":"Eng","displayName":"D"}`)
	fail := func(id string, exs ...*fakeidp.Exchange) *scenarios.Outcome {
		return &scenarios.Outcome{ID: id, Status: reports.StatusFail, Findings: []scenarios.Finding{{Message: "x", Exchanges: exs}}}
	}
	all := []*fakeidp.Exchange{title, titleRead, name, nameRead}

	root, other := fail("patch-replace-single", title, titleRead), fail("idp-update-applied", name, nameRead)
	attributeSymptoms([]*scenarios.Result{{Outcomes: []*scenarios.Outcome{root, other}}}, func() []*fakeidp.Exchange { return all })
	assert.Equal(t, []string{"patch-replace-single"}, other.CausedBy, "a replace its read-back does not show")
	assert.Empty(t, root.CausedBy)

	root, other = fail("patch-replace-single", title, titleRead), fail("idp-update-applied", nameRead, name)
	attributeSymptoms([]*scenarios.Result{{Outcomes: []*scenarios.Outcome{root, other}}}, func() []*fakeidp.Exchange { return all })
	assert.Equal(t, []string{"patch-replace-single"}, other.CausedBy, "cited in any order: the read comes after the write")

	concurrent := replace(5, 25, "displayName", "D")
	root, other = fail("patch-replace-single", title, titleRead), fail("idp-update-applied", name, nameRead)
	attributeSymptoms([]*scenarios.Result{{Outcomes: []*scenarios.Outcome{root, other}}}, func() []*fakeidp.Exchange { return append(all, concurrent) })
	assert.Empty(t, other.CausedBy, "another write to the resource in between may have set what the read shows")

	root, other = fail("patch-replace-single", at(6, "PATCH", user, 400, 0, `{}`)), fail("idp-update-applied", name, nameRead)
	attributeSymptoms([]*scenarios.Result{{Outcomes: []*scenarios.Outcome{root, other}}}, func() []*fakeidp.Exchange { return all })
	assert.Empty(t, other.CausedBy, "the owning check failed, but not on an unapplied replace")
}

func TestReadBackPairsOnlyTheRunsOwnExchanges(t *testing.T) {
	const user = "http://h.test/scim/v2/Users/1"
	w := &fakeidp.Exchange{Seq: 1, Method: "PATCH", URL: user, Status: 204, ReqBody: []byte(`{"Operations":[{"op":"replace","path":"title","value":"Lead"}]}`)}
	r := &fakeidp.Exchange{Seq: 2, Method: "GET", URL: user, Status: 200, RespBody: []byte(`{"title":"Eng"}`)}
	root := &scenarios.Outcome{ID: "patch-replace-single", Status: reports.StatusFail, Findings: []scenarios.Finding{{Message: "x", Exchanges: []*fakeidp.Exchange{w, r}}}}
	other := &scenarios.Outcome{ID: "idp-update-applied", Status: reports.StatusFail, Findings: []scenarios.Finding{{Message: "x", Exchanges: []*fakeidp.Exchange{w, r}}}}
	attributeSymptoms([]*scenarios.Result{{Outcomes: []*scenarios.Outcome{root, other}}}, noExchanges)
	assert.Empty(t, other.CausedBy, "exchanges recorded apart (a property sequence's): the writes between them are not known")
	attributeSymptoms([]*scenarios.Result{{Outcomes: []*scenarios.Outcome{root, other}}}, func() []*fakeidp.Exchange { return []*fakeidp.Exchange{w, r} })
	assert.Equal(t, []string{"patch-replace-single"}, other.CausedBy)
}

func noExchanges() []*fakeidp.Exchange { return nil }
