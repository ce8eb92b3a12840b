package search

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// fakeScorer is a deterministic Scorer for tests. The next-token
// log-probabilities of a row are a function of its source sentence's key
// and its prefix (dist), and so is its attention, so a hypothesis scores the
// same whichever row or batch it sits in. It checks that the search drives
// it as the Scorer contract says.
type fakeScorer struct {
	t       testing.TB
	dims    Dims
	start   int
	keys    []int // content key of each source sentence
	srcLens []int
	dist    func(key int, prefix []int) []float32 // log-probabilities, length Vocab
	rows    []fakeRow
	calls   int              // Next calls so far
	onNext  func(calls int)  // called at the end of every Next
	reorder func(rows []int) // observes Reorder calls
}

type fakeRow struct {
	src     int
	started bool
	prefix  []int
}

// newFake returns a fake with one row per source, vocabulary v, 2 layers,
// 3 heads and a padded source length of max(srcLens)+1.
func newFake(t testing.TB, v int, keys, srcLens []int, dist func(key int, prefix []int) []float32) *fakeScorer {
	f := &fakeScorer{t: t, keys: keys, srcLens: srcLens, dist: dist,
		dims: Dims{Vocab: v, Layers: 2, Heads: 3, SrcLen: slices.Max(append([]int{0}, srcLens...)) + 1}}
	for i := range srcLens {
		f.rows = append(f.rows, fakeRow{src: i})
	}
	return f
}

func (f *fakeScorer) Dims() Dims { return f.dims }

func (f *fakeScorer) Rows() int { return len(f.rows) }

func (f *fakeScorer) Source(r int) int { return f.rows[r].src }

func (f *fakeScorer) Reorder(rows []int) {
	if f.reorder != nil {
		f.reorder(rows)
	}
	next := make([]fakeRow, len(rows))
	for i, r := range rows {
		if r < 0 || r >= len(f.rows) {
			f.t.Fatalf("Reorder: row %d of %d", r, len(f.rows))
		}
		next[i] = f.rows[r]
		next[i].prefix = slices.Clone(f.rows[r].prefix)
	}
	f.rows = next
}

func (f *fakeScorer) Next(ctx context.Context, tokens []int, logProbs, attn []float32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.calls++
	d := f.dims
	if len(tokens) != len(f.rows) || len(logProbs) != len(tokens)*d.Vocab || len(attn) != len(tokens)*d.Layers*d.Heads*d.SrcLen {
		f.t.Fatalf("Next: %d tokens, %d log-probs, %d attention values for %d rows", len(tokens), len(logProbs), len(attn), len(f.rows))
	}
	for r, tok := range tokens {
		row := &f.rows[r]
		if !row.started {
			if tok != f.start {
				f.t.Fatalf("Next: row %d started with %d, want the start token %d", r, tok, f.start)
			}
			row.started = true
		} else {
			row.prefix = append(row.prefix, tok)
		}
		key := f.keys[row.src]
		copy(logProbs[r*d.Vocab:(r+1)*d.Vocab], f.dist(key, row.prefix))
		a := attn[r*d.Layers*d.Heads*d.SrcLen:]
		for lh := range d.Layers * d.Heads {
			for p := range d.SrcLen {
				v := float32(0)
				if p < f.srcLens[row.src] {
					v = fakeAttn(key, row.prefix, lh, p)
				}
				a[lh*d.SrcLen+p] = v
			}
		}
	}
	if f.onNext != nil {
		f.onNext(f.calls)
	}
	return nil
}

// fakeAttn is a deterministic attention weight in (0, 1].
func fakeAttn(key int, prefix []int, lh, p int) float32 {
	return float32(hashOf(key, prefix, lh, p)%1000+1) / 1000
}

func hashOf(key int, prefix []int, more ...int) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, key, prefix, more)
	return h.Sum64()
}

// probs turns a sparse table of probabilities into log-probabilities over v
// tokens: the mass left over is shared equally by the unlisted tokens.
func probs(v int, p map[int]float64) []float32 {
	rest := 1.0
	for _, x := range p {
		rest -= x
	}
	out := make([]float32, v)
	for i := range out {
		x, ok := p[i]
		if !ok {
			x = rest / float64(v-len(p))
		}
		out[i] = float32(math.Log(x))
	}
	return out
}

// tableDist looks the prefix (tokens joined by spaces) up in table, falling
// back to def.
func tableDist(v int, table map[string]map[int]float64, def map[int]float64) func(int, []int) []float32 {
	rows := map[string][]float32{}
	for k, p := range table {
		rows[k] = probs(v, p)
	}
	fallback := probs(v, def)
	return func(_ int, prefix []int) []float32 {
		if r, ok := rows[join(prefix)]; ok {
			return r
		}
		return fallback
	}
}

func join(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, " ")
}

// randomDist gives every (key, prefix) its own pseudo-random distribution
// over v tokens whose EOS (id eos) grows likelier with the prefix length.
func randomDist(v, eos int, seed uint64) func(int, []int) []float32 {
	return func(key int, prefix []int) []float32 {
		rng := rand.New(rand.NewPCG(seed, hashOf(key, prefix)))
		logits := make([]float64, v)
		for i := range logits {
			logits[i] = 2 * rng.NormFloat64()
		}
		logits[eos] += -3 + 0.6*float64(len(prefix))
		return logSoftmax(logits)
	}
}

func logSoftmax(x []float64) []float32 {
	m := slices.Max(x)
	sum := 0.0
	for _, v := range x {
		sum += math.Exp(v - m)
	}
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v - m - math.Log(sum))
	}
	return out
}
