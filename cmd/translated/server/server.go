package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// Server is the TranslationService over a set of models, with the
// standard health service and server reflection on one gRPC server, and
// its Prometheus metrics. Its exported RPC methods are the handlers; called
// directly (by a gateway, say) they skip what Serve's interceptors add:
// the log line and metrics of each call, and turning a panic into
// Internal.
type Server struct {
	translatev1.UnimplementedTranslationServiceServer

	opts        Options
	models      *Models
	pool        *pool
	batchers    map[*nmt.Translator]*nmt.Batcher // per engine, with Options.BatchSize above 1
	limits      Limits
	metrics     *metrics
	log         *slog.Logger
	health      *healthService
	grpc        *grpc.Server
	local       *grpc.Server // LocalConn's: grpc itself, or without TLS when grpc has it
	badRequests sync.Map     // requests requestCodec could not decode → decodeFailure
}

// Options set a Server up. DefaultOptions gives the defaults named on each
// field; New refuses options that Validate refuses.
type Options struct {
	// Workers is how many requests decode at once. Default: the number of
	// CPUs (runtime.NumCPU).
	Workers int
	// BatchSize is how many sentences of concurrent requests decode
	// together at most in one running decoder (continuous batching): the
	// requests of a model with the same search options share up to
	// Workers such decoders, which step in parallel, and which a sentence
	// joins before any step and leaves the step it finishes
	// (nmt.Batcher). Such a request takes 1/BatchSize of a worker per
	// text (at most a whole worker), so that Workers × BatchSize
	// one-text requests decode at once, and Queue × BatchSize more may
	// wait. Requests with an ensemble, reranking or minimum Bayes risk,
	// and Align, decode alone on a worker. 1 (or 0): every request
	// decodes alone. Default: 32.
	BatchSize int
	// Lanes is how many running decoders (lanes) of a model and set of
	// search options step in parallel at most, with BatchSize above 1: a
	// lane's matrix products are split over the cores, and a second lane
	// keeps a second core busy with fewer rows in each lane's products
	// (docs/operations.md#batching-across-requests). 0: Workers. Default: 0.
	Lanes int
	// LaneFill is how many sentences every running lane of a set of
	// options holds before another starts for it (fewer, fuller lanes
	// above 1). 0 or 1: a lane starts as soon as each running one holds a
	// sentence. Default: 1.
	LaneFill int
	// Queue is how many more requests may wait for a worker; past that a
	// request is refused at once with RESOURCE_EXHAUSTED. 0: none waits.
	// Default: 4 × the number of CPUs.
	Queue int
	// Limits bound every request. Default: DefaultLimits().
	Limits Limits
	// PerClient is how many requests one client (a connection, or a token's
	// holder; see WithClient) may have decoding or waiting at once; past
	// that its requests are refused with RESOURCE_EXHAUSTED, and a free
	// worker goes to the client with the fewest requests decoding. 0: half
	// of Workers + Queue, at least 1.
	PerClient int
	// MemoryBudget is the estimated memory, in bytes, that the requests
	// decoding at once may use together (the estimate is in budget.go and
	// docs/operations.md#memory). A request waits until its estimate fits;
	// one larger than the whole budget is refused at once with
	// RESOURCE_EXHAUSTED. Default: 2 GiB.
	MemoryBudget int64
	// MaxDecodeTime is the longest one call may decode; a call still
	// decoding then ends with DEADLINE_EXCEEDED naming the limit.
	// Default: 1 minute.
	MaxDecodeTime time.Duration
	// MaxReplyBytes bounds a reply (a TranslateStream event); a larger one
	// is refused with RESOURCE_EXHAUSTED naming the limit. Default: 16 MiB.
	MaxReplyBytes int
	// StreamBuffer is how many bytes of TranslateStream token events may
	// wait for a client that reads slower than the server decodes; past
	// that the call ends with RESOURCE_EXHAUSTED. (Result events always
	// wait: they are the reply, which MaxReplyBytes and the memory budget
	// bound.) Default: 4 MiB.
	StreamBuffer int
	// SendTimeout is the longest one TranslateStream event may wait for
	// the client to read it (its flow-control window full); past that the
	// call ends with RESOURCE_EXHAUSTED. Default: 30 s.
	SendTimeout time.Duration
	// MaxConcurrentStreams is how many calls one connection may have open
	// at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). Default: 100.
	MaxConcurrentStreams uint32
	// IdleTimeout closes, with a GOAWAY, a connection that has had no call
	// for that long; clients reconnect when they need to. Default: 5
	// minutes.
	IdleTimeout time.Duration
	// ShutdownTimeout is how long the calls in flight may run on once
	// Serve's context ends; the calls still running then are cancelled.
	// Default: 30 s.
	ShutdownTimeout time.Duration
	// TLS, when not nil, serves gRPC and the metrics over TLS, with client
	// certificates when it asks for them (see LoadTLS). nil: plaintext.
	TLS *tls.Config
	// Tokens, when not nil, requires a bearer token of every call but
	// health checks, and of every metrics scrape (see Tokens). nil: none.
	Tokens *Tokens
	// Logger receives one line per call and the server's own events.
	// nil: slog.Default().
	Logger *slog.Logger
}

// DefaultOptions returns the defaults named on Options' fields.
func DefaultOptions() Options {
	return Options{
		Workers:              runtime.NumCPU(),
		BatchSize:            32,
		LaneFill:             1,
		Queue:                4 * runtime.NumCPU(),
		Limits:               DefaultLimits(),
		MemoryBudget:         2 << 30,
		MaxDecodeTime:        time.Minute,
		MaxReplyBytes:        16 << 20,
		StreamBuffer:         4 << 20,
		SendTimeout:          30 * time.Second,
		MaxConcurrentStreams: 100,
		IdleTimeout:          5 * time.Minute,
		ShutdownTimeout:      30 * time.Second,
	}
}

// Validate returns an error naming the first field out of range: Workers
// under 1, Queue, PerClient or ShutdownTimeout negative, a size, count or
// duration that is not positive, or a limit under 1.
func (o Options) Validate() error {
	for _, c := range []struct {
		bad        bool
		name, rule string
		got        any
	}{
		{o.Workers < 1, "Workers", "must be at least 1", o.Workers},
		{o.BatchSize < 0, "BatchSize", "must not be negative", o.BatchSize},
		{o.Lanes < 0, "Lanes", "must not be negative", o.Lanes},
		{o.LaneFill < 0, "LaneFill", "must not be negative", o.LaneFill},
		{o.Queue < 0, "Queue", "must not be negative", o.Queue},
		{o.PerClient < 0, "PerClient", "must not be negative", o.PerClient},
		{o.MemoryBudget < 1, "MemoryBudget", "must be positive", o.MemoryBudget},
		{o.MaxDecodeTime <= 0, "MaxDecodeTime", "must be positive", o.MaxDecodeTime},
		{o.MaxReplyBytes < 1, "MaxReplyBytes", "must be positive", o.MaxReplyBytes},
		{o.StreamBuffer < 1, "StreamBuffer", "must be positive", o.StreamBuffer},
		{o.SendTimeout <= 0, "SendTimeout", "must be positive", o.SendTimeout},
		{o.MaxConcurrentStreams < 1, "MaxConcurrentStreams", "must be at least 1", o.MaxConcurrentStreams},
		{o.IdleTimeout <= 0, "IdleTimeout", "must be positive", o.IdleTimeout},
		{o.ShutdownTimeout < 0, "ShutdownTimeout", "must not be negative", o.ShutdownTimeout},
	} {
		if c.bad {
			return fmt.Errorf("%s %s, got %v", c.name, c.rule, c.got)
		}
	}
	return o.Limits.Validate()
}

// perClient resolves PerClient's default.
func (o Options) perClient() int {
	if o.PerClient > 0 {
		return o.PerClient
	}
	return max(1, (o.Workers+o.Queue)/2)
}

// New builds the server over ms: the TranslationService, the standard
// health service (SERVING once built) and server reflection.
func New(opts Options, ms *Models) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if ms == nil || len(ms.byName) == 0 {
		return nil, errors.New("no model to serve")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	opts.Logger = log
	s := &Server{opts: opts, models: ms, limits: opts.Limits, metrics: newMetrics(), log: log, health: newHealthService()}
	s.pool = newPool(poolLimits{workers: opts.Workers, queue: opts.Queue, perClient: opts.perClient(), batch: opts.BatchSize,
		budget: opts.MemoryBudget}, s.metrics.poolChanged)
	s.batchers = batchersOf(ms, opts.BatchSize, cmp.Or(opts.Lanes, opts.Workers), opts.LaneFill)
	s.metrics.modelsAvailable.Set(float64(len(ms.byName)))
	s.metrics.memoryBudget.Set(float64(opts.MemoryBudget))
	s.grpc = s.newGRPC(opts.TLS)
	s.local = s.grpc
	if opts.TLS != nil {
		// The in-process connection never leaves the process: it needs
		// no TLS, so it has its own server, alike in all else.
		s.local = s.newGRPC(nil)
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(translatev1.TranslationService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	return s, nil
}

// batchersOf makes one nmt.Batcher per translator of ms (a multi-target
// model serving several pairs has one), or none when size is at most 1.
// Each runs up to lanes lanes for one set of search options (by default
// one a worker, so that batched requests keep as many cores busy as
// requests decoding alone), another starting when each holds fill
// sentences.
func batchersOf(ms *Models, size, lanes, fill int) map[*nmt.Translator]*nmt.Batcher {
	if size <= 1 {
		return nil
	}
	out := map[*nmt.Translator]*nmt.Batcher{}
	for _, m := range ms.byName {
		if t, ok := m.engine.(*nmt.Translator); ok && out[t] == nil {
			out[t] = t.NewBatcher(size, lanes, fill)
		}
	}
	return out
}

// Serve serves gRPC on lis until ctx is done, then stops gracefully: health
// turns NOT_SERVING, new calls are refused, and calls in flight get up to
// Options.ShutdownTimeout to finish before they are cancelled. It returns
// the error that ended serving, nil after a stop. A Server serves once.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	done := make(chan error, 1)
	go func() { done <- s.grpc.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.stop(s.opts.ShutdownTimeout)
	if err := <-done; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// stop drains the server: NOT_SERVING first, so that load balancers stop
// sending, then a graceful stop bounded by timeout, then a hard stop that
// cancels what is left (decoding ends within one step of it).
func (s *Server) stop(timeout time.Duration) {
	s.health.shutdown()
	s.log.Info("stopping", "timeout", timeout)
	stopped := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		if s.local != s.grpc {
			wg.Go(s.local.GracefulStop)
		}
		s.grpc.GracefulStop()
		wg.Wait()
		close(stopped)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-stopped:
		s.log.Info("stopped: every call finished")
	case <-timer.C:
		s.log.Warn("stop timeout reached: cancelling the calls still running")
		s.grpc.Stop()
		s.local.Stop()
		<-stopped
	}
}

// newGRPC builds a gRPC server with the services registered and
// grpcOptions' settings.
func (s *Server) newGRPC(tlsConfig *tls.Config) *grpc.Server {
	g := grpc.NewServer(s.grpcOptions(tlsConfig)...)
	translatev1.RegisterTranslationServiceServer(g, s)
	healthpb.RegisterHealthServer(g, s.health)
	reflection.Register(g)
	return g
}

// grpcOptions are the gRPC server's settings: the request codec, the
// interceptors and stats handler, message sizes, connection limits and
// keepalive rules, and TLS when tlsConfig is not nil.
func (s *Server) grpcOptions(tlsConfig *tls.Config) []grpc.ServerOption {
	o := s.opts
	opts := []grpc.ServerOption{
		grpc.ForceServerCodecV2(newRequestCodec(&s.badRequests)),
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
		grpc.StatsHandler(statsHandler{s}),
		// A request may hold MaxTexts texts of MaxChars characters of up
		// to 4 bytes each; anything larger is refused before it is read.
		grpc.MaxRecvMsgSize(min(o.Limits.MaxTexts*o.Limits.MaxChars*4, 1<<30) + 64<<10),
		grpc.MaxSendMsgSize(o.MaxReplyBytes),
		grpc.MaxConcurrentStreams(o.MaxConcurrentStreams),
		grpc.ConnectionTimeout(connectionTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: o.IdleTimeout, Time: keepaliveTime, Timeout: keepaliveTimeout}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveMinTime, PermitWithoutStream: true}),
	}
	if tlsConfig != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConfig)))
	}
	return opts
}

// Connection rules that need no flag: a client has connectionTimeout to
// finish its handshake; the server pings a connection quiet for
// keepaliveTime and closes it when the ping is not answered within
// keepaliveTimeout (a peer that vanished); a client that pings more often
// than every keepaliveMinTime is sent a GOAWAY (too_many_pings).
const (
	connectionTimeout = 20 * time.Second
	keepaliveTime     = 2 * time.Minute
	keepaliveTimeout  = 20 * time.Second
	keepaliveMinTime  = 10 * time.Second
)

// MetricsHandler serves the server's Prometheus metrics at /metrics,
// asking for a bearer token when the server has tokens.
func (s *Server) MetricsHandler() http.Handler { return s.requireToken(s.metrics.handler()) }

// ServeMetrics serves MetricsHandler on lis until ctx is done, over TLS
// when the server has a TLS configuration.
func (s *Server) ServeMetrics(ctx context.Context, lis net.Listener) error {
	return s.ServeHandler(ctx, lis, s.MetricsHandler(), 5*time.Second)
}
