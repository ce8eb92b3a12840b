package model

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// stepScores feeds each target to its own row through Next, one token at a
// time, and returns what Force must match: every token's log-probability and
// every position's attention, laid out as Force lays them out.
func stepScores(t *testing.T, m *Model, srcs, targets [][]int) ([][]float32, []float32) {
	t.Helper()
	ctx := context.Background()
	c := &m.cfg
	var lps [][]float32
	var attn []float32
	for i := range targets {
		dec := newDecoder(t, m, srcs)
		dec.Reorder([]int{i}) // one row, reading source i
		S := dec.Dims().SrcLen
		v, width := c.DecoderVocabSize, c.DecoderLayers*c.DecoderAttentionHeads*S
		row := make([]float32, len(targets[i]))
		prev := c.DecoderStartTokenID
		for k, tok := range targets[i] {
			lp, at := make([]float32, v), make([]float32, width)
			if err := dec.Next(ctx, []int{prev}, lp, at); err != nil {
				t.Fatal(err)
			}
			row[k] = lp[tok]
			attn = append(attn, at...)
			prev = tok
		}
		lps = append(lps, row)
	}
	return lps, attn
}

// forceScores runs Force over the batch of sources and targets.
func forceScores(t *testing.T, m *Model, srcs, targets [][]int) ([][]float32, []float32) {
	t.Helper()
	ctx := context.Background()
	c := &m.cfg
	dec := newDecoder(t, m, srcs)
	lps := make([][]float32, len(targets))
	n := 0
	for i, tg := range targets {
		lps[i] = make([]float32, len(tg))
		n += len(tg)
	}
	attn := make([]float32, n*c.DecoderLayers*c.DecoderAttentionHeads*dec.Dims().SrcLen)
	if err := dec.Force(ctx, c.DecoderStartTokenID, targets, lps, attn); err != nil {
		t.Fatal(err)
	}
	if err := dec.Next(ctx, make([]int, dec.Rows()), make([]float32, dec.Rows()*c.DecoderVocabSize), nil); !errors.Is(err, errForced) {
		t.Fatalf("Next after Force: err = %v, want the spent-decoder error", err)
	}
	return lps, attn
}

// compareForce checks Force against Next within tol (float32 rounding of
// differently batched products; both run the same kernels).
func compareForce(t *testing.T, m *Model, srcs, targets [][]int, tol float64) {
	t.Helper()
	wantLP, wantAttn := stepScores(t, m, srcs, targets)
	gotLP, gotAttn := forceScores(t, m, srcs, targets)
	for i := range targets {
		for k := range targets[i] {
			if d := math.Abs(float64(gotLP[i][k] - wantLP[i][k])); d > tol || math.IsNaN(d) {
				t.Fatalf("target %d token %d: Force log-prob %g, Next %g", i, k, gotLP[i][k], wantLP[i][k])
			}
		}
	}
	if len(gotAttn) != len(wantAttn) {
		t.Fatalf("attention holds %d values, want %d", len(gotAttn), len(wantAttn))
	}
	for j := range wantAttn {
		if d := math.Abs(float64(gotAttn[j] - wantAttn[j])); d > tol {
			t.Fatalf("attention value %d: Force %g, Next %g", j, gotAttn[j], wantAttn[j])
		}
	}
}

func TestForceMatchesNextRandom(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 3)
	r := rand.New(rand.NewPCG(5, 9))
	draw := func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = 2 + r.IntN(c.VocabSize-2)
		}
		return s
	}
	// Sources of different lengths (padding in the cross-attention) and
	// targets of different lengths, one of them empty, one of the longest
	// the model has positions for.
	srcs := [][]int{append(draw(3), 1), append(draw(11), 1), {1}, append(draw(6), 1)}
	targets := [][]int{draw(5), draw(1), nil, draw(c.MaxPositionEmbeddings)}
	compareForce(t, m, srcs, targets, 1e-5)
}

func TestForceMatchesNextGolden(t *testing.T) {
	for _, dir := range goldenModels(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g := readGolden(t, dir)
			var srcs, targets [][]int
			for _, c := range g.Cases {
				srcs = append(srcs, c.SrcIDs)
				targets = append(targets, c.GreedyIDs)
			}
			compareForce(t, m, srcs, targets, 1e-4)
		})
	}
}

func TestForceErrors(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 3)
	ctx := context.Background()
	fresh := func() *Decoder {
		dec := newDecoder(t, m, [][]int{{5, 1}, {6, 7, 1}})
		return dec
	}
	two := func(n int) [][]float32 { return [][]float32{make([]float32, n), make([]float32, n)} }
	long := make([]int, c.MaxPositionEmbeddings+1)
	stepped := fresh()
	if err := stepped.Next(ctx, []int{0, 0}, make([]float32, 2*c.DecoderVocabSize), nil); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name    string
		dec     *Decoder
		ctx     context.Context
		start   int
		targets [][]int
		lps     [][]float32
		attn    []float32
		want    string
	}{
		{"rows", fresh(), ctx, 0, [][]int{{2}}, two(1), nil, "1 targets for 2 rows"},
		{"log-prob rows", fresh(), ctx, 0, [][]int{{2}, {3}}, two(1)[:1], nil, "1 log-probability rows"},
		{"short row", fresh(), ctx, 0, [][]int{{2, 3}, {3}}, two(1), nil, "holds 1 values for 2 tokens"},
		{"start", fresh(), ctx, 99, [][]int{{2}, {3}}, two(1), nil, "start token 99"},
		{"token", fresh(), ctx, 0, [][]int{{2}, {50}}, two(1), nil, "token 50 of target 1"},
		{"too long", fresh(), ctx, 0, [][]int{long, {3}}, two(len(long)), nil, "max_position_embeddings"},
		{"attn", fresh(), ctx, 0, [][]int{{2}, {3}}, two(1), make([]float32, 3), "attn holds 3 values"},
		{"stepped", stepped, ctx, 0, [][]int{{2}, {3}}, two(1), nil, "fresh decoder"},
		{"cancelled", fresh(), cancelled, 0, [][]int{{2}, {3}}, two(1), nil, "context canceled"},
	} {
		err := tc.dec.Force(tc.ctx, tc.start, tc.targets, tc.lps, tc.attn)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
