package sequences

import (
	"context"
	"testing"
	"time"

	"github.com/scimloop/scimloop/internal/refserver"
)

// BenchmarkSchemaProperties1000Users generates 1,000 users from the
// reference server's /Schemas (500 through the PUT property, 500 through
// the PATCH property, each with one or two updates judged against the
// model) and reports the wall time and requests per second:
//
//	go test ./sequences -run '^$' -bench SchemaProperties1000Users -benchtime 1x
func BenchmarkSchemaProperties1000Users(b *testing.B) {
	env, nc := propEnvConfig(b, refserver.Config{})
	for b.Loop() {
		start := time.Now()
		res := RunSchemaProperties(context.Background(), env, SchemaConfig{Cases: 500, Seed: 5, NoFailFile: true, NewClient: nc,
			Types: []string{"User"}, Properties: []string{"put", "patch"}})
		took := time.Since(start)
		if len(res.Failures) > 0 || len(res.Skipped) > 0 {
			b.Fatalf("the reference server failed: %+v %v", res.Failures, res.Skipped)
		}
		b.ReportMetric(float64(res.Cases), "users")
		b.ReportMetric(float64(res.Requests), "requests")
		b.ReportMetric(float64(res.Requests)/took.Seconds(), "req/s")
		b.ReportMetric(took.Seconds(), "s/1000users")
	}
}
