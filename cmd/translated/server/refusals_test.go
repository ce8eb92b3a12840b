package server

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/cmd/translated/server/servertest"
	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
	"github.com/translated/translated/tokenize"
)

// loggedConfig is testConfig with its log kept in logs.
func loggedConfig(logs *servertest.Buffer) Options {
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	return cfg
}

// eventually polls cond until it holds: for what a stats handler or a log
// records just after the client has its status.
func eventually(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("never: %s", what)
		case <-time.After(time.Millisecond):
		}
	}
}

// TestEchoesAreClipped sends megabyte-long language codes and model
// names: the status and the log line echo a few dozen bytes of them.
func TestEchoesAreClipped(t *testing.T) {
	ctx := testContext(t)
	logs := &servertest.Buffer{}
	h := startServer(t, "bufconn", loggedConfig(logs), realModels(t))
	huge := strings.Repeat("x", 1<<20)
	for _, req := range []*translatev1.TranslateRequest{
		{SourceLanguageCode: huge, TargetLanguageCode: "es", Texts: []string{"Hi."}},
		{Model: huge, Texts: []string{"Hi."}},
		{Model: "en-es", TargetLanguageCode: huge, Texts: []string{"Hi."}},
	} {
		_, err := h.client.Translate(ctx, req)
		if code := status.Code(err); code != codes.NotFound && code != codes.InvalidArgument {
			t.Fatalf("%v, want NotFound or InvalidArgument", err)
		}
		if n := len(status.Convert(err).Message()); n > 512 {
			t.Errorf("status message of %d bytes: %.80s…", n, status.Convert(err).Message())
		}
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if len(line) > 2048 {
			t.Errorf("log line of %d bytes: %.120s…", len(line), line)
		}
	}
}

// TestMalformedRequest sends bytes that are no protobuf message: the
// answer is INVALID_ARGUMENT without the parser's words, and the call is
// logged and counted.
func TestMalformedRequest(t *testing.T) {
	ctx := testContext(t)
	logs := &servertest.Buffer{}
	h := startServer(t, "bufconn", loggedConfig(logs), realModels(t))
	junk := []byte{0x0a, 0xff, 0xff, 0xff, 0xff}
	var out []byte
	err := h.conn.Invoke(ctx, translatev1.TranslationService_Translate_FullMethodName, junk, &out, grpc.ForceCodecV2(rawCodec{}))
	msg := status.Convert(err).Message()
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(msg, "not a well-formed translate.v1.TranslateRequest") || strings.Contains(msg, "proto:") {
		t.Fatalf("malformed request: %v, want InvalidArgument in our words", err)
	}
	if err := rawStream(t, ctx, h, junk); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("malformed stream request: %v, want InvalidArgument", err)
	}
	for _, m := range []string{"Translate", "TranslateStream"} {
		if got := testutil.ToFloat64(h.srv.metrics.rejected.WithLabelValues(m, "malformed")); got != 1 {
			t.Errorf("rejected{%s, malformed} = %v, want 1", m, got)
		}
		eventually(t, ctx, "a log line for the malformed "+m+" call", func() bool {
			return strings.Contains(logs.String(), "method="+m+" ") && strings.Contains(logs.String(), "code=InvalidArgument")
		})
	}
}

// TestOversizeRequest sends a message over the server's receive limit,
// which gRPC refuses before any interceptor runs: the stats handler logs
// and counts it.
func TestOversizeRequest(t *testing.T) {
	ctx := testContext(t)
	logs := &servertest.Buffer{}
	cfg := loggedConfig(logs)
	cfg.Limits.MaxTexts, cfg.Limits.MaxChars = 1, 10
	h := startServer(t, "bufconn", cfg, realModels(t))
	_, err := h.client.Translate(ctx, enEs(strings.Repeat("a", 200<<10)))
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("oversize request: %v, want ResourceExhausted", err)
	}
	eventually(t, ctx, "the oversize call counted", func() bool {
		return testutil.ToFloat64(h.srv.metrics.rejected.WithLabelValues("Translate", "oversize")) == 1
	})
	if got := testutil.ToFloat64(h.srv.metrics.requests.WithLabelValues("Translate", "ResourceExhausted")); got != 1 {
		t.Errorf("requests{Translate, ResourceExhausted} = %v, want 1", got)
	}
	eventually(t, ctx, "the oversize call logged", func() bool { return strings.Contains(logs.String(), "rpc refused before its handler") })
}

// TestInvalidArgumentDetails: an InvalidArgument message starts with the
// field, as docs/api.md says, and a BadRequest detail names it.
func TestInvalidArgumentDetails(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	long := strings.Repeat("abc def ", 100) // one sentence over the models' 128 positions
	translate := func(o *translatev1.DecodingOptions) error {
		r := enEs("Hi.")
		r.Options = o
		_, err := h.client.Translate(ctx, r)
		return err
	}
	align := func(source, target string) error {
		_, err := h.client.Align(ctx, &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", SourceText: source, TargetText: target})
		return err
	}
	for _, tc := range []struct {
		call  func() error
		field string
	}{
		{func() error { return translate(&translatev1.DecodingOptions{BeamSize: 99}) }, "options.beam_size"},
		{func() error { return translate(&translatev1.DecodingOptions{MaxLength: 1}) }, "options.max_length"},
		{func() error { _, err := h.client.Translate(ctx, enEs("Hi.", long)); return err }, "texts[1]"},
		{func() error { return align("Hi.", long) }, "target_text"},
		{func() error { return align(long, "Hola.") }, "source_text"},
	} {
		err := tc.call()
		if status.Code(err) != codes.InvalidArgument || !strings.HasPrefix(status.Convert(err).Message(), tc.field+": ") {
			t.Errorf("%v: want InvalidArgument starting with %q", err, tc.field+": ")
		}
		if got := fieldViolations(err); !slices.Equal(got, []string{tc.field}) {
			t.Errorf("%s: BadRequest names %v", tc.field, got)
		}
	}
}

// countingEngine is a stepEngine whose tokenizer and planner count their
// calls: the work a refused request must not cost.
type countingEngine struct {
	*stepEngine
	plans, encodes atomic.Int64
}

func (c *countingEngine) Plan(req nmt.Request) (nmt.Plan, error) {
	c.plans.Add(1)
	return planOf(&model{engine: c.stepEngine}, req)
}

func (c *countingEngine) Encode(text string) ([]tokenize.Token, error) {
	c.encodes.Add(1)
	return []tokenize.Token{{ID: 5, Piece: "x", End: len(text)}}, nil
}

// TestCheapChecksFirst: a request refused for a field, or because the
// server is full, is never tokenized.
func TestCheapChecksFirst(t *testing.T) {
	ctx := testContext(t)
	e := &countingEngine{stepEngine: newStepEngine(1)}
	cfg := testConfig()
	cfg.Workers, cfg.Queue = 1, 0
	ms := mustModels(t, &model{name: "xx-yy", source: "xx", target: "yy", engine: e, tokens: e})
	h := startServer(t, "bufconn", cfg, ms)
	texts := slices.Repeat([]string{strings.Repeat("word ", 1000)}, 64)
	for _, opts := range []*translatev1.DecodingOptions{{BeamSize: 99}, {NBest: 99}, {MaxLength: 100000}, {Rerank: -1}} {
		req := fakeRequest(texts...)
		req.Options = opts
		if _, err := h.client.Translate(ctx, req); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("%v: %v, want InvalidArgument", opts, err)
		}
	}
	if n := e.plans.Load() + e.encodes.Load(); n != 0 {
		t.Fatalf("refused requests were tokenized %d times", n)
	}
	st := openStream(t, ctx, h, e.stepEngine) // holds the only worker
	if _, err := h.client.Translate(ctx, fakeRequest(texts...)); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("request to a full server: %v, want ResourceExhausted", err)
	}
	if n := e.plans.Load() + e.encodes.Load(); n != 1 {
		t.Errorf("tokenized %d times, want once (the stream's)", n)
	}
	close(e.steps)
	for {
		if _, err := st.Recv(); err != nil {
			break
		}
	}
}

// lateEngine streams one token, waits for its call's cancellation, then
// streams one more (a token decoded after the cancellation) and stops.
type lateEngine struct {
	stepEngine
	first chan struct{}
}

func (e *lateEngine) Translate(ctx context.Context, req nmt.Request, stream func(nmt.Event)) ([]nmt.Translation, error) {
	stream(nmt.Event{Token: &nmt.Token{ID: 1, Piece: "a", Text: "a"}})
	stream(nmt.Event{Pos: 1, Token: &nmt.Token{ID: 2, Piece: "b", Text: "b"}})
	close(e.first)
	<-ctx.Done()
	stream(nmt.Event{Pos: 2, Token: &nmt.Token{ID: 3, Piece: "c", Text: "c"}})
	return nil, ctx.Err()
}

// TestCancelledUnaryCounts cancels a Translate call in the middle of its
// decoding: its log line counts the tokens read and decoded, and the token
// decoded after the cancellation is counted.
func TestCancelledUnaryCounts(t *testing.T) {
	ctx := testContext(t)
	logs := &servertest.Buffer{}
	e := &lateEngine{first: make(chan struct{})}
	h := startServer(t, "bufconn", loggedConfig(logs), fakeModels(e))
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := h.client.Translate(cctx, fakeRequest("hello world"))
		done <- err
	}()
	<-e.first
	cancel()
	if err := <-done; status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled call: %v", err)
	}
	if err := h.srv.pool.waitFor(ctx, func(busy, w int) bool { return busy == 0 && w == 0 }); err != nil {
		t.Fatal(err)
	}
	eventually(t, ctx, "a log line for the cancelled call", func() bool { return strings.Contains(logs.String(), "code=Canceled") })
	if !strings.Contains(logs.String(), "tokens_in=11 tokens_out=2") {
		t.Errorf("log line of the cancelled call lacks tokens_in=11 tokens_out=2:\n%s", logs)
	}
	if got := testutil.ToFloat64(h.srv.metrics.lateTokens); got != 1 {
		t.Errorf("tokens after cancel = %v, want 1", got)
	}
}

// TestHealthWatchStop: a Watch stream sees SERVING, then NOT_SERVING
// once, then its end, when the server stops.
func TestHealthWatchStop(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), fakeModels(newStepEngine(1)))
	watch, err := healthpb.NewHealthClient(h.conn).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := watch.Recv(); err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("before the stop: %v %v", r, err)
	}
	h.stop()
	var got []healthpb.HealthCheckResponse_ServingStatus
	for {
		r, err := watch.Recv()
		if err != nil {
			break
		}
		got = append(got, r.Status)
	}
	if !slices.Equal(got, []healthpb.HealthCheckResponse_ServingStatus{healthpb.HealthCheckResponse_NOT_SERVING}) {
		t.Errorf("after the stop the watch saw %v, want NOT_SERVING once", got)
	}
	if err := <-h.done; err != nil {
		t.Fatal(err)
	}
	h.done <- nil
}
