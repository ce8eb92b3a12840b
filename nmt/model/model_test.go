package model

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
)

func TestSinusoids(t *testing.T) {
	// Position 1 of a 4-wide table, by hand: angles 1/10000^0 = 1 and
	// 1/10000^(2/4) = 0.01; sines first, then cosines.
	p := sinusoids(2, 4)
	want := []float64{0, 0, 1, 1, math.Sin(1), math.Sin(0.01), math.Cos(1), math.Cos(0.01)}
	for i, w := range want {
		if float32(w) != p[i] {
			t.Errorf("table[%d] = %g, want %g", i, p[i], w)
		}
	}
}

func TestAttendHead(t *testing.T) {
	// One query against two keys, by hand: scores 1·1 + 0·2 = 1 and
	// 1·0 + 0·1 = 0; weights e/(e+1) and 1/(e+1); values (10, 20), (30, 40).
	q := []float32{1, 0}
	keys := []float32{1, 2, 99, 0, 1, 99} // stride 3: the 99s are other heads
	values := []float32{10, 20, 99, 30, 40, 99}
	out := make([]float32, 2)
	p := make([]float32, 2)
	attendHead(out, q, keys, values, 3, 2, p)
	w0 := math.E / (math.E + 1)
	wantP := []float64{w0, 1 - w0}
	wantOut := []float64{10*w0 + 30*(1-w0), 20*w0 + 40*(1-w0)}
	for i := range 2 {
		if math.Abs(float64(p[i])-wantP[i]) > 1e-6 || math.Abs(float64(out[i])-wantOut[i]) > 1e-5 {
			t.Fatalf("p = %v, out = %v; want %v, %v", p, out, wantP, wantOut)
		}
	}
}

// TestHandModel checks a model whose every projection is zero: attention and
// feed-forward blocks add only their (zero) biases, so each block is a layer
// norm, and with D = 2 a layer norm maps (a, b) to ±(1, -1)·c with
// c = 1/sqrt(1 + eps/((a-b)/2)²). The logits are then h·E_tᵀ.
func TestHandModel(t *testing.T) {
	c, err := ParseConfig([]byte(`{"vocab_size": 3, "d_model": 2, "encoder_layers": 1,
		"decoder_layers": 1, "encoder_attention_heads": 1, "decoder_attention_heads": 1,
		"encoder_ffn_dim": 1, "decoder_ffn_dim": 1, "max_position_embeddings": 4,
		"pad_token_id": 0, "eos_token_id": 1, "scale_embedding": false}`))
	if err != nil {
		t.Fatal(err)
	}
	w := randomWeights(c, 1, 0)
	for name, v := range w {
		if strings.HasSuffix(name, "layer_norm.weight") {
			for i := range v {
				v[i] = 1
			}
		}
	}
	w["model.shared.weight"] = []float32{0, 0, 3, 1, -2, 5}
	w["final_logits_bias"] = []float32{0, 0.5, 0}
	m, err := New(c, w)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	enc, err := m.Encode(ctx, [][]int{{2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	ln := func(a, b float64) (float64, float64) {
		h := (a - b) / 2
		c := 1 / math.Sqrt(1+1e-5/(h*h))
		return math.Copysign(c, h), -math.Copysign(c, h)
	}
	// Source token 2 = (-2, 5) at position 0 (sin 0, cos 0) = (0, 1):
	// x = (-2, 6); token 1 = (3, 1) at position 1: (3 + sin 1, 1 + cos 1).
	a, b := ln(-2, 6)
	a, b = ln(a, b) // the second layer norm (feed-forward block)
	out := enc.Output(0)
	if math.Abs(float64(out[0])-a) > 1e-6 || math.Abs(float64(out[1])-b) > 1e-6 {
		t.Fatalf("encoder row 0 = %v, want (%g, %g)", out[:2], a, b)
	}
	dec, err := m.NewDecoder(enc)
	if err != nil {
		t.Fatal(err)
	}
	lp := make([]float32, 3)
	attn := make([]float32, 2)
	if err := dec.logits(ctx, []int{0}, lp, attn); err != nil {
		t.Fatal(err)
	}
	// Decoder: start token 0 = (0, 0) + position 0 (0, 1) → three layer norms.
	h0, h1 := ln(0, 1)
	h0, h1 = ln(h0, h1)
	h0, h1 = ln(h0, h1)
	emb := w["model.shared.weight"]
	for v := 0; v < 3; v++ {
		want := h0*float64(emb[2*v]) + h1*float64(emb[2*v+1]) + float64(w["final_logits_bias"][v])
		if math.Abs(float64(lp[v])-want) > 1e-5 {
			t.Fatalf("logit %d = %g, want %g", v, lp[v], want)
		}
	}
	// Zero keys: the cross-attention is uniform over the two source tokens.
	if attn[0] != 0.5 || attn[1] != 0.5 {
		t.Fatalf("cross-attention %v, want uniform", attn)
	}
}

// TestBatchEqualsSingle encodes and decodes sentences of different lengths
// alone and in one padded batch: every value must agree.
func TestBatchEqualsSingle(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 7)
	srcs := [][]int{{5, 9, 1}, {7, 1}, {3, 4, 5, 6, 7, 8, 9, 10, 11, 1}, {1}, {12, 30, 49, 2, 1}}
	targets := []int{0, 4, 8, 15, 16, 23, 42, 2}
	ctx := context.Background()
	batchEnc, err := m.Encode(ctx, srcs)
	if err != nil {
		t.Fatal(err)
	}
	batch := runForced(t, m, batchEnc, targets)
	dims := struct{ L, H, S int }{c.DecoderLayers, c.DecoderAttentionHeads, batchEnc.MaxLen()}
	for i, s := range srcs {
		enc, err := m.Encode(ctx, [][]int{s})
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, "encoder output", enc.Output(0), batchEnc.Output(i), 1e-5)
		single := runForced(t, m, enc, targets)
		sd := struct{ L, H, S int }{c.DecoderLayers, c.DecoderAttentionHeads, len(s)}
		for step := range targets {
			assertClose(t, "log-probs", single.logProbs[step][:c.DecoderVocabSize], row(batch.logProbs[step], i, c.DecoderVocabSize), 1e-5)
			for l := 0; l < dims.L; l++ {
				for h := 0; h < dims.H; h++ {
					assertClose(t, "attention", attnRow(single.attn[step], sd, 0, l, h, len(s)), attnRow(batch.attn[step], dims, i, l, h, len(s)), 1e-5)
					for _, v := range attnRow(batch.attn[step], dims, i, l, h, dims.S)[len(s):] {
						if v != 0 {
							t.Fatalf("attention past the source length: %g", v)
						}
					}
				}
			}
		}
	}
}

type forcedRun struct {
	logProbs [][]float32 // [step][rows·V]
	attn     [][]float32 // [step][rows·L·H·S]
}

// runForced feeds the start token and then the same target tokens to every
// row of a fresh decoder.
func runForced(t *testing.T, m *Model, enc *Encoding, targets []int) forcedRun {
	t.Helper()
	dec, err := m.NewDecoder(enc)
	if err != nil {
		t.Fatal(err)
	}
	var run forcedRun
	dims := dec.Dims()
	tokens := make([]int, dec.Rows())
	for step := range targets {
		for r := range tokens {
			tokens[r] = m.cfg.DecoderStartTokenID
			if step > 0 {
				tokens[r] = targets[step-1]
			}
		}
		lp := make([]float32, len(tokens)*dims.Vocab)
		attn := make([]float32, len(tokens)*dims.Layers*dims.Heads*dims.SrcLen)
		if err := dec.Next(context.Background(), tokens, lp, attn); err != nil {
			t.Fatal(err)
		}
		run.logProbs = append(run.logProbs, lp)
		run.attn = append(run.attn, attn)
	}
	return run
}

func row(x []float32, r, n int) []float32 { return x[r*n : (r+1)*n] }

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
			t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestReorder splits rows as beam search does (repeats, drops, swaps) and
// checks every row continues exactly as a decoder fed its history alone.
func TestReorder(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 11)
	ctx := context.Background()
	srcs := [][]int{{5, 9, 1}, {7, 8, 1}}
	dec := newDecoder(t, m, srcs)
	V := c.DecoderVocabSize
	// history[r] is the token sequence row r has been fed; src[r] its source.
	history := [][]int{{0}, {0}}
	src := []int{0, 1}
	lp := make([]float32, 16*V)
	steps := []struct {
		reorder []int
		tokens  []int
	}{
		{nil, []int{0, 0}},
		{[]int{0, 0, 0, 1, 1}, []int{5, 6, 7, 5, 9}},
		{[]int{4, 0, 2, 2, 1}, []int{3, 3, 4, 5, 6}},
		{[]int{3}, []int{8}},
		{[]int{0, 0, 0, 0, 0, 0}, []int{1, 2, 3, 4, 5, 6}},
		{[]int{5, 1}, []int{9, 9}},
	}
	for si, s := range steps {
		if s.reorder != nil {
			dec.Reorder(s.reorder)
			var h [][]int
			var sr []int
			for _, r := range s.reorder {
				h = append(h, append([]int(nil), history[r]...))
				sr = append(sr, src[r])
			}
			history, src = h, sr
			for r := range s.tokens {
				history[r] = append(history[r], s.tokens[r])
			}
		}
		if err := dec.Next(ctx, s.tokens, lp, nil); err != nil {
			t.Fatal(err)
		}
		for r := range s.tokens {
			if dec.Source(r) != src[r] {
				t.Fatalf("step %d row %d: source %d, want %d", si, r, dec.Source(r), src[r])
			}
			want := replay(t, m, srcs[src[r]], history[r])
			assertClose(t, "reordered log-probs", row(lp, r, V), want, 1e-5)
		}
	}
}

// replay decodes one sentence fed exactly tokens and returns the last
// step's log-probabilities.
func replay(t *testing.T, m *Model, src, tokens []int) []float32 {
	t.Helper()
	dec := newDecoder(t, m, [][]int{src})
	lp := make([]float32, m.cfg.DecoderVocabSize)
	for _, tok := range tokens {
		if err := dec.Next(context.Background(), []int{tok}, lp, nil); err != nil {
			t.Fatal(err)
		}
	}
	return lp
}

func TestLogProbsNormalised(t *testing.T) {
	m := randomModel(t, tinyConfig(), 3)
	enc, err := m.Encode(context.Background(), [][]int{{4, 1}})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := m.NewDecoder(enc)
	lp := make([]float32, m.cfg.DecoderVocabSize)
	if err := dec.Next(context.Background(), []int{0}, lp, nil); err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range lp {
		sum += math.Exp(float64(v))
	}
	if math.Abs(sum-1) > 1e-5 {
		t.Fatalf("probabilities sum to %g", sum)
	}
}

// TestConcurrentDecoding decodes on one shared model from several
// goroutines at once (run with -race); each must match a sequential run.
func TestConcurrentDecoding(t *testing.T) {
	m := randomModel(t, tinyConfig(), 5)
	srcs := [][]int{{4, 5, 6, 1}, {9, 1}, {3, 3, 3, 3, 1}, {10, 20, 30, 1}}
	want := make([][]float32, len(srcs))
	for i, s := range srcs {
		want[i] = replay(t, m, s, []int{0, 4, 5, 6})
	}
	var wg sync.WaitGroup
	errs := make([]error, 4*len(srcs))
	got := make([][]float32, len(errs))
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			enc, err := m.Encode(ctx, [][]int{srcs[g%len(srcs)]})
			if err != nil {
				errs[g] = err
				return
			}
			dec, err := m.NewDecoder(enc)
			if err != nil {
				errs[g] = err
				return
			}
			lp := make([]float32, m.cfg.DecoderVocabSize)
			for _, tok := range []int{0, 4, 5, 6} {
				if err := dec.Next(ctx, []int{tok}, lp, nil); err != nil {
					errs[g] = err
					return
				}
			}
			got[g] = lp
		}()
	}
	wg.Wait()
	for g := range errs {
		if errs[g] != nil {
			t.Fatal(errs[g])
		}
		assertClose(t, "concurrent log-probs", got[g], want[g%len(srcs)], 0)
	}
}

func TestCancelledContext(t *testing.T) {
	m := randomModel(t, tinyConfig(), 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Encode(ctx, [][]int{{4, 1}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Encode: %v, want context.Canceled", err)
	}
	enc, err := m.Encode(context.Background(), [][]int{{4, 1}})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := m.NewDecoder(enc)
	lp := make([]float32, m.cfg.DecoderVocabSize)
	if err := dec.Next(ctx, []int{0}, lp, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next: %v, want context.Canceled", err)
	}
}

func TestInputErrors(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 5)
	ctx := context.Background()
	long := make([]int, c.MaxPositionEmbeddings+1)
	for _, tc := range []struct {
		srcs [][]int
		want string
	}{
		{[][]int{{1}, {}}, "source sentence 1 is empty"},
		{[][]int{long}, "source sentence 0 has 41 tokens, more than max_position_embeddings 40"},
		{[][]int{{3, 50, 1}}, "source sentence 0: token 50 at position 1 is outside the vocabulary of 50"},
		{[][]int{{-1, 1}}, "token -1 at position 0"},
	} {
		if _, err := m.Encode(ctx, tc.srcs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Encode(%v): %v, want %q", tc.srcs, err, tc.want)
		}
	}
	enc, err := m.Encode(ctx, [][]int{{4, 1}, {5, 1}})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := m.NewDecoder(enc)
	V := c.DecoderVocabSize
	for _, tc := range []struct {
		tokens   []int
		lp, attn int
		want     string
	}{
		{[]int{0}, 2 * V, 0, "Next got 1 tokens for 2 rows"},
		{[]int{0, 0}, V, 0, "logProbs holds 50 values, need 2 rows × 50"},
		{[]int{0, 0}, 2 * V, 3, "attn holds 3 values"},
		{[]int{0, 50}, 2 * V, 0, "token 50 of row 1 is outside the target vocabulary of 50"},
	} {
		var attn []float32
		if tc.attn > 0 {
			attn = make([]float32, tc.attn)
		}
		if err := dec.Next(ctx, tc.tokens, make([]float32, tc.lp), attn); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Next: %v, want %q", err, tc.want)
		}
	}
	// Target positions run out at max_position_embeddings.
	lp := make([]float32, 2*V)
	for i := 0; i < c.MaxPositionEmbeddings; i++ {
		if err := dec.Next(ctx, []int{3, 3}, lp, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := dec.Next(ctx, []int{3, 3}, lp, nil); err == nil || !strings.Contains(err.Error(), "reaches max_position_embeddings 40") {
		t.Fatalf("Next past the last position: %v", err)
	}
	other := randomModel(t, c, 6)
	if _, err := other.NewDecoder(enc); err == nil {
		t.Fatal("NewDecoder accepted another model's encoding")
	}
}

// TestNextAllocations checks that a decoding step allocates nothing once
// the decoder has reserved room for the search, with rows repeated and
// dropped between steps and well past the 32 steps at which the old
// per-row caches first grew.
func TestNextAllocations(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 8)
	ctx := context.Background()
	enc, err := m.Encode(ctx, [][]int{{5, 6, 7, 1}})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := m.NewDecoder(enc)
	dec.Reserve(3, c.MaxPositionEmbeddings)
	dims := dec.Dims()
	lp := make([]float32, 3*dims.Vocab)
	attn := make([]float32, 3*dims.Layers*dims.Heads*dims.SrcLen)
	tok := []int{0}
	step := func() {
		if err := dec.Next(ctx, tok, lp[:len(tok)*dims.Vocab], attn[:len(tok)*dims.Layers*dims.Heads*dims.SrcLen]); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(10, step); n != 0 {
		t.Errorf("batch 1: %v allocations per step", n)
	}
	dec.Reorder([]int{0, 0, 0})
	tok = []int{3, 4, 5}
	reorderStep := func() {
		dec.Reorder([]int{2, 0, 1})
		step()
	}
	if n := testing.AllocsPerRun(26, reorderStep); n != 0 {
		t.Errorf("batch 3 with reordering: %v allocations per step", n)
	}
	if dec.Position(0) <= 32 {
		t.Fatalf("the test stopped at position %d, before 32", dec.Position(0))
	}
}
