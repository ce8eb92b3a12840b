package server

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series. Each server owns a registry,
// so that tests can run several servers in one process.
type metrics struct {
	registry *prometheus.Registry

	requests        *prometheus.CounterVec   // by method and gRPC code
	latency         *prometheus.HistogramVec // by method, seconds
	tokens          *prometheus.CounterVec   // by model and direction (source, target)
	speed           *prometheus.HistogramVec // target tokens per second of decoding, by model
	queueDepth      prometheus.Gauge         // requests waiting for a worker
	busyWorkers     prometheus.Gauge         // requests decoding
	lateTokens      prometheus.Counter       // tokens decoded after a request was cancelled
	modelsAvailable prometheus.Gauge
	rejected        *prometheus.CounterVec // calls refused by the server's limits or the transport, by method and reason
	connections     prometheus.Gauge       // open client connections
	memoryReserved  prometheus.Gauge       // estimated bytes of the requests decoding
	memoryBudget    prometheus.Gauge       // Options.MemoryBudget
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: counterVec("translated_requests_total", "RPCs handled, by method and gRPC status code.", "method", "code"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "translated_request_duration_seconds",
			Help:    "Time from the start of an RPC to its status, by method.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14), // 1 ms .. ~150 s
		}, []string{"method"}),
		tokens: counterVec("translated_tokens_total", "Subword tokens read (direction=source) and written (direction=target), by model; rate() gives tokens per second.", "model", "direction"),
		speed: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "translated_decode_tokens_per_second",
			Help:    "Target tokens per second of worker time, one observation per request.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14), // 1 .. 8192
		}, []string{"model"}),
		queueDepth:  gauge("translated_queue_depth", "Requests waiting for a decoding worker."),
		busyWorkers: gauge("translated_workers_busy", "Decoding workers in use."),
		lateTokens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "translated_tokens_after_cancel_total",
			Help: "Target tokens produced after their request was cancelled or expired; stays near one per cancelled request when cancellation is prompt.",
		}),
		modelsAvailable: gauge("translated_models", "Models loaded and served."),
		rejected:        counterVec("translated_rejected_total", "Calls refused before decoding or cut short by a limit of the server, by method and reason: malformed, invalid_utf8, oversize, reset, unknown_method, unauthenticated, queue, per_client, memory_budget, max_reply, stream_buffer, send_timeout, decode_time.", "method", "reason"),
		connections:     gauge("translated_connections", "Client connections open."),
		memoryReserved:  gauge("translated_memory_reserved_bytes", "Estimated decoding memory of the requests decoding, against translated_memory_budget_bytes."),
		memoryBudget:    gauge("translated_memory_budget_bytes", "The memory budget of the requests decoding at once (--memory-budget)."),
	}
	m.registry.MustRegister(m.requests, m.latency, m.tokens, m.speed, m.queueDepth,
		m.busyWorkers, m.lateTokens, m.modelsAvailable, m.rejected, m.connections, m.memoryReserved, m.memoryBudget,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// poolChanged is the pool's observer.
func (m *metrics) poolChanged(busy, waiting int, reserved int64) {
	m.busyWorkers.Set(float64(busy))
	m.queueDepth.Set(float64(waiting))
	m.memoryReserved.Set(float64(reserved))
}

// decoded records one request's token counts and speed.
func (m *metrics) decoded(model string, source, target int, worked time.Duration) {
	m.tokens.WithLabelValues(model, "source").Add(float64(source))
	m.tokens.WithLabelValues(model, "target").Add(float64(target))
	if target > 0 && worked > 0 {
		m.speed.WithLabelValues(model).Observe(float64(target) / worked.Seconds())
	}
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry}))
	return mux
}
