package search

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestForce(t *testing.T) {
	keys, srcLens := []int{31, 32, 33}, []int{3, 1, 4}
	targets := [][]int{{a, b, c}, {c, eos}, {}}
	want := [][]int{{a, b, c, eos}, {c, eos}, {eos}}
	dist := randomDist(vocab5, eos, 9)
	o := withIDs(Options{LengthPenalty: 0.5})
	f := newFake(t, vocab5, keys, srcLens, dist)
	hyps, err := Force(context.Background(), f, srcLens, targets, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(targets[0], []int{a, b, c}) {
		t.Errorf("Force changed its input: %v", targets[0])
	}
	for s, h := range hyps {
		if !slices.Equal(h.Tokens, want[s]) {
			t.Fatalf("sentence %d: tokens %v, want %v", s, h.Tokens, want[s])
		}
		score := 0.0
		for i, tok := range h.Tokens {
			lp := dist(keys[s], h.Tokens[:i])[tok]
			if h.LogProbs[i] != lp {
				t.Errorf("sentence %d token %d: log-prob %v, want %v", s, i, h.LogProbs[i], lp)
			}
			score += float64(lp)
			for l := range 2 {
				for hd := range 3 {
					row := h.Attn[i][l][hd]
					if len(row) != srcLens[s] {
						t.Fatalf("sentence %d: attention row of %d, want %d", s, len(row), srcLens[s])
					}
					for p, v := range row {
						if w := fakeAttn(keys[s], h.Tokens[:i], l*3+hd, p); v != w {
							t.Errorf("sentence %d token %d: attention %v, want %v", s, i, v, w)
						}
					}
				}
			}
		}
		if h.Score != score || h.NormScore != score/math.Sqrt(float64(len(h.Tokens))) {
			t.Errorf("sentence %d: score %v norm %v, want %v and %v", s, h.Score, h.NormScore, score, score/math.Sqrt(float64(len(h.Tokens))))
		}
		one, err := Force(context.Background(), newFake(t, vocab5, keys[s:s+1], srcLens[s:s+1], dist), srcLens[s:s+1], targets[s:s+1], o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one[0], h) {
			t.Errorf("sentence %d: forced alone %v, in a batch %v", s, one[0].LogProbs, h.LogProbs)
		}
	}
}

// TestForceReproducesDecode: forcing the output of a search gives back its
// log-probabilities, scores and attention.
func TestForceReproducesDecode(t *testing.T) {
	keys, srcLens := []int{41, 42}, []int{4, 2}
	dist := randomDist(8, eos, 4)
	for _, o := range randomOpts {
		o = withIDs(o)
		res, err := Decode(context.Background(), newFake(t, 8, keys, srcLens, dist), srcLens, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		targets := [][]int{res[0][0].Tokens, res[1][0].Tokens}
		forced, err := Force(context.Background(), newFake(t, 8, keys, srcLens, dist), srcLens, targets, o)
		if err != nil {
			t.Fatal(err)
		}
		for s := range forced {
			if !reflect.DeepEqual(forced[s], res[s][0]) {
				t.Errorf("beam %d, sentence %d: forced %v %v, decoded %v %v", o.BeamSize, s,
					forced[s].Tokens, forced[s].LogProbs, res[s][0].Tokens, res[s][0].LogProbs)
			}
		}
	}
}

func TestForceErrors(t *testing.T) {
	tests := []struct {
		name    string
		targets [][]int
		opts    Options
		want    string
	}{
		{"count", [][]int{{a}}, handOpts(1), "search: 1 targets for 2 sources"},
		{"id", [][]int{{a}, {b, 7}}, handOpts(1), "search: target 1 has token id 7 outside the vocabulary of 5"},
		{"negative id", [][]int{{-1}, {b}}, handOpts(1), "search: target 0 has token id -1 outside the vocabulary of 5"},
		{"options", [][]int{{a}, {b}}, Options{EOS: eos, Pad: eos}, "search: pad id 1 equals the eos id; pad is never generated, so no hypothesis could end"},
		{"eos outside vocabulary", [][]int{{a}, {b}}, Options{EOS: 5, Pad: pad}, "search: eos id 5 is outside the vocabulary of 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, vocab5, []int{0, 1}, []int{2, 2}, greedyTrap)
			_, err := Force(context.Background(), f, []int{2, 2}, tt.targets, tt.opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if f.calls != 0 {
				t.Errorf("%d calls to Next before the error", f.calls)
			}
		})
	}
}

// fakeForcer is a fakeScorer that also scores whole targets at once, from
// the same distributions, so Force must give the same result either way.
type fakeForcer struct{ *fakeScorer }

func (f fakeForcer) Force(ctx context.Context, start int, targets [][]int, logProbs [][]float32, attn []float32) error {
	if start != f.start || f.calls != 0 {
		f.t.Fatalf("Force: start %d after %d Next calls, want %d on a fresh scorer", start, f.calls, f.start)
	}
	d := f.dims
	width := d.Layers * d.Heads * d.SrcLen
	pos := 0
	for r, tgt := range targets {
		key := f.keys[f.rows[r].src]
		for k, tok := range tgt {
			logProbs[r][k] = f.dist(key, tgt[:k])[tok]
			a := attn[pos*width:]
			for lh := range d.Layers * d.Heads {
				for p := range d.SrcLen {
					v := float32(0)
					if p < f.srcLens[f.rows[r].src] {
						v = fakeAttn(key, tgt[:k], lh, p)
					}
					a[lh*d.SrcLen+p] = v
				}
			}
			pos++
		}
	}
	return ctx.Err()
}

// TestForceOnePass: a Forcer is asked for the whole targets, never stepped,
// and the hypotheses are those of forcing step by step.
func TestForceOnePass(t *testing.T) {
	keys, srcLens := []int{51, 52, 53}, []int{2, 5, 1}
	targets := [][]int{{b, a}, {c, c, a, eos}, {}}
	dist := randomDist(vocab5, eos, 7)
	o := withIDs(Options{LengthPenalty: 1.5})
	want, err := Force(context.Background(), newFake(t, vocab5, keys, srcLens, dist), srcLens, targets, o)
	if err != nil {
		t.Fatal(err)
	}
	f := fakeForcer{newFake(t, vocab5, keys, srcLens, dist)}
	got, err := Force(context.Background(), f, srcLens, targets, o)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls != 0 {
		t.Errorf("the Forcer was stepped %d times", f.calls)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("one pass %v, step by step %v", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Force(ctx, fakeForcer{newFake(t, vocab5, keys, srcLens, dist)}, srcLens, targets, o); err == nil {
		t.Error("Force on a cancelled context returned no error")
	}
}
