package watch

import (
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the watcher's Prometheus series, on a registry of its own
// (never the global one). Every label value comes from a small fixed set:
// operations, resource types, outcomes, methods, path templates, anomaly
// kinds, drift classes; never an id or a name.
type metrics struct {
	reg         *prometheus.Registry
	mutations   *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lag         *prometheus.HistogramVec
	drift       *prometheus.GaugeVec
	anomalies   *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	targetUp    prometheus.Gauge
	ticks       *prometheus.CounterVec
	open        *prometheus.GaugeVec
}

// Metric names, also used by the tests that check the shipped rules and
// dashboard name only metrics that exist.
var metricNames = []string{
	"scimloop_mutations_total", "scimloop_request_duration_seconds", "scimloop_confirmation_lag_seconds",
	"scimloop_drift_resources", "scimloop_anomalies_total", "scimloop_last_success_timestamp_seconds",
	"scimloop_target_up", "scimloop_ticks_total", "scimloop_anomaly_open",
}

// MetricNames returns the names of the series the watcher exports.
func MetricNames() []string { return append([]string(nil), metricNames...) }

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		mutations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scimloop_mutations_total",
			Help: "Canary mutations by operation, resource type and outcome (ok, failed, unconfirmed)."},
			[]string{"op", "resource", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "scimloop_request_duration_seconds",
			Help:    "Latency of each request to the target, by method and path template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
			[]string{"method", "path"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "scimloop_confirmation_lag_seconds",
			Help:    "Time from a mutation's answer until a read shows it.",
			Buckets: []float64{0, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
			[]string{"op"}),
		drift: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scimloop_drift_resources",
			Help: "Resources found drifted at the last reconcile, by class."}, []string{"class"}),
		anomalies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scimloop_anomalies_total",
			Help: "Anomalies raised, by kind."}, []string{"kind"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scimloop_last_success_timestamp_seconds",
			Help: "Unix time of the last clean tick or reconcile."}, []string{"loop"}),
		targetUp: prometheus.NewGauge(prometheus.GaugeOpts{Name: "scimloop_target_up",
			Help: "1 when the target answered the last tick's first request, else 0."}),
		ticks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scimloop_ticks_total",
			Help: "Ticks by outcome (ok, anomaly, down)."}, []string{"outcome"}),
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scimloop_anomaly_open",
			Help: "1 while an anomaly of the kind is open: seen, and not yet followed by a tick without it."}, []string{"kind"}),
	}
	m.reg.MustRegister(m.mutations, m.duration, m.lag, m.drift, m.anomalies, m.lastSuccess, m.targetUp, m.ticks, m.open,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every series exists from the start, so rules see 0, not absence.
	for _, k := range anomalyKinds {
		m.anomalies.WithLabelValues(string(k))
		m.open.WithLabelValues(string(k))
	}
	m.drift.WithLabelValues(driftLeftover)
	for _, o := range []string{outcomeOK, outcomeFailed, outcomeUnconfirmed} {
		m.mutations.WithLabelValues("delete", "User", o)
	}
	return m
}

// pathTemplate turns a request URL into a bounded label: the SCIM endpoint
// with any id replaced by {id} ("/Users/{id}", "/Groups", "/Users/.search").
func pathTemplate(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "other"
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, s := range segs {
		switch s {
		case "Users", "Groups", "ServiceProviderConfig", "Schemas", "ResourceTypes", "Bulk", "Me":
			rest := segs[i+1:]
			switch {
			case len(rest) == 0:
				return "/" + s
			case rest[0] == ".search":
				return "/" + s + "/.search"
			case s == "Users" || s == "Groups":
				return "/" + s + "/{id}"
			default:
				return "/" + s + "/{name}"
			}
		}
	}
	return "other"
}
