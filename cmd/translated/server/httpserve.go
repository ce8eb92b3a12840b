package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"
)

// ServeHandler serves h on lis until ctx is done, then shuts down:
// requests in flight get up to grace to finish (a stream longer than that
// is cut off). It returns the error that ended serving, nil after a stop.
// It uses the server's transport settings: its TLS certificate and client
// CA when it has one, and its idle timeout. For the metrics and for an
// HTTP gateway beside the gRPC server, so that they are no easier to
// reach than the API.
func (s *Server) ServeHandler(ctx context.Context, lis net.Listener, h http.Handler, grace time.Duration) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: s.opts.IdleTimeout}
	if s.opts.TLS != nil {
		hs.TLSConfig = s.opts.TLS.Clone()
		lis = tls.NewListener(lis, hs.TLSConfig)
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); errors.Is(err, context.DeadlineExceeded) {
		_ = hs.Close()
	}
	<-done
	return nil
}
