package reports

import (
	"math"
	"net/url"
	"slices"
	"strings"
)

// latencyBucketsMs are the upper bounds of the latency histogram buckets, in
// milliseconds; a last, open bucket holds everything slower. They are fixed
// so that histograms of different operations and runs compare at a glance.
var latencyBucketsMs = []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000}

// opLatencies returns one OpLatency per operation: run.Latency as given when
// it is present, else computed from the exchanges. Sorted by op.
func opLatencies(run *Run) []OpLatency {
	var out []OpLatency
	if len(run.Latency) > 0 {
		out = slices.Clone(run.Latency)
	} else {
		samples := latencySamples(run)
		for _, op := range sortedKeys(samples) {
			out = append(out, summarise(op, samples[op]))
		}
	}
	slices.SortStableFunc(out, func(a, b OpLatency) int { return strings.Compare(a.Op, b.Op) })
	return out
}

// latencySamples groups the exchanges' latencies by operation, each group
// sorted ascending. Latencies that are negative, NaN or infinite are left out.
func latencySamples(run *Run) map[string][]float64 {
	samples := map[string][]float64{}
	for _, ex := range run.Exchanges {
		ms := ex.LatencyMs
		if math.IsNaN(ms) || math.IsInf(ms, 0) || ms < 0 {
			continue
		}
		op := opName(ex.Method, ex.URL)
		samples[op] = append(samples[op], ms)
	}
	for _, s := range samples {
		slices.Sort(s)
	}
	return samples
}

// summarise computes count, nearest-rank percentiles and max of sorted.
func summarise(op string, sorted []float64) OpLatency {
	l := OpLatency{Op: op, Count: len(sorted)}
	if len(sorted) == 0 {
		return l
	}
	l.P50 = percentile(sorted, 50)
	l.P90 = percentile(sorted, 90)
	l.P99 = percentile(sorted, 99)
	l.Max = sorted[len(sorted)-1]
	return l
}

// percentile returns the nearest-rank p-th percentile of sorted (non-empty,
// ascending).
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// histogram counts sorted latencies into latencyBucketsMs plus the open
// bucket.
func histogram(sorted []float64) []int {
	counts := make([]int, len(latencyBucketsMs)+1)
	for _, ms := range sorted {
		i, _ := slices.BinarySearch(latencyBucketsMs, ms)
		counts[i]++
	}
	return counts
}

// scimEndpoints are the path segments that name a SCIM endpoint.
var scimEndpoints = map[string]string{
	"users": "Users", "groups": "Groups", "me": "Me", "bulk": "Bulk",
	"serviceproviderconfig": "ServiceProviderConfig", "resourcetypes": "ResourceTypes",
	"schemas": "Schemas", ".search": ".search",
}

// opName names the operation of a request as "METHOD /Endpoint": the method
// and the SCIM endpoint its path addresses, without the server's base path,
// with a resource id shown as {id} ("GET /Users", "GET /Users/{id}",
// "POST /Users/.search", "POST /.search"), the names the harness gives
// Run.Latency. A path with no known endpoint is named by its first segment
// that starts with an upper-case letter (a custom resource type), else by the
// whole path.
func opName(method, rawURL string) string {
	method = strings.ToUpper(strings.TrimSpace(method))
	path := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		path = u.Path
	}
	segs := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	for i, s := range segs {
		name, ok := scimEndpoints[strings.ToLower(s)]
		if !ok {
			continue
		}
		return method + " /" + name + opSuffix(name, segs[i+1:])
	}
	for i, s := range segs {
		if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
			return method + " /" + s + opSuffix(s, segs[i+1:])
		}
	}
	if path == "" {
		path = "/"
	}
	return method + " " + path
}

// opSuffix is what follows the endpoint name in an operation's name: "/.search"
// for a search, "/{id}" when rest addresses one resource, the name itself for
// a discovery resource ("/ResourceTypes/User").
func opSuffix(name string, rest []string) string {
	switch {
	case name == ".search" || len(rest) == 0:
		return ""
	case strings.EqualFold(rest[0], ".search"):
		return "/.search"
	case name == "ResourceTypes" || name == "Schemas" || name == "ServiceProviderConfig":
		// Discovery resources are few and named, as the harness names them.
		return "/" + strings.Join(rest, "/")
	}
	return "/{id}"
}
