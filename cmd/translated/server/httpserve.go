package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ServeHTTP serves h on lis until ctx is done, then shuts down: requests
// in flight get up to grace to finish (a stream longer than that is cut
// off). It returns the error that ended serving, nil after a stop. For the
// metrics and for an HTTP gateway beside the gRPC server.
func ServeHTTP(ctx context.Context, lis net.Listener, h http.Handler, grace time.Duration) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
