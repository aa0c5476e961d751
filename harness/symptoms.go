package harness

import (
	"net/http"
	"slices"
	"sync"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// attributeSymptoms records, across scenarios and engines, the failures
// that a symptom explains (see assertions.Symptom) as consequences of the
// check that owns it: a failure each of whose findings cites an exchange
// showing the symptom (or a write and its read-back, for a symptom only a
// read-back shows), when that check failed on such evidence itself. One
// bug (406 to application/scim+json, attributes= ignored, a replace that
// changes nothing) is then one failing check, and the checks that only
// met it are listed under it. A failure with a finding the symptom does
// not explain keeps its own standing. all returns every exchange of the
// run, called only when a read-back symptom needs them: a write and a read
// are a pair only when no other write to the resource overlaps them, so
// both must be among all (a property sequence's exchanges, recorded apart,
// are not paired).
func attributeSymptoms(results []*scenarios.Result, all func() []*fakeidp.Exchange) {
	all = sync.OnceValue(all)
	for _, sym := range assertions.Symptoms() {
		shows := findingShows(sym, all)
		if !rootShows(results, sym, shows) {
			continue
		}
		for _, r := range results {
			for _, o := range r.Outcomes {
				if o.ID != sym.Root && o.Status == reports.StatusFail && len(o.CausedBy) == 0 && explains(o.Findings, shows) {
					o.CausedBy = []string{sym.Root}
				}
			}
		}
	}
}

// findingShows returns whether a finding's evidence shows sym.
func findingShows(sym assertions.Symptom, all func() []*fakeidp.Exchange) func(f scenarios.Finding) bool {
	if sym.Shows != nil {
		return func(f scenarios.Finding) bool { return slices.ContainsFunc(f.Exchanges, sym.Shows) }
	}
	recorded := sync.OnceValue(func() map[int]bool {
		seqs := map[int]bool{}
		for _, ex := range all() {
			seqs[ex.Seq] = true
		}
		return seqs
	})
	return func(f scenarios.Finding) bool {
		for _, w := range f.Exchanges {
			for _, r := range f.Exchanges {
				if w != nil && r != nil && w.Seq < r.Seq && sym.ShowsAfter(w, r) &&
					recorded()[w.Seq] && recorded()[r.Seq] && !overlappingWrite(all(), w, r) {
					return true
				}
			}
		}
		return false
	}
}

// overlappingWrite reports whether another write to w's resource ran while
// w and its read r did, or between them: then r need not show w.
func overlappingWrite(all []*fakeidp.Exchange, w, r *fakeidp.Exchange) bool {
	from, to := w.Started, r.Started.Add(r.Latency)
	for _, o := range all {
		if o == nil || o.Seq == w.Seq || o.Seq == r.Seq || o.Method == http.MethodGet || o.Method == http.MethodHead {
			continue
		}
		if !o.Started.After(to) && !o.Started.Add(o.Latency).Before(from) && assertions.SameResource(o.URL, w.URL) {
			return true
		}
	}
	return false
}

// rootShows reports whether sym's own check failed on evidence showing it.
func rootShows(results []*scenarios.Result, sym assertions.Symptom, shows func(scenarios.Finding) bool) bool {
	for _, r := range results {
		for _, o := range r.Outcomes {
			if o.ID == sym.Root && o.Status == reports.StatusFail && slices.ContainsFunc(o.Findings, shows) {
				return true
			}
		}
	}
	return false
}

// explains reports whether every finding shows the symptom.
func explains(findings []scenarios.Finding, shows func(scenarios.Finding) bool) bool {
	return len(findings) > 0 && !slices.ContainsFunc(findings, func(f scenarios.Finding) bool { return !shows(f) })
}
