package search

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// benchScorer is a Scorer whose own cost is a copy per row: each row's
// log-probabilities come from a fixed table picked by a hash of its prefix,
// with an EOS that grows likelier with length, so that the benchmark
// measures the search's bookkeeping.
type benchScorer struct {
	dims  Dims
	table [][]float32 // [64][Vocab]
	eosLP []float32   // EOS log-probability by prefix length
	attn  []float32   // [Layers*Heads*SrcLen]
	rows  []benchRow
	next  []benchRow
}

type benchRow struct {
	hash uint64
	n    int
}

func newBenchScorer(vocab, batch int) *benchScorer {
	d := Dims{Vocab: vocab, Layers: 6, Heads: 8, SrcLen: 32}
	s := &benchScorer{dims: d, attn: make([]float32, d.Layers*d.Heads*d.SrcLen)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 64 {
		logits := make([]float64, vocab)
		for i := range logits {
			logits[i] = 3 * rng.NormFloat64()
		}
		s.table = append(s.table, logSoftmax(logits))
	}
	for n := range 200 {
		s.eosLP = append(s.eosLP, float32(math.Log(math.Min(0.9, 0.0005*float64(n*n)))))
	}
	for i := range s.attn {
		s.attn[i] = 1 / float32(d.SrcLen)
	}
	s.reset(batch)
	return s
}

func (s *benchScorer) reset(batch int) {
	s.rows = s.rows[:0]
	for i := range batch {
		s.rows = append(s.rows, benchRow{hash: uint64(i) + 1})
	}
}

func (s *benchScorer) Dims() Dims       { return s.dims }
func (s *benchScorer) Source(r int) int { return r }

func (s *benchScorer) Reorder(rows []int) {
	s.next = s.next[:0]
	for _, r := range rows {
		s.next = append(s.next, s.rows[r])
	}
	s.rows, s.next = s.next, s.rows
}

func (s *benchScorer) Next(ctx context.Context, tokens []int, logProbs, attn []float32) error {
	V, A := s.dims.Vocab, len(s.attn)
	for r, tok := range tokens {
		row := &s.rows[r]
		row.hash = row.hash*1000003 ^ uint64(tok)
		lp := logProbs[r*V : (r+1)*V]
		copy(lp, s.table[row.hash%64])
		lp[eos] = s.eosLP[min(row.n, len(s.eosLP)-1)]
		row.n++
		copy(attn[r*A:(r+1)*A], s.attn)
	}
	return ctx.Err()
}

// BenchmarkDecode decodes a batch of 16 sources of 20 tokens.
func BenchmarkDecode(b *testing.B) {
	srcLens := make([]int, 16)
	for i := range srcLens {
		srcLens[i] = 20
	}
	for _, vocab := range []int{8000, 32000} {
		for _, beam := range []int{1, 4, 8} {
			b.Run(fmt.Sprintf("vocab%d/beam%d", vocab, beam), func(b *testing.B) {
				s := newBenchScorer(vocab, len(srcLens))
				o := Options{BeamSize: beam, LengthPenalty: 1, MaxLengthRatio: 2, MaxLengthOffset: 5, EOS: eos, Pad: pad}
				b.ReportAllocs()
				tokens := 0
				for b.Loop() {
					s.reset(len(srcLens))
					res, err := Decode(context.Background(), s, srcLens, o, nil)
					if err != nil {
						b.Fatal(err)
					}
					for _, h := range res {
						tokens += len(h[0].Tokens)
					}
				}
				b.ReportMetric(float64(tokens)/float64(b.N), "tokens/op")
			})
		}
	}
}
