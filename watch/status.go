package watch

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /metrics and, at /, a small status page: the last ticks,
// the open anomalies and an SVG sparkline of the slowest request per tick.
func (w *Watcher) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(w.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/{$}", w.statusPage)
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, "ok") })
	return mux
}

// Serve serves Handler on ln until stop is closed.
func (w *Watcher) Serve(ln net.Listener, stop <-chan struct{}) error {
	hs := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}()
	if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

var statusTmpl = template.Must(template.New("status").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>scimloop watch</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:left}.anomaly{color:#b00}.down{color:#888}</style>
</head><body>
<h1>scimloop watch</h1>
<p>Canary prefix <code>{{.Prefix}}</code> · <a href="/metrics">metrics</a></p>
<h2>Slowest request per tick</h2>
{{.Spark}}
<h2>Open anomalies</h2>
{{if .Open}}<table><tr><th>at</th><th>tick</th><th>kind</th><th>detail</th></tr>
{{range .Open}}<tr class="anomaly"><td>{{.At.UTC.Format "2006-01-02 15:04:05"}}</td><td>{{.Tick}}</td><td>{{.Kind}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
<h2>Last ticks</h2>
<table><tr><th>tick</th><th>started</th><th>outcome</th><th>duration</th><th>slowest</th><th>detail</th></tr>
{{range .Ticks}}<tr class="{{.Outcome}}"><td>{{.Seq}}</td><td>{{.Started.UTC.Format "2006-01-02 15:04:05"}}</td><td>{{.Outcome}}</td><td>{{.Duration}}</td><td>{{.MaxLatency}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>
</body></html>
`))

func (w *Watcher) statusPage(rw http.ResponseWriter, r *http.Request) {
	ticks, err := w.st.lastTicks(r.Context(), 100)
	if err != nil {
		http.Error(rw, "state: "+err.Error(), http.StatusInternalServerError)
		return
	}
	open, err := w.st.anomalies(r.Context(), 50, true)
	if err != nil {
		http.Error(rw, "state: "+err.Error(), http.StatusInternalServerError)
		return
	}
	lat := make([]float64, len(ticks))
	for i, t := range ticks {
		lat[len(ticks)-1-i] = ms(t.MaxLatency) // oldest first
	}
	shown := ticks[:min(len(ticks), 20)]
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = statusTmpl.Execute(rw, map[string]any{"Prefix": w.prefix, "Ticks": shown, "Open": open, "Spark": sparkline(lat, 400, 60)})
}

// sparkline draws values (milliseconds, oldest first) as an inline SVG polyline.
func sparkline(values []float64, width, height int) template.HTML {
	if len(values) == 0 {
		return template.HTML(`<p>No ticks yet.</p>`)
	}
	top := 1.0
	for _, v := range values {
		top = max(top, v)
	}
	var pts strings.Builder
	step := float64(width) / float64(max(1, len(values)-1))
	for i, v := range values {
		fmt.Fprintf(&pts, "%.1f,%.1f ", float64(i)*step, float64(height)-v/top*float64(height-2)-1)
	}
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="slowest request per tick, up to %.0f ms">`+
		`<polyline fill="none" stroke="#36c" stroke-width="1.5" points="%s"/></svg> <small>max %.0f ms</small>`,
		width, height, width, height, top, strings.TrimSpace(pts.String()), top)) //nolint:gosec // numbers only
}

// PrintStatus writes the last n ticks and the open anomalies of the state
// at path, for "scimloop watch status".
func PrintStatus(out io.Writer, path string, n int) error {
	st, err := openStore(path, DefaultRetention)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	prefix, _ := st.meta("prefix")
	ticks, err := st.lastTicks(ctx, n)
	if err != nil {
		return err
	}
	open, err := st.anomalies(ctx, 50, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "scimloop watch state %s (prefix %s): %d ticks shown\n", path, prefix, len(ticks))
	for _, t := range ticks {
		fmt.Fprintf(out, "tick %-6d %s  %-8s %8s  slowest %8s  %s\n", t.Seq, t.Started.UTC().Format(time.RFC3339), t.Outcome,
			t.Duration.Round(time.Millisecond), t.MaxLatency.Round(time.Millisecond), t.Detail)
	}
	fmt.Fprintf(out, "open anomalies: %d\n", len(open))
	for _, a := range open {
		fmt.Fprintf(out, "  %s tick %d %s: %s\n", a.At.UTC().Format(time.RFC3339), a.Tick, a.Kind, a.Detail)
	}
	return nil
}
