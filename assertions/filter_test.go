package assertions

import (
	"strings"
	"testing"

	"github.com/scimloop/scimloop/fakeidp"
)

func TestClassifyFilter(t *testing.T) {
	cases := []struct {
		ex   *fakeidp.Exchange
		want FilterAnswer
	}{
		{bad("GET", "/Users", 200, `{"Resources":[]}`), FilterAccepted},
		{bad("GET", "/Users", 404, `{}`), FilterAccepted}, // not a decline: judged by its results
		{bad("GET", "/Users", 400, `{"scimType":"invalidFilter"}`), FilterDeclined},
		{bad("GET", "/Users", 400, `{}`), FilterDeclined},
		{bad("GET", "/Users", 501, ``), FilterDeclined},
		{bad("GET", "/Users", 500, ``), FilterServerError},
		{bad("GET", "/Users", 0, ``), FilterNoAnswer},
		{nil, FilterNoAnswer},
	}
	for _, c := range cases {
		if got := ClassifyFilter(c.ex); got != c.want {
			status := 0
			if c.ex != nil {
				status = c.ex.Status
			}
			t.Errorf("status %d: %v, want %v", status, got, c.want)
		}
	}
}

func TestFilterDeclineLabelled(t *testing.T) {
	if err := FilterDeclineLabelled(bad("GET", "/Users", 400, `{"scimType":"invalidFilter"}`)); err != nil {
		t.Errorf("400 invalidFilter: %v, want nil", err)
	}
	for body, want := range map[string]string{
		`{"detail":"no"}`:             "400 without scimType",
		`{"scimType":"invalidValue"}`: "400 invalidValue",
	} {
		err := FilterDeclineLabelled(bad("GET", "/Users", 400, body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %q", body, err, want)
		}
	}
	if err := FilterDeclineLabelled(bad("GET", "/Users", 501, ``)); err == nil || !strings.Contains(err.Error(), "= 501") {
		t.Errorf("501: %v, want an error", err)
	}
}

func TestFilterFailedAndIdP(t *testing.T) {
	if err := FilterFailed(bad("GET", "/Users", 503, ``)); !strings.Contains(err.Error(), "= 503") {
		t.Errorf("FilterFailed = %v", err)
	}
	if err := FilterFailed(bad("GET", "/Users", 0, ``)); !strings.Contains(err.Error(), "no answer") {
		t.Errorf("FilterFailed = %v", err)
	}
	err := FilterDeclinedForIdP(bad("GET", "/Groups", 400, `{"scimType":"invalidFilter"}`), "members[value eq]", "Entra ID sends")
	if !strings.Contains(err.Error(), "declines members[value eq], which Entra ID sends") {
		t.Errorf("FilterDeclinedForIdP = %v", err)
	}
}
