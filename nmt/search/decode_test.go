package search

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"
)

// Token ids of the hand-worked examples.
const (
	pad = 0
	eos = 1
	a   = 2
	b   = 3
	c   = 4

	vocab5 = 5 // the vocabulary pad, EOS, a, b, c
)

// handOpts are the options of the hand-worked examples.
func handOpts(beam int) Options {
	return Options{BeamSize: beam, EOS: eos, Pad: pad, Start: pad}
}

// decodeOne decodes a single source of length 3 with dist.
func decodeOne(t *testing.T, dist func(int, []int) []float32, opts Options) []Hypothesis {
	t.Helper()
	f := newFake(t, vocab5, []int{0}, []int{3}, dist)
	hyps, err := Decode(context.Background(), f, []int{3}, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return hyps[0]
}

// sumLogs is Σ log p over float32 log-probabilities, as the fake writes them.
func sumLogs(ps ...float64) float64 {
	s := 0.0
	for _, p := range ps {
		s += float64(float32(math.Log(p)))
	}
	return s
}

func checkHyp(t *testing.T, h Hypothesis, tokens []int, score float64) {
	t.Helper()
	if !slices.Equal(h.Tokens, tokens) {
		t.Fatalf("tokens %v, want %v", h.Tokens, tokens)
	}
	// The sums are of the same float32 terms in the same order: exact.
	if h.Score != score {
		t.Errorf("%v: score %v, want %v", tokens, h.Score, score)
	}
	if len(h.LogProbs) != len(tokens) || len(h.Attn) != len(tokens) {
		t.Errorf("%v: %d log-probs and %d attention rows", tokens, len(h.LogProbs), len(h.Attn))
	}
}

// greedyTrap: the likeliest first token (a) leads nowhere good; b then EOS
// is the best sentence. Worked by hand:
//
//	greedy: a (.5), c (.35), EOS (.6)           p = .105
//	beam 2, step 0: live a (.5), b (.4); EOS (.08) ranks third
//	        step 1: b EOS .36 (rank 0, finished), a c .175, a EOS .15
//	                (rank 2: dropped), a a .10 → live a c, a a
//	        α = 0: both live sums are below .36, so the search stops.
var greedyTrap = tableDist(vocab5, map[string]map[int]float64{
	"":    {a: .5, b: .4, eos: .08},
	"2":   {c: .35, eos: .3, a: .2, b: .14},
	"3":   {eos: .9},
	"2 4": {eos: .6},
}, map[int]float64{eos: .7})

func TestBeamFindsWhatGreedyMisses(t *testing.T) {
	g := decodeOne(t, greedyTrap, handOpts(1))
	if len(g) != 1 {
		t.Fatalf("greedy returned %d hypotheses", len(g))
	}
	checkHyp(t, g[0], []int{a, c, eos}, sumLogs(.5, .35, .6))

	bm := decodeOne(t, greedyTrap, handOpts(2))
	if len(bm) != 1 {
		t.Fatalf("beam returned %d hypotheses", len(bm))
	}
	checkHyp(t, bm[0], []int{b, eos}, sumLogs(.4, .9))
	if bm[0].NormScore != bm[0].Score {
		t.Errorf("α = 0: norm score %v differs from score %v", bm[0].NormScore, bm[0].Score)
	}
}

// TestNBestOrder: step 2 of the greedyTrap beam finishes a c EOS (.105) and
// a a EOS (.07); with NBest 2 the list keeps b EOS and a c EOS.
func TestNBestOrder(t *testing.T) {
	o := handOpts(2)
	o.NBest = 2
	hyps := decodeOne(t, greedyTrap, o)
	if len(hyps) != 2 {
		t.Fatalf("got %d hypotheses, want 2", len(hyps))
	}
	checkHyp(t, hyps[0], []int{b, eos}, sumLogs(.4, .9))
	checkHyp(t, hyps[1], []int{a, c, eos}, sumLogs(.5, .35, .6))

	// A wider beam on random distributions: NBest sorted by NormScore.
	for _, alpha := range []float64{0, 0.6, 1, -0.5} {
		f := newFake(t, 12, []int{7}, []int{4}, randomDist(12, eos, 3))
		res, err := Decode(context.Background(), f, []int{4}, Options{BeamSize: 5, NBest: 5, LengthPenalty: alpha,
			MaxLength: 12, EOS: eos, Pad: pad}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res[0]) != 5 {
			t.Fatalf("α %v: %d hypotheses, want 5", alpha, len(res[0]))
		}
		for i, h := range res[0] {
			want := h.Score / math.Pow(float64(len(h.Tokens)), alpha)
			if math.Abs(h.NormScore-want) > 1e-12*math.Abs(want) {
				t.Errorf("α %v: hypothesis %d norm %v, want Score/len^α = %v", alpha, i, h.NormScore, want)
			}
			if i > 0 && h.NormScore > res[0][i-1].NormScore {
				t.Errorf("α %v: hypothesis %d (%v) outranks hypothesis %d (%v)", alpha, i, h.NormScore, i-1, res[0][i-1].NormScore)
			}
		}
	}
}

// lengthTrade: b EOS has p = .342 (2 tokens); a a a EOS has p = .3072
// (4 tokens). With α = 0 the short one wins (log .342 > log .3072); with
// α = 1 the long one does (−1.180/4 = −0.295 > −1.073/2 = −0.537).
var lengthTrade = tableDist(vocab5, map[string]map[int]float64{
	"":      {a: .6, b: .38},
	"2":     {a: .8, eos: .1},
	"2 2":   {a: .8, eos: .1},
	"2 2 2": {eos: .8},
}, map[int]float64{eos: .9})

func TestLengthPenaltyChangesWinner(t *testing.T) {
	o := handOpts(2)
	o.MaxLength = 8
	short := decodeOne(t, lengthTrade, o)
	checkHyp(t, short[0], []int{b, eos}, sumLogs(.38, .9))

	o.LengthPenalty = 1
	long := decodeOne(t, lengthTrade, o)
	checkHyp(t, long[0], []int{a, a, a, eos}, sumLogs(.6, .8, .8, .8))
	if want := long[0].Score / 4; long[0].NormScore != want {
		t.Errorf("norm score %v, want %v", long[0].NormScore, want)
	}
}

func TestMaxLengthForcesEOS(t *testing.T) {
	never := tableDist(vocab5, nil, map[int]float64{a: .9, eos: .01})
	for _, beam := range []int{1, 3} {
		o := handOpts(beam)
		o.MaxLength = 4
		o.NBest = beam
		hyps := decodeOne(t, never, o)
		for _, h := range hyps {
			if len(h.Tokens) > 4 || h.Tokens[len(h.Tokens)-1] != eos {
				t.Errorf("beam %d: %v is longer than 4 or does not end with EOS", beam, h.Tokens)
			}
		}
		// The forced EOS keeps the model's log-probability.
		checkHyp(t, hyps[0], []int{a, a, a, eos}, sumLogs(.9, .9, .9, .01))
	}
}

func TestMinLength(t *testing.T) {
	eager := tableDist(vocab5, nil, map[int]float64{eos: .9, a: .05})
	for _, beam := range []int{1, 2} {
		o := handOpts(beam)
		o.MinLength = 3
		o.NBest = beam
		hyps := decodeOne(t, eager, o)
		for _, h := range hyps {
			if len(h.Tokens) < 4 {
				t.Errorf("beam %d: %v has fewer than 3 tokens before EOS", beam, h.Tokens)
			}
		}
		checkHyp(t, hyps[0], []int{a, a, a, eos}, sumLogs(.05, .05, .05, .9))
	}
	// A length limit below the minimum wins: the output has limit tokens.
	o := handOpts(1)
	o.MinLength, o.MaxLengthRatio = 5, 1
	hyps := decodeOne(t, eager, o) // source length 3: limit 3
	checkHyp(t, hyps[0], []int{a, a, eos}, sumLogs(.05, .05, .9))
}

// TestLengthRatio: limit = ⌊1.5 × srcLen + 1⌋ for sources of 1, 2 and 4
// tokens is 2, 4 and 7; the fake never wants EOS, so every output has
// exactly its limit.
func TestLengthRatio(t *testing.T) {
	never := tableDist(vocab5, nil, map[int]float64{a: .9, eos: .01})
	srcLens := []int{1, 2, 4}
	for _, beam := range []int{1, 2} {
		f := newFake(t, vocab5, []int{0, 1, 2}, srcLens, never)
		o := handOpts(beam)
		o.MaxLengthRatio, o.MaxLengthOffset = 1.5, 1
		res, err := Decode(context.Background(), f, srcLens, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{2, 4, 7} {
			if got := len(res[i][0].Tokens); got != want {
				t.Errorf("beam %d, source of %d: %d tokens, want %d", beam, srcLens[i], got, want)
			}
		}
	}
}

func TestPadNeverGenerated(t *testing.T) {
	padLover := tableDist(vocab5, nil, map[int]float64{pad: .9, c: .06, eos: .02})
	for _, beam := range []int{1, 4} {
		o := handOpts(beam)
		o.NBest = beam
		o.MaxLength = 6
		o.Banned = []int{c}
		for _, h := range decodeOne(t, padLover, o) {
			if slices.Contains(h.Tokens, pad) || slices.Contains(h.Tokens, c) {
				t.Errorf("beam %d: %v contains pad or a banned id", beam, h.Tokens)
			}
		}
	}
}

// randomOpts are the search settings the batch and streaming tests sweep.
var randomOpts = []Options{
	{BeamSize: 1, MaxLength: 20},
	{BeamSize: 2, MaxLength: 20},
	{BeamSize: 4, NBest: 3, LengthPenalty: 1, MaxLengthRatio: 2, MaxLengthOffset: 3},
	{BeamSize: 3, NBest: 2, LengthPenalty: 0.6, MaxLength: 15, EarlyStop: true},
	{BeamSize: 5, NBest: 5, LengthPenalty: -0.3, MaxLength: 10, MinLength: 2},
	{BeamSize: 3, LengthPenalty: 0.6, MaxLength: 20, Banned: []int{5, 6}},
	{BeamSize: 4, NBest: 2, LengthPenalty: 1, MaxLength: 25, LikelyStop: true},
}

func withIDs(o Options) Options {
	o.EOS, o.Pad, o.Start = eos, pad, pad
	return o
}

// TestBatchEqualsOneByOne: sentences of different lengths decoded together
// give exactly what they give alone, attention included.
func TestBatchEqualsOneByOne(t *testing.T) {
	keys, srcLens := []int{11, 12, 13, 14, 15}, []int{3, 1, 6, 2, 4}
	for _, o := range randomOpts {
		o = withIDs(o)
		dist := randomDist(10, eos, 1)
		batch, err := Decode(context.Background(), newFake(t, 10, keys, srcLens, dist), srcLens, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range keys {
			one, err := Decode(context.Background(), newFake(t, 10, keys[i:i+1], srcLens[i:i+1], dist), srcLens[i:i+1], o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(batch[i], one[0]) {
				t.Errorf("beam %d: sentence %d differs in a batch:\n%+v\nalone:\n%+v", o.BeamSize, i, batch[i][0].Tokens, one[0][0].Tokens)
			}
			for _, h := range batch[i] {
				for _, at := range h.Attn {
					if len(at) != 2 || len(at[0]) != 3 || len(at[0][0]) != srcLens[i] {
						t.Fatalf("attention row shape [%d][%d][%d], want [2][3][%d]", len(at), len(at[0]), len(at[0][0]), srcLens[i])
					}
				}
			}
		}
	}
}

// TestAttentionFollowsBackPointers: each attention row of a beam
// hypothesis is the one its own prefix produced.
func TestAttentionFollowsBackPointers(t *testing.T) {
	srcLens := []int{4}
	o := withIDs(Options{BeamSize: 4, NBest: 4, MaxLength: 12})
	res, err := Decode(context.Background(), newFake(t, 9, []int{3}, srcLens, randomDist(9, eos, 5)), srcLens, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res[0] {
		for i, at := range h.Attn {
			for l := range at {
				for hd := range at[l] {
					for p, v := range at[l][hd] {
						if want := fakeAttn(3, h.Tokens[:i], l*3+hd, p); v != want {
							t.Fatalf("%v: attention [%d][%d][%d][%d] = %v, want %v", h.Tokens, i, l, hd, p, v, want)
						}
					}
				}
			}
		}
	}
}

func TestScorerRowsShrink(t *testing.T) {
	// Sentence 0 ends at once (its source key makes EOS certain), so its rows
	// are dropped after the first step.
	dist := func(key int, prefix []int) []float32 {
		if key == 0 {
			return probs(vocab5, map[int]float64{eos: .99})
		}
		return probs(vocab5, map[int]float64{a: .5, eos: .1})
	}
	for _, beam := range []int{1, 3} {
		f := newFake(t, vocab5, []int{0, 1}, []int{2, 2}, dist)
		var sizes []int
		f.reorder = func(rows []int) { sizes = append(sizes, len(rows)) }
		o := handOpts(beam)
		o.MaxLength = 5
		if _, err := Decode(context.Background(), f, []int{2, 2}, o, nil); err != nil {
			t.Fatal(err)
		}
		if len(sizes) == 0 || sizes[0] != beam {
			t.Errorf("beam %d: first reorder kept %v rows, want %d (sentence 1's beams only)", beam, sizes, beam)
		}
		if len(f.rows) > beam {
			t.Errorf("beam %d: scorer still has %d rows", beam, len(f.rows))
		}
	}
}

func TestCancel(t *testing.T) {
	for _, beam := range []int{1, 3} {
		ctx, cancel := context.WithCancel(context.Background())
		f := newFake(t, 10, []int{1, 2}, []int{3, 4}, randomDist(10, eos, 2))
		f.onNext = func(calls int) {
			if calls == 2 {
				cancel()
			}
		}
		o := withIDs(Options{BeamSize: beam, MaxLength: 50, MinLength: 40})
		res, err := Decode(ctx, f, []int{3, 4}, o, nil)
		if err != context.Canceled || res != nil {
			t.Errorf("beam %d: got %v, %v; want nil, context.Canceled", beam, res, err)
		}
		if f.calls != 2 {
			t.Errorf("beam %d: %d calls to Next, want 2", beam, f.calls)
		}

		f = newFake(t, 10, []int{1}, []int{3}, randomDist(10, eos, 2))
		if _, err := Decode(ctx, f, []int{3}, o, nil); err != context.Canceled || f.calls != 0 {
			t.Errorf("beam %d, cancelled before: %v after %d calls", beam, err, f.calls)
		}
		if _, err := Force(ctx, f, []int{3}, [][]int{{2, 3}}, o); err != context.Canceled || f.calls != 0 {
			t.Errorf("force, cancelled before: %v after %d calls", err, f.calls)
		}
		cancel()
	}
}

func TestDecodeEmpty(t *testing.T) {
	f := newFake(t, vocab5, nil, nil, greedyTrap)
	res, err := Decode(context.Background(), f, nil, handOpts(2), nil)
	if err != nil || len(res) != 0 || f.calls != 0 {
		t.Errorf("got %v, %v after %d calls; want no result, no error, no call", res, err, f.calls)
	}
}

func TestDecodeErrors(t *testing.T) {
	ok := func(int, []int) []float32 { return probs(vocab5, map[int]float64{eos: .5}) }
	tests := []struct {
		name    string
		srcLens []int
		opts    Options
		dist    func(int, []int) []float32
		swap    bool // the scorer's first two rows read the wrong sources
		want    string
	}{
		{"invalid options", []int{2}, Options{NBest: 5, BeamSize: 4, EOS: eos}, ok, false,
			"search: nbest 5 exceeds beam size 4"},
		{"eos outside vocabulary", []int{2}, Options{EOS: 9, Pad: pad}, ok, false,
			"search: eos id 9 is outside the vocabulary of 5"},
		{"banned outside vocabulary", []int{2}, Options{EOS: eos, Pad: pad, Banned: []int{5}}, ok, false,
			"search: banned id 5 is outside the vocabulary of 5"},
		{"source too long", []int{2, 7}, handOpts(2), ok, false,
			"search: source 1 has length 7, outside [1, 3]"},
		{"empty source", []int{0, 2}, handOpts(2), ok, false,
			"search: source 0 has length 0, outside [1, 3]"},
		{"rows out of order", []int{2, 2}, handOpts(2), ok, true,
			"search: scorer row 0 reads source 1, want 0"},
		{"positive log-probability", []int{2}, handOpts(2), func(int, []int) []float32 {
			return []float32{0, 0.5, 0, 0, 0}
		}, false, "search: scorer gave token 1 a log-probability of 0.5 > 0 at step 0; Next must write log-softmax values"},
		{"only pad possible, greedy", []int{2}, handOpts(1), func(int, []int) []float32 {
			return probs(vocab5, map[int]float64{pad: 1})
		}, false, "search: source 0: every token is masked or impossible at step 0"},
		{"only pad possible, beam", []int{2}, handOpts(3), func(int, []int) []float32 {
			return probs(vocab5, map[int]float64{pad: 1})
		}, false, "search: source 0: every token is masked or impossible at step 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, vocab5, make([]int, len(tt.srcLens)), tt.srcLens, tt.dist)
			f.dims.SrcLen = 3
			if tt.swap {
				f.rows[0].src, f.rows[1].src = 1, 0
			}
			_, err := Decode(context.Background(), f, tt.srcLens, tt.opts, nil)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want %q", err, tt.want)
			}
		})
	}
	// A scorer with fewer rows than sources.
	f := newFake(t, vocab5, []int{0}, []int{2}, ok)
	want := "search: scorer row count 1 differs from source count 2"
	if _, err := Decode(context.Background(), f, []int{2, 2}, handOpts(2), nil); err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
}

func TestLikelyStopStopsSooner(t *testing.T) {
	steps := func(likely bool) ([]Hypothesis, int) {
		o := handOpts(2)
		o.MaxLength, o.LengthPenalty, o.LikelyStop = 30, 1, likely
		f := newFake(t, vocab5, []int{0}, []int{3}, lengthTrade)
		hyps, err := Decode(context.Background(), f, []int{3}, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		return hyps[0], f.calls
	}
	exact, exactCalls := steps(false)
	likely, likelyCalls := steps(true)
	checkHyp(t, likely[0], []int{a, a, a, eos}, sumLogs(.6, .8, .8, .8))
	if !reflect.DeepEqual(exact[0].Tokens, likely[0].Tokens) {
		t.Errorf("exact bound found %v, estimate %v", exact[0].Tokens, likely[0].Tokens)
	}
	// With α = 1 the exact bound cannot rule out a long tail and runs on;
	// the estimate stops right after a a a EOS beats every live beam.
	if likelyCalls >= exactCalls || likelyCalls > 6 {
		t.Errorf("Next calls: %d with the estimate, %d with the exact bound", likelyCalls, exactCalls)
	}
}
