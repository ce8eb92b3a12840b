package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// TestMemoryBudgetRefuses asks the real model for more than a small budget
// holds: the request is refused at once with RESOURCE_EXHAUSTED naming the
// budget (no RetryInfo: it would never fit), while a small request passes.
func TestMemoryBudgetRefuses(t *testing.T) {
	ctx := testContext(t)
	cfg := testConfig()
	cfg.MemoryBudget = 8 << 20
	h := startServer(t, "bufconn", cfg, realModels(t))
	big := enEs(slices.Repeat([]string{strings.Repeat("In the beginning God created the heaven and the earth. ", 8)}, 32)...)
	big.Options = &translatev1.DecodingOptions{BeamSize: 16, NBest: 16, MaxLength: 64}
	big.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_WORD
	_, err := h.client.Translate(ctx, big)
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "--memory-budget") {
		t.Fatalf("request over the budget: %v, want ResourceExhausted naming --memory-budget", err)
	}
	if qf := details[*errdetails.QuotaFailure](err); len(qf) != 1 || qf[0].GetViolations()[0].GetSubject() != "memory_budget" || retryInfo(err) != nil {
		t.Errorf("details %v: want a QuotaFailure on memory_budget and no RetryInfo", status.Convert(err).Details())
	}
	if _, err := h.client.Translate(ctx, enEs("Hello.")); err != nil {
		t.Fatalf("small request: %v", err)
	}
	if got := testutil.ToFloat64(h.srv.metrics.rejected.WithLabelValues("Translate", "memory_budget")); got != 1 {
		t.Errorf("rejected{memory_budget} = %v, want 1", got)
	}
}

// TestMemoryBudgetQueues: two requests that fit the budget one at a time
// decode one after the other even with a worker free.
func TestMemoryBudgetQueues(t *testing.T) {
	ctx := testContext(t)
	e := newStepEngine(2)
	cfg := testConfig()
	cfg.Workers, cfg.Queue, cfg.PerClient = 2, 2, 4
	one := estimateBytes(nmt.Plan{Sentences: [][]int{{6}}, BeamSize: 4, NBest: 1, MaxLength: defaultMaxLength, Models: 1, BatchSize: 32},
		modelShape{}, translatev1.AlignmentMode_ALIGNMENT_MODE_NONE)
	cfg.MemoryBudget = one * 3 / 2
	h := startServer(t, "bufconn", cfg, fakeModels(e))
	first := openStream(t, ctx, h, e)
	second := make(chan error, 1)
	go func() {
		_, err := h.client.Translate(ctx, fakeRequest("hello"))
		second <- err
	}()
	if err := h.srv.pool.waitFor(ctx, func(busy, w int) bool { return busy == 1 && w == 1 }); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(h.srv.metrics.memoryReserved); got != float64(one) {
		t.Errorf("reserved %v bytes, want %d", got, one)
	}
	close(e.steps)
	for {
		if _, err := first.Recv(); err != nil {
			break
		}
	}
	if err := <-second; err != nil {
		t.Fatalf("the request that waited for the budget: %v", err)
	}
}

// TestReplyCap: a reply over --max-reply is refused with
// RESOURCE_EXHAUSTED naming the limit, in Translate and in a stream.
func TestReplyCap(t *testing.T) {
	ctx := testContext(t)
	cfg := testConfig()
	cfg.MaxReplyBytes = 2 << 10
	h := startServer(t, "bufconn", cfg, realModels(t))
	req := enEs("Hello world. How are you?", "In the beginning God created the heaven and the earth.")
	req.Options = &translatev1.DecodingOptions{BeamSize: 4, NBest: 4, MaxLength: 32}
	req.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_WORD
	_, err := h.client.Translate(ctx, req)
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "--max-reply") {
		t.Fatalf("Translate over the reply cap: %v", err)
	}
	st, err := h.client.TranslateStream(ctx, req)
	for err == nil {
		_, err = st.Recv()
	}
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "--max-reply") {
		t.Fatalf("TranslateStream over the reply cap: %v", err)
	}
}

// TestEstimateGrows: the estimate grows with every factor the budget
// weighs, and alignment costs more than none.
func TestEstimateGrows(t *testing.T) {
	sh := modelShape{width: 256, layers: 3, heads: 4, vocab: 8000}
	base := nmt.Plan{Sentences: [][]int{{20}}, BeamSize: 4, NBest: 1, MaxLength: 256, MaxLengthRatio: 3, MaxLengthOffset: 10, Models: 1, BatchSize: 32}
	none := translatev1.AlignmentMode_ALIGNMENT_MODE_NONE
	b := estimateBytes(base, sh, none)
	grow := map[string]nmt.Plan{}
	p := base
	p.Sentences = [][]int{{20}, {20}}
	grow["texts"] = p
	p = base
	p.Sentences = [][]int{{40}}
	grow["tokens"] = p
	p = base
	p.BeamSize = 8
	grow["beam"] = p
	p = base
	p.NBest = 4
	grow["n_best"] = p
	for name, p := range grow {
		if got := estimateBytes(p, sh, none); got <= b {
			t.Errorf("more %s: estimate %d, not above %d", name, got, b)
		}
	}
	if a := estimateBytes(base, sh, translatev1.AlignmentMode_ALIGNMENT_MODE_WORD); a <= b {
		t.Errorf("alignment: estimate %d, not above %d", a, b)
	}
}
