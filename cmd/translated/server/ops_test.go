package server

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// gatedEngine wraps the real translator so that a test controls when a
// cancellation happens: after the first streamed token its stream callback
// (called inside decoding, between two steps) waits until the call's
// context is cancelled, then lets decoding go on and counts the tokens
// produced after that.
type gatedEngine struct {
	engine
	first chan struct{} // closed at the first token
	late  int           // tokens after the cancellation
	err   error         // what Translate returned
}

func (g *gatedEngine) Translate(ctx context.Context, req nmt.Request, stream func(nmt.Event)) ([]nmt.Translation, error) {
	if stream == nil {
		return g.engine.Translate(ctx, req, nil)
	}
	seen := false
	res, err := g.engine.Translate(ctx, req, func(ev nmt.Event) {
		stream(ev)
		switch {
		case ev.Token == nil:
		case !seen:
			seen = true
			close(g.first)
			<-ctx.Done()
		default:
			g.late++
		}
	})
	g.err = err
	return res, err
}

// TestCancelRealDecoding cancels a stream of the real model in the middle
// of its decoding: the translator returns the cancellation after at most
// one more step (under greedy search of one sentence, one more token),
// and the worker is free for the next request. Under beam search the
// first final token may come only with the last step; then the test
// checks the freed worker alone.
func TestCancelRealDecoding(t *testing.T) {
	for _, beam := range []uint32{1, 4} {
		ctx := testContext(t)
		cfg := testConfig()
		cfg.Workers, cfg.Queue = 1, 0
		real := realModels(t).byName["en-es"]
		gate := &gatedEngine{engine: real.engine, first: make(chan struct{})}
		gated := *real
		gated.engine = gate
		h := startServer(t, "tcp", cfg, mustModels(t, &gated))
		req := enEs("Here is the second one, longer")
		req.Options = &translatev1.DecodingOptions{BeamSize: beam, MaxLength: 128, MaxLengthRatio: 100}
		req.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD
		sctx, cancel := context.WithCancel(ctx)
		st, err := h.client.TranslateStream(sctx, req)
		if err != nil {
			t.Fatal(err)
		}
		<-gate.first
		cancel()
		for err == nil {
			_, err = st.Recv()
		}
		if status.Code(err) != codes.Canceled {
			t.Fatalf("beam %d: stream ended with %v, want Canceled", beam, err)
		}
		// The worker is given back before the place (the handler leaves
		// the pool after its reply): wait for both, or the next request
		// may find the place still held.
		if err := h.srv.pool.waitFor(ctx, func(busy, waiting int) bool { return busy == 0 && waiting == 0 }); err != nil {
			t.Fatal(err)
		}
		switch {
		case errors.Is(gate.err, context.Canceled):
		case beam > 1 && gate.err == nil:
			// Beam search may make its first token final only in its last
			// step, with the rest of the hypothesis: nothing was left to stop.
			t.Logf("beam %d: the first final token came with the last step", beam)
		default:
			t.Errorf("beam %d: translator returned %v, want context.Canceled", beam, gate.err)
		}
		if beam == 1 && gate.late > 1 {
			t.Errorf("greedy: %d tokens decoded after the cancellation, want at most 1 (one step)", gate.late)
		}
		if got := testutil.ToFloat64(h.srv.metrics.lateTokens); got != float64(gate.late) {
			t.Errorf("beam %d: metric counts %v late tokens, the translator produced %d", beam, got, gate.late)
		}
		if _, err := h.client.Translate(ctx, enEs("Hello.")); err != nil {
			t.Fatalf("beam %d: request after the cancellation: %v", beam, err)
		}
	}
}

func TestHealthAndReflection(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "tcp", testConfig(), realModels(t))
	hc := healthpb.NewHealthClient(h.conn)
	for _, svc := range []string{"", "translate.v1.TranslationService"} {
		r, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health of %q: %v, %v", svc, r, err)
		}
	}
	rc, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := rc.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.Name)
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"translate.v1.TranslationService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !strings.Contains(got, want) {
			t.Errorf("reflection lists %q, missing %s", got, want)
		}
	}
	if err := rc.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("reflection stream end: %v", err)
	}
}
