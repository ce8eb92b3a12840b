package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
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
		real := realModels(t)["en-es"]
		gate := &gatedEngine{engine: real.engine, first: make(chan struct{})}
		gated := *real
		gated.engine = gate
		h := startServer(t, "tcp", cfg, models{"en-es": &gated})
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
		if err := h.srv.pool.waitFor(ctx, func(busy, _ int) bool { return busy == 0 }); err != nil {
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

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRun starts the command as main does, on loopback ports, translates
// over TCP, reads /metrics, stops it (as SIGTERM does) and reads its logs.
func TestRun(t *testing.T) {
	ctx := testContext(t)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	logs := &syncBuffer{}
	type addrs struct{ grpc, metrics string }
	ready := make(chan addrs, 1)
	exit := make(chan int, 1)
	go func() {
		exit <- run(runCtx, []string{"-models", modelsDir(t), "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
			"-log-format", "json", "-workers", "1"}, logs, func(g, m string) { ready <- addrs{g, m} })
	}()
	var a addrs
	select {
	case a = <-ready:
	case code := <-exit:
		t.Fatalf("run exited with %d: %s", code, logs)
	}
	conn, err := grpc.NewClient(a.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := translatev1.NewTranslationServiceClient(conn).Translate(ctx, enEs("Hello world."))
	if err != nil || len(resp.Translations) != 1 {
		t.Fatalf("Translate: %v, %v", resp, err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a.metrics+"/metrics", nil)
	mresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{
		`translated_requests_total{code="OK",method="Translate"} 1`,
		`translated_request_duration_seconds_count{method="Translate"} 1`,
		`translated_tokens_total{direction="source",model="en-es"}`,
		`translated_decode_tokens_per_second_count{model="en-es"} 1`,
		`translated_queue_depth 0`,
		`translated_workers_busy 0`,
		`translated_models 2`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	stop()
	if code := <-exit; code != 0 {
		t.Fatalf("exit code %d after stop: %s", code, logs)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"serving"`, `"method":"Translate"`, `"model":"en-es"`, `"tokens_in":`, `"tokens_out":`, `"latency":`, `"code":"OK"`, `"msg":"stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}

func TestRunRefusesBadSetups(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		log  string
	}{
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined"},
		{"no models", []string{"-models", empty, "-addr", "127.0.0.1:0", "-metrics-addr", ""}, 1, "no model directory"},
		{"missing directory", []string{"-models", empty + "/absent", "-metrics-addr", ""}, 1, "cannot load models"},
		{"bad heads", []string{"-models", modelsDir(t), "-alignment-heads", "layer=7", "-metrics-addr", ""}, 1, "layer 7 out of range"},
		{"bad shifted heads", []string{"-models", modelsDir(t), "-alignment-heads", "layer=7,shift", "-metrics-addr", ""}, 1, "layer 7 out of range"},
		{"zero workers", []string{"-workers", "0"}, 2, "-workers must be at least 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			if code := run(testContext(t), tc.args, logs, nil); code != tc.code || !strings.Contains(logs.String(), tc.log) {
				t.Errorf("exit %d, want %d with %q in:\n%s", code, tc.code, tc.log, logs)
			}
		})
	}
}
