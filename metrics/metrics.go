// Package metrics exposes the daemon's Prometheus metrics on its own
// registry: HTTP requests by route (Middleware), embedding latency and
// errors (Embedder), memory events (ObserveEvent), figures of the store
// and the service read at scrape time, and the Go and process collectors.
// Our metrics are named memory_*, the HTTP ones http_*.
package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mcp-memory-go/memory"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultStatsTTL is how long store figures are reused between scrapes.
const DefaultStatsTTL = 5 * time.Second

// Metrics holds the registry and the metrics the daemon updates. Set the
// exported fields before serving; the methods are safe for concurrent use.
type Metrics struct {
	// StatsTTL is how long the figures read from the store are reused, so
	// that frequent scrapes stay cheap; 0 means DefaultStatsTTL.
	StatsTTL time.Duration
	// Now is the clock of that cache; tests replace it.
	Now func() time.Time
	// Logger receives scrape errors; nil means slog.Default().
	Logger *slog.Logger

	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	embed    embedMetrics
	events   *prometheus.CounterVec
	stats    *statsCollector
}

// New returns metrics registered on a new registry, reading store figures
// from svc (nil: none).
func New(svc *memory.Service) *Metrics {
	m := &Metrics{Now: time.Now, reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route pattern and method (streams count until they end).",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "memory_events_total",
		Help: "Changes made to memories, by event type.",
	}, []string{"type"})
	for _, t := range []string{memory.EventStored, memory.EventUpdated, memory.EventDeleted} {
		m.events.WithLabelValues(t)
	}
	m.embed = newEmbedMetrics()
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.events,
		m.embed.seconds, m.embed.errors, m.embed.texts,
	)
	if svc != nil {
		m.stats = &statsCollector{m: m, svc: svc}
		m.reg.MustRegister(m.stats)
	}
	return m
}

// Registry returns the registry, for other packages' collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text (or negotiated)
// format. A metric that fails to collect is logged and left out; the
// rest are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      errorLog{m},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg,
	})
}

// ObserveEvent counts e by type. Chain it into memory.Service.OnEvent.
func (m *Metrics) ObserveEvent(e memory.Event) {
	m.events.WithLabelValues(e.Type).Inc()
}

func (m *Metrics) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// errorLog adapts the logger to promhttp.Logger.
type errorLog struct{ m *Metrics }

func (l errorLog) Println(v ...any) {
	l.m.logger().Warn("serving metrics", "err", fmt.Sprint(v...))
}
