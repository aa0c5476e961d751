package reports

import (
	"time"
)

// Secrets planted in the fixture: no writer that redacts may let them out.
const (
	fixtureToken    = "s3cr3t-bearer-t0ken"
	fixturePassword = "hunter2-P@ss"
	fixtureSecret   = "cl13nt-s3cr3t"
)

// nastyExcerpt has everything that breaks naive writers: markup, a CDATA
// terminator, control characters, invalid UTF-8, non-characters and a table
// separator.
const nastyExcerpt = "PUT /Users/2819c223 HTTP/1.1\n" +
	"If-Match: W/\"1\"\n\n" +
	"{\"userName\":\"<b>bjensen</b> & co ]]> | pipe\"}\n" +
	"HTTP/1.1 200 OK\n" +
	"ctl:\x00\x01\x08\x0b\x0c\x1b[31m\x7f bad:\xff\xfe\xc3 nonchars:\uFFFE\uFFFF end"

// fixtureRun returns a rich, fixed Run: four scenarios (one with a dialect),
// every status, MUST, SHOULD, MAY and IDP failures, a check judged outside
// any scenario, run errors, leftovers, exchanges with secrets and latencies,
// coverage rows and feedback. Every call returns a fresh value.
func fixtureRun() *Run {
	t0 := time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

	etagFinding := Finding{
		Check:     "etag-changes-on-update",
		Scenario:  "update-user",
		Message:   `etag-changes-on-update: PUT /Users/2819c223 = ETag W/"1", want a value different from W/"1"`,
		Exchanges: []int{3, 4},
		Excerpt:   nastyExcerpt,
		Repro:     "scimloop run --url https://scim.example.test/v2 --seed 42 --only etag-changes-on-update",
		Curl:      fixtureCurls(),
	}
	etagFinding2 := Finding{
		Check:     "etag-changes-on-update",
		Scenario:  "update-user",
		Message:   "etag-changes-on-update: PATCH /Users/2819c223 = ETag W/\"1\"\nsecond line | with pipe",
		Exchanges: []int{5},
		Excerpt:   "PATCH /Users/2819c223\n<![CDATA[ x ]]>",
	}
	preconditionFinding := Finding{
		Check:    "if-match-412",
		Scenario: "update-user",
		Message:  "if-match-412: PUT /Users/2819c223 with stale If-Match = 409, want 412",
		Excerpt:  "HTTP/1.1 409 Conflict\n{\"detail\":\"version & <mismatch>\"}",
		Repro:    "scimloop run --seed 42 --only if-match-412",
	}
	entraFinding := Finding{
		Check:    "entra-false-string",
		Scenario: "deactivate-user",
		Message:  `entra-false-string: PATCH active "False" = 400, want 200`,
		Excerpt:  "{\"Operations\":[{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}",
	}
	mayFinding := Finding{
		Check:    "sort-supported",
		Scenario: "list-users",
		Message:  "sort-supported: GET /Users?sortBy=userName = unsorted",
	}
	reconcileFinding := Finding{
		Check:   "final-state-consistent",
		Message: "final-state-consistent: GET /Groups/g1 members mismatch (-want +got):\n-u1\n+u2",
	}

	run := &Run{
		Tool:      "scimloop",
		Version:   "v0.3.0-test",
		Catalogue: "2025.03",
		Profile:   "run",
		Target:    "https://scim.example.test/v2",
		Started:   t0,
		Duration:  12.3456,
		Seed:      42,
		Dialect:   "entra",
		Strict:    false,
		Prefix:    "sl-42",
		Command:   "scimloop run --url https://scim.example.test/v2 --seed 42 --dialect entra",
		Verdict: Verdict{
			Result: "fail", IdPCompat: "fail", MustFailures: 2, Warnings: 1,
			Passed: 3, Failed: 5, Skipped: 2, Errored: 1,
		},
		Capabilities: map[string]bool{"patch": true, "etag": true, "bulk": false, "sort": true, "filter": true},
		Checks: []CheckResult{
			{ID: "status-201-on-create", Title: "POST returns 201 Created", Level: LevelMust, RFC: "RFC 7644 §3.3", Spec: []string{"PROTO-STATUS-001"}, Area: "create", Status: StatusPass},
			{ID: "etag-changes-on-update", Title: "ETag changes when the resource changes", Level: LevelMust, RFC: "RFC 7644 §3.14", Spec: []string{"PROTO-ETAG-003", "PROTO-ETAG-004"}, Area: "etag", Capability: "etag", Rule: "a version MUST change when the resource changes", Status: StatusFail, Findings: []Finding{etagFinding, etagFinding2}},
			{ID: "if-match-412", Title: "stale If-Match is answered with 412", Level: LevelShould, RFC: "RFC 7644 §3.14", Spec: []string{"PROTO-ETAG-007"}, Area: "etag", Capability: "etag", Status: StatusFail, Findings: []Finding{preconditionFinding}},
			{ID: "entra-false-string", Title: `Entra's "False" string is accepted`, Level: LevelIDP, RFC: "RFC 7643 §2.3.2", Area: "patch", Status: StatusFail, Findings: []Finding{entraFinding}},
			{ID: "sort-supported", Title: "sortBy sorts", Level: LevelMay, RFC: "RFC 7644 §3.4.2.3", Area: "list", Capability: "sort", Status: StatusFail, Findings: []Finding{mayFinding}},
			{ID: "bulk-ops", Title: "Bulk operations", Level: LevelMust, RFC: "RFC 7644 §3.7", Area: "bulk", Capability: "bulk", Status: StatusSkip, Reason: "bulk not advertised"},
			{ID: "tls-required", Title: "TLS is required", Level: LevelMust, RFC: "RFC 7644 §7.1", Area: "auth", Status: StatusSkip, Reason: "loopback http"},
			{ID: "patch-remove-member", Title: "PATCH remove member", Level: LevelMust, RFC: "RFC 7644 §3.5.2.2", Area: "patch", Capability: "patch", Status: StatusError, Reason: "precondition: group create failed with 500"},
			{ID: "final-state-consistent", Title: "server state matches the model", Level: LevelMust, RFC: "RFC 7644 §3.4.1", Area: "reconcile", Status: StatusFail, Findings: []Finding{reconcileFinding}},
			{ID: "get-returns-200", Title: "GET returns 200", Level: LevelMust, RFC: "RFC 7644 §3.4.1", Area: "read", Status: StatusPass},
		},
		// Deliberately out of order: writers sort.
		Scenarios: []ScenarioResult{
			{Name: "update-user", Area: "etag", Status: StatusFail, Duration: 0.0000001, Checks: []ScenarioCheck{
				{ID: "if-match-412", Status: StatusFail, Findings: []Finding{preconditionFinding}},
				{ID: "etag-changes-on-update", Status: StatusFail, Findings: []Finding{etagFinding, etagFinding2}},
				{ID: "get-returns-200", Status: StatusPass},
			}},
			{Name: "create-user", Area: "create", Status: StatusPass, Duration: 12345678.9, Checks: []ScenarioCheck{
				{ID: "status-201-on-create", Status: StatusPass},
				{ID: "tls-required", Status: StatusSkip, Reason: "loopback http <127.0.0.1> & no TLS"},
			}},
			{Name: "deactivate-user", Area: "patch", Dialect: "entra", Status: StatusFail, Duration: 1.5, Checks: []ScenarioCheck{
				// Findings only on the aggregated check: writers fall back to them.
				{ID: "entra-false-string", Status: StatusFail},
				{ID: "patch-remove-member", Status: StatusError, Reason: "precondition: group create failed with 500"},
			}},
			{Name: "list-users", Area: "list", Status: StatusFail, Duration: 0.25, Checks: []ScenarioCheck{
				{ID: "sort-supported", Status: StatusFail, Findings: []Finding{mayFinding}},
				{ID: "bulk-ops", Status: StatusSkip, Reason: "bulk not advertised"},
			}},
			{Name: "group-lifecycle", Area: "groups", Status: StatusError, Reason: "POST /Groups = 500\x00 Internal Server Error", Duration: 0.5},
		},
		Exchanges: fixtureExchanges(at),
	}
	fixtureExtras(run)
	return run
}

// fixtureCurls are the curl commands of a finding, with a quote and
// markup in the body.
func fixtureCurls() []string {
	return []string{
		"printf '%s\\n' \"Authorization: Bearer $SCIMLOOP_TOKEN\" | curl -sS -i -g -X PUT https://scim.example.test/v2/Users/2819c223 --data-binary '{\"userName\":\"o'\\''neil </pre> ```\"}' -H @-",
		`printf '%s\n' "Authorization: Bearer $SCIMLOOP_TOKEN" | curl -sS -i -g https://scim.example.test/v2/Users/2819c223 -H @-`,
	}
}

// fixtureExtras sets the fixture run's feedback, leftovers, errors and coverage.
func fixtureExtras(run *Run) {
	run.FilterSupport = []FilterSupport{
		{Attribute: "userName", Operator: "sw", Status: FilterDeclined, Check: "filter-sw", Answer: "400 invalidFilter"},
		{Attribute: "userName", Operator: "eq", Status: FilterSupported, Check: "filter-eq-exact"},
		{Attribute: "", Operator: "or", Status: FilterDeclined, Check: "filter-logical", Answer: "501"},
		{Attribute: `emails[type eq "work"].value`, Operator: "eq", Status: FilterWrong, Check: "filter-idp-minimum"},
		{Attribute: "<b>title</b> | x", Operator: "pr", Status: FilterError, Check: "filter-pr", Answer: "500"},
	}
	run.Feedback = &Feedback{
		Sequences: 20, Steps: 340, Retries: 2, Seed: 42, MinimalSteps: 3,
		Confirmed:    map[string]int{"create": 40, "patch": 31},
		Unconfirmed:  map[string]int{"put": 1, "delete": 2},
		ModelCounts:  map[string]int{"users": 12, "groups": 3},
		ServerCounts: map[string]int{"users": 12, "groups": 3},
		MemberDrift:  []string{"g1: u1 missing"},
		ReplayFiles:  []string{"testdata/replay/seed-42.json"},
	}
	run.Leftovers = []Leftover{
		{Type: "User", ID: "u-99", Name: "sl-42-alice", Error: "DELETE /Users/u-99 = 500"},
		{Type: "Group", ID: "g-7", Error: "DELETE /Groups/g-7: connection reset | retry"},
	}
	run.Errors = []string{
		"GET /ServiceProviderConfig: dial tcp 10.0.0.1:443: i/o timeout",
		"cleanup interrupted\x1b[0m <after> 30s",
	}
	run.Coverage = []RowCoverage{
		{ID: "PROTO-ETAG-007", Level: "SHOULD", Status: "fail", Checks: []string{"if-match-412"}},
		{ID: "PROTO-STATUS-001", Level: "MUST", Status: "pass", Checks: []string{"status-201-on-create"}},
		{ID: "PROTO-ETAG-003", Level: "MUST", Status: "fail", Checks: []string{"etag-changes-on-update"}},
		{ID: "PROTO-SORT-001", Level: "MAY", Status: "skip", Checks: []string{"sort-supported"}, Reason: "sort not advertised"},
		{ID: "PROTO-BULK-001", Level: "MUST", Status: "not-run", Checks: []string{"bulk-ops"}},
		{ID: "SCHEMA-CORE-040", Level: "SHOULD NOT", Status: "uncovered"},
		{ID: "PROTO-AUTH-006", Level: "MUST", Status: "skip", Reason: "loopback <http>"},
	}
}

// fixtureExchanges are the fixture run's exchanges, started at times at gives.
func fixtureExchanges(at func(ms int) time.Time) []Exchange {
	return []Exchange{
		{
			Seq: 2, Scenario: "create-user", Started: at(120), Method: "POST",
			URL: "https://scim.example.test/v2/Users?attributes=userName&access_token=" + fixtureToken,
			RequestHeaders: map[string][]string{
				"Authorization": {"Bearer " + fixtureToken},
				"Content-Type":  {"application/scim+json"},
				"Accept":        {"application/scim+json"},
			},
			RequestBody:     `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"sl-42-alice","password":"` + fixturePassword + `","name":{"givenName":"Al"}}`,
			Status:          201,
			ResponseHeaders: map[string][]string{"Content-Type": {"application/scim+json"}, "ETag": {`W/"1"`}, "Set-Cookie": {"session=" + fixtureToken}},
			ResponseBody:    `{"id":"2819c223","userName":"sl-42-alice","meta":{"version":"W/\"1\""}}`,
			LatencyMs:       42.5,
		},
		{
			Seq: 1, Scenario: "", Started: at(0), Method: "GET",
			URL:             "https://scim.example.test/v2/ServiceProviderConfig",
			RequestHeaders:  map[string][]string{"authorization": {"Bearer " + fixtureToken}},
			Status:          200,
			ResponseHeaders: map[string][]string{"Content-Type": {"application/scim+json"}},
			ResponseBody:    `{"patch":{"supported":true},"etag":{"supported":true},"authenticationSchemes":[{"type":"oauthbearertoken","client_secret":"` + fixtureSecret + `"}]}`,
			LatencyMs:       3.25,
		},
		{
			Seq: 3, Scenario: "update-user", Started: at(300), Method: "PUT",
			URL:            "https://scim.example.test/v2/Users/2819c223",
			RequestHeaders: map[string][]string{"Authorization": {"Bearer " + fixtureToken}, "If-Match": {`W/"1"`}, "Cookie": {"a=b"}},
			RequestBody:    `{"userName":"sl-42-alice","Password":"` + fixturePassword + `"}`,
			Status:         200,
			ResponseBody:   `{"id":"2819c223","meta":{"version":"W/\"1\""}}`,
			LatencyMs:      0.4,
		},
		{
			Seq: 4, Scenario: "update-user", Started: at(420), Method: "PATCH",
			URL:            "https://scim.example.test/v2/Users/2819c223",
			RequestHeaders: map[string][]string{"Authorization": {"Bearer " + fixtureToken}, "Content-Type": {"application/scim+json"}},
			RequestBody:    `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"value":"` + fixturePassword + `","op":"replace","path":"password"}]}`,
			Status:         200,
			ResponseBody:   `{"id":"2819c223"}`,
			LatencyMs:      180,
		},
		{
			Seq: 5, Scenario: "list-users", Started: at(700), Method: "GET",
			URL:       "https://scim.example.test/v2/Users?filter=userName%20sw%20%22sl-42%22&sortBy=userName",
			Status:    200,
			Truncated: true,
			// Cut mid-way by the recorder: not valid JSON any more.
			ResponseBody: `{"Resources":[{"id":"2819c223","password":"` + fixturePassword + `","userName":"sl-42-al`,
			LatencyMs:    7000,
		},
		{
			Seq: 6, Scenario: "group-lifecycle", Started: at(7800), Method: "POST",
			URL:       "https://scim.example.test/v2/Groups",
			Status:    0,
			Error:     "read tcp: connection reset by peer",
			LatencyMs: 30000,
			Attempt:   2,
		},
		{
			Seq: 7, Scenario: "list-users", Started: at(7900), Method: "GET",
			URL: "https://scim.example.test/v2/Users/2819c223", Status: 200,
			ResponseBody: "not json \xff <html>",
			LatencyMs:    12,
		},
	}
}
