package harness

import (
	"net/url"
	"regexp"
	"slices"
	"sort"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// maxStoredBody caps each body kept in results.json.
const maxStoredBody = 64 << 10

func convertExchanges(exs []*fakeidp.Exchange) []reports.Exchange {
	out := make([]reports.Exchange, 0, len(exs))
	for _, e := range exs {
		r := reports.Exchange{
			Seq: e.Seq, Scenario: e.Scenario, Started: e.Started.UTC(), Method: e.Method, URL: e.URL,
			RequestHeaders: e.ReqHeader.HTTP(), RequestBody: string(capBody(e.ReqBody)),
			Status: e.Status, ResponseHeaders: e.RespHeader.HTTP(), ResponseBody: string(capBody(e.RespBody)),
			Truncated: e.Truncated || len(e.RespBody) > maxStoredBody || len(e.ReqBody) > maxStoredBody,
			LatencyMs: float64(e.Latency.Microseconds()) / 1000, Attempt: e.Attempt,
		}
		if e.Err != nil {
			r.Error = e.Err.Error()
		}
		out = append(out, r)
	}
	return out
}

func capBody(b []byte) []byte {
	if len(b) > maxStoredBody {
		return b[:maxStoredBody]
	}
	return b
}

var idSegment = regexp.MustCompile(`^/(Users|Groups)/[^/]+`)

// opName groups exchanges by method and resource endpoint: "PATCH /Groups/{id}".
func opName(e reports.Exchange) string {
	u, err := url.Parse(e.URL)
	if err != nil {
		return e.Method
	}
	p := u.Path
	for _, ep := range []string{"/Users", "/Groups", "/ServiceProviderConfig", "/ResourceTypes", "/Schemas", "/Bulk", "/.search", "/Me"} {
		if i := indexOf(p, ep); i >= 0 {
			p = p[i:]
			break
		}
	}
	p = idSegment.ReplaceAllString(p, "/$1/{id}")
	return e.Method + " " + p
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub && (i+len(sub) == len(s) || s[i+len(sub)] == '/' || s[i+len(sub)] == '.') {
			return i
		}
	}
	return -1
}

// latency summarises exchange latencies per operation, sorted by name.
func latency(exs []reports.Exchange) []reports.OpLatency {
	byOp := map[string][]float64{}
	for _, e := range exs {
		if e.Status == 0 {
			continue
		}
		byOp[opName(e)] = append(byOp[opName(e)], e.LatencyMs)
	}
	ops := make([]string, 0, len(byOp))
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	out := make([]reports.OpLatency, 0, len(ops))
	for _, op := range ops {
		v := byOp[op]
		slices.Sort(v)
		out = append(out, reports.OpLatency{Op: op, Count: len(v), P50: pct(v, 50), P90: pct(v, 90), P99: pct(v, 99), Max: v[len(v)-1]})
	}
	return out
}

// pct is the nearest-rank percentile of sorted values.
func pct(sorted []float64, p int) float64 {
	i := (p*len(sorted)+99)/100 - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
