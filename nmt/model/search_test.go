package model

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/translated/translated/nmt/search"
)

// The Decoder satisfies the interfaces search is written against, although
// package model does not import package search (see Dims).
var (
	_ search.Scorer = (*Decoder)(nil)
	_ search.Forcer = (*Decoder)(nil)
)

// These tests drive the Decoder through package search, as the translator
// does: greedy decoding against the goldens, and beam search over a batch
// against the same sentences decoded one at a time.

func searchOptions(m *Model, beam, maxLen int) search.Options {
	return search.Options{BeamSize: beam, MaxLength: maxLen, EOS: m.cfg.EOSTokenID, Pad: m.cfg.PadTokenID, Start: m.cfg.DecoderStartTokenID, NBest: beam}
}

func decodeWith(t *testing.T, m *Model, srcs [][]int, opts search.Options) [][]search.Hypothesis {
	t.Helper()
	ctx := context.Background()
	dec := newDecoder(t, m, srcs)
	lens := make([]int, len(srcs))
	for i, s := range srcs {
		lens[i] = len(s)
	}
	out, err := search.Decode(ctx, dec, lens, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSearchGreedyGolden(t *testing.T) {
	for _, dir := range goldenModels(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g := readGolden(t, dir)
			for _, c := range g.Cases {
				got := decodeWith(t, m, [][]int{c.SrcIDs}, searchOptions(m, 1, c.GreedyMaxLen))[0][0].Tokens
				want := append([]int(nil), c.GreedyIDs...)
				if want[len(want)-1] != m.cfg.EOSTokenID {
					// search ends a hypothesis at its length limit with EOS.
					want[len(want)-1] = m.cfg.EOSTokenID
				}
				if !equalInts(got, want) {
					t.Fatalf("%q: search greedy %v, want %v", c.SrcText, got, want)
				}
			}
		})
	}
}

func TestSearchBeamBatchEqualsSingle(t *testing.T) {
	for _, dir := range goldenModels(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g := readGolden(t, dir)
			var srcs [][]int
			for _, c := range g.Cases {
				srcs = append(srcs, c.SrcIDs)
			}
			opts := searchOptions(m, 4, 20)
			batch := decodeWith(t, m, srcs, opts)
			for i, s := range srcs {
				single := decodeWith(t, m, [][]int{s}, opts)[0]
				if len(single) != len(batch[i]) {
					t.Fatalf("sentence %d: %d hypotheses alone, %d in the batch", i, len(single), len(batch[i]))
				}
				for h := range single {
					if !equalInts(single[h].Tokens, batch[i][h].Tokens) || math.Abs(single[h].Score-batch[i][h].Score) > 1e-4 {
						t.Fatalf("sentence %d hypothesis %d: alone %v (%g), in the batch %v (%g)", i, h, single[h].Tokens, single[h].Score, batch[i][h].Tokens, batch[i][h].Score)
					}
				}
			}
		})
	}
}
