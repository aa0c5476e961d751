package watch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"time"
)

// alerter posts Alertmanager-compatible webhook messages (version 4) to
// --alert-webhook, for teams without Prometheus: an alert is posted once
// when it starts firing and once when it resolves, never again in between.
type alerter struct {
	url    string
	log    *slog.Logger
	hc     *http.Client
	firing map[string]alert // by alertname
}

// alert is one alert of the webhook payload.
type alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// webhookMessage is Alertmanager's webhook payload.
type webhookMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []alert           `json:"alerts"`
}

func newAlerter(url string, log *slog.Logger) *alerter {
	return &alerter{url: url, log: log, hc: &http.Client{Timeout: 10 * time.Second}, firing: map[string]alert{}}
}

// condition is an alert the watcher's state asks for now.
type condition struct{ name, summary string }

// firing returns the alerts the watcher's state asks for: one per open
// anomaly kind, drift, and the target being down. The names are those of
// examples/prometheus/scimloop-rules.yml.
func (w *Watcher) firing(up bool) []condition {
	var out []condition
	names := map[AnomalyKind]string{
		MutationFailed: "ScimloopMutationFailed", MutationUnconfirmed: "ScimloopMutationUnconfirmed",
		ReadbackMismatch: "ScimloopReadbackMismatch", ErrorBurst: "ScimloopErrorBurst",
		LatencySpike: "ScimloopLatencySpike", CountMismatch: "ScimloopCountMismatch",
	}
	for _, k := range anomalyKinds {
		if w.open[k] {
			out = append(out, condition{names[k], "scimloop watch: " + string(k)})
		}
	}
	total := 0
	for _, v := range w.drift {
		total += v
	}
	if total > 0 {
		out = append(out, condition{"ScimloopDrift", "resources drifted at the last reconcile"})
	}
	if !up {
		out = append(out, condition{"ScimloopTargetDown", "the SCIM target does not answer"})
	}
	return out
}

// update posts the alerts that started firing and those that resolved.
func (a *alerter) update(ctx context.Context, now []condition, at time.Time) {
	if a.url == "" {
		return
	}
	var changed []alert
	want := map[string]bool{}
	for _, c := range now {
		want[c.name] = true
		if _, ok := a.firing[c.name]; ok {
			continue // already posted: de-duplicated
		}
		al := alert{Status: "firing", Labels: map[string]string{"alertname": c.name, "job": "scimloop-watch", "severity": "page"},
			Annotations: map[string]string{"summary": c.summary}, StartsAt: at.UTC(), Fingerprint: fingerprint(c.name)}
		a.firing[c.name] = al
		changed = append(changed, al)
	}
	for name, al := range a.firing {
		if !want[name] {
			al.Status, al.EndsAt = "resolved", at.UTC()
			delete(a.firing, name)
			changed = append(changed, al)
		}
	}
	if len(changed) == 0 {
		return
	}
	sort.Slice(changed, func(i, j int) bool { return changed[i].Labels["alertname"] < changed[j].Labels["alertname"] })
	a.post(ctx, changed)
}

func fingerprint(name string) string {
	h := sha256.Sum256([]byte("scimloop-watch/" + name))
	return hex.EncodeToString(h[:8])
}

// post sends one webhook message; a failure is logged, never fatal.
func (a *alerter) post(ctx context.Context, alerts []alert) {
	status := "resolved"
	for _, al := range alerts {
		if al.Status == "firing" {
			status = "firing"
		}
	}
	msg := webhookMessage{Version: "4", GroupKey: `{}:{job="scimloop-watch"}`, Status: status, Receiver: "scimloop-watch",
		GroupLabels: map[string]string{"job": "scimloop-watch"}, CommonLabels: map[string]string{"job": "scimloop-watch"},
		CommonAnnotations: map[string]string{}, Alerts: alerts}
	body, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
	if err != nil {
		a.log.Error("alert", "error", err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		a.log.Error("alert", "error", err.Error())
		return
	}
	resp.Body.Close()
	a.log.Info("alert", "status", status, "alerts", len(alerts), "http", resp.StatusCode)
}
