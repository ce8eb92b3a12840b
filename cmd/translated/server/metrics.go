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
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "translated_requests_total",
			Help: "RPCs handled, by method and gRPC status code.",
		}, []string{"method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "translated_request_duration_seconds",
			Help:    "Time from the start of an RPC to its status, by method.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14), // 1 ms .. ~150 s
		}, []string{"method"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "translated_tokens_total",
			Help: "Subword tokens read (direction=source) and written (direction=target), by model; rate() gives tokens per second.",
		}, []string{"model", "direction"}),
		speed: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "translated_decode_tokens_per_second",
			Help:    "Target tokens per second of worker time, one observation per request.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14), // 1 .. 8192
		}, []string{"model"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "translated_queue_depth",
			Help: "Requests waiting for a decoding worker.",
		}),
		busyWorkers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "translated_workers_busy",
			Help: "Decoding workers in use.",
		}),
		lateTokens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "translated_tokens_after_cancel_total",
			Help: "Target tokens produced after their request was cancelled or expired; stays near one per cancelled request when cancellation is prompt.",
		}),
		modelsAvailable: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "translated_models",
			Help: "Models loaded and served.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "translated_rejected_total",
			Help: "Calls refused before decoding or cut short by a limit of the server, by method and reason: malformed, invalid_utf8, oversize, reset, unknown_method, unauthenticated, queue, per_client, memory_budget, max_reply, stream_buffer, send_timeout, decode_time.",
		}, []string{"method", "reason"}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "translated_connections",
			Help: "Client connections open.",
		}),
		memoryReserved: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "translated_memory_reserved_bytes",
			Help: "Estimated decoding memory of the requests decoding, against translated_memory_budget_bytes.",
		}),
		memoryBudget: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "translated_memory_budget_bytes",
			Help: "The memory budget of the requests decoding at once (--memory-budget).",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.tokens, m.speed, m.queueDepth,
		m.busyWorkers, m.lateTokens, m.modelsAvailable, m.rejected, m.connections, m.memoryReserved, m.memoryBudget,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
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
