package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// server is the TranslationService over a set of models.
type server struct {
	translatev1.UnimplementedTranslationServiceServer

	models  models
	pool    *pool
	limits  limits
	metrics *metrics
	log     *slog.Logger
	health  *healthService
	grpc    *grpc.Server
	badUTF8 sync.Map // requests requestCodec could not decode → field path
}

// config is how a server is set up (main fills it from flags).
type config struct {
	Workers         int           // decoding workers
	Queue           int           // requests that may wait for a worker
	Limits          limits        // per-request bounds
	ShutdownTimeout time.Duration // how long in-flight requests may run on after a stop
}

// newServer builds the gRPC server: the TranslationService, the standard
// health service (SERVING once built) and server reflection.
func newServer(cfg config, ms models, log *slog.Logger) *server {
	s := &server{models: ms, limits: cfg.Limits, metrics: newMetrics(), log: log, health: newHealthService()}
	s.pool = newPool(cfg.Workers, cfg.Queue, s.metrics.poolChanged)
	s.metrics.modelsAvailable.Set(float64(len(ms)))
	s.grpc = grpc.NewServer(
		grpc.ForceServerCodecV2(newRequestCodec(&s.badUTF8)),
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
	)
	translatev1.RegisterTranslationServiceServer(s.grpc, s)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(translatev1.TranslationService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	return s
}

// serve serves lis until ctx is done, then stops gracefully: health turns
// NOT_SERVING, new calls are refused, and calls in flight get up to
// timeout to finish before they are cancelled. It returns the error that
// ended serving, nil after a stop.
func (s *server) serve(ctx context.Context, lis net.Listener, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- s.grpc.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.stop(timeout)
	if err := <-done; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// stop drains the server: NOT_SERVING first, so that load balancers stop
// sending, then a graceful stop bounded by timeout, then a hard stop that
// cancels what is left (decoding ends within one step of it).
func (s *server) stop(timeout time.Duration) {
	s.health.shutdown()
	s.log.Info("stopping", "timeout", timeout)
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
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
		<-stopped
	}
}

// serveMetrics serves /metrics on lis until ctx is done.
func (s *server) serveMetrics(ctx context.Context, lis net.Listener) error {
	hs := &http.Server{Handler: s.metrics.handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutdownCtx)
	<-done
	return nil
}
