package server

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// These tests drive the server with stepEngine, whose decoding steps the
// test releases one at a time, so that "busy", "queued" and "cancelled
// mid-decoding" are states the test controls rather than races it hopes
// to win.

// openStream starts a stream and waits until its decoding has started.
func openStream(t *testing.T, ctx context.Context, h *harness, e *stepEngine) translatev1.TranslationService_TranslateStreamClient {
	t.Helper()
	st, err := h.client.TranslateStream(ctx, fakeRequest("hello"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.started:
	case <-ctx.Done():
		t.Fatal("decoding never started")
	}
	return st
}

func TestOverloadIsResourceExhausted(t *testing.T) {
	ctx := testContext(t)
	e := newStepEngine(3)
	cfg := testConfig()
	cfg.Workers, cfg.Queue, cfg.PerClient = 1, 1, 3
	h := startServer(t, "bufconn", cfg, fakeModels(e))

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	openStream(t, sctx, h, e) // holds the worker
	queued := make(chan error, 1)
	go func() {
		_, err := h.client.Translate(sctx, fakeRequest("queued"))
		queued <- err
	}()
	if err := h.srv.pool.waitFor(ctx, func(_, w int) bool { return w == 1 }); err != nil {
		t.Fatal(err)
	}
	_, err := h.client.Translate(ctx, fakeRequest("one too many"))
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("third request: %v, want ResourceExhausted", err)
	}
	if ri := retryInfo(err); ri == nil || ri.GetRetryDelay().AsDuration() <= 0 {
		t.Errorf("overload status carries no RetryInfo: %v", status.Convert(err).Details())
	}
	if got := testutil.ToFloat64(h.srv.metrics.queueDepth); got != 1 {
		t.Errorf("queue depth metric = %v, want 1", got)
	}
	close(e.steps) // let everything finish
	if err := <-queued; err != nil {
		t.Fatalf("queued request: %v", err)
	}
}

// TestCancelledStreamFreesWorker cancels a stream in the middle of its
// decoding and checks that its worker is free again and that decoding
// stopped at the next step: no token was produced after the cancellation
// reached the server.
func TestCancelledStreamFreesWorker(t *testing.T) {
	ctx := testContext(t)
	e := newStepEngine(1000)
	cfg := testConfig()
	cfg.Workers, cfg.Queue = 1, 0
	h := startServer(t, "bufconn", cfg, fakeModels(e))

	sctx, cancel := context.WithCancel(ctx)
	st := openStream(t, sctx, h, e)
	e.steps <- struct{}{}
	if ev, err := st.Recv(); err != nil || ev.GetToken().GetPosition() != 0 {
		t.Fatalf("first event %v, %v", ev, err)
	}
	cancel()
	if _, err := st.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("after cancel: %v, want Canceled", err)
	}
	// The worker comes back without any further step being released: the
	// decoding noticed the cancellation while waiting for its next step.
	if err := h.srv.pool.waitFor(ctx, func(busy, _ int) bool { return busy == 0 }); err != nil {
		t.Fatal(err)
	}
	if n := testutil.ToFloat64(h.srv.metrics.lateTokens); n != 0 {
		t.Errorf("%v tokens produced after the cancellation", n)
	}
	// The freed worker serves the next request.
	done := make(chan error, 1)
	go func() {
		_, err := h.client.Translate(ctx, fakeRequest("next"))
		done <- err
	}()
	<-e.started
	close(e.steps)
	if err := <-done; err != nil {
		t.Fatalf("next request: %v", err)
	}
}

func TestDeadlineStopsDecoding(t *testing.T) {
	ctx := testContext(t)
	e := newStepEngine(1000)
	cfg := testConfig()
	cfg.Workers = 1
	h := startServer(t, "bufconn", cfg, fakeModels(e))
	dctx, cancel := context.WithTimeout(ctx, 0) // already expired when the server sees it
	defer cancel()
	_, err := h.client.Translate(dctx, fakeRequest("late"))
	if code := status.Code(err); code != codes.DeadlineExceeded {
		t.Fatalf("expired request: %v, want DeadlineExceeded", err)
	}
	if err := h.srv.pool.waitFor(ctx, func(busy, w int) bool { return busy == 0 && w == 0 }); err != nil {
		t.Fatal(err)
	}
}

func TestPanicBecomesInternal(t *testing.T) {
	ctx := testContext(t)
	e := newStepEngine(1)
	e.panics = true
	h := startServer(t, "bufconn", testConfig(), fakeModels(e))
	for range 2 { // the second call shows the server survived the first
		_, err := h.client.Translate(ctx, fakeRequest("boom"))
		if status.Code(err) != codes.Internal || status.Convert(err).Message() != "internal error" {
			t.Fatalf("panicking handler: %v, want Internal \"internal error\"", err)
		}
		st, err := h.client.TranslateStream(ctx, fakeRequest("boom"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Recv(); status.Code(err) != codes.Internal {
			t.Fatalf("panicking stream: %v, want Internal", err)
		}
	}
	// The worker the panicking calls held has been returned.
	if busy, _, _ := h.srv.pool.state(); busy != 0 {
		t.Fatalf("%d workers still busy after panics", busy)
	}
	if _, err := h.client.ListModels(ctx, &translatev1.ListModelsRequest{}); err != nil {
		t.Fatalf("ListModels after panics: %v", err)
	}
}

// TestGracefulStop stops the server while a stream is decoding: health
// turns NOT_SERVING at once, the stream runs to its end, then serve
// returns.
func TestGracefulStop(t *testing.T) {
	ctx := testContext(t)
	e := newStepEngine(3)
	h := startServer(t, "bufconn", testConfig(), fakeModels(e))
	hc := healthpb.NewHealthClient(h.conn)
	watch, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{Service: translatev1.TranslationService_ServiceDesc.ServiceName})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := watch.Recv(); err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health before stop: %v, %v", r, err)
	}
	st := openStream(t, ctx, h, e)
	h.stop()
	if r, err := watch.Recv(); err != nil || r.Status != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health after stop: %v, %v", r, err)
	}
	close(e.steps)
	n := 0
	for {
		ev, err := st.Recv()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("in-flight stream during stop: %v", err)
			}
			break
		}
		if ev.GetResult() != nil && ev.GetResult().GetText() != " w0 w1 w2" {
			t.Fatalf("result %q", ev.GetResult().GetText())
		}
		n++
	}
	if n != 4 {
		t.Fatalf("in-flight stream got %d events, want 3 tokens and a result", n)
	}
	if err := <-h.done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	h.done <- nil // for the cleanup
}

// TestStopTimeoutCancelsStragglers gives a stuck call no time to finish:
// the stop cancels it, which ends its decoding and lets serve return.
func TestStopTimeoutCancelsStragglers(t *testing.T) {
	ctx := testContext(t)
	e := newStepEngine(1000)
	cfg := testConfig()
	cfg.ShutdownTimeout = 0
	h := startServer(t, "bufconn", cfg, fakeModels(e))
	st := openStream(t, ctx, h, e)
	h.stop()
	if err := <-h.done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	h.done <- nil
	if _, err := st.Recv(); err == nil {
		t.Fatal("stream survived a hard stop")
	}
	if busy, _, _ := h.srv.pool.state(); busy != 0 {
		t.Fatalf("%d workers busy after the stop", busy)
	}
}
