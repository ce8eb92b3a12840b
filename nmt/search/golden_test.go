package search_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
)

// The goldens in testdata/models/<name>/golden.json come from
// scripts/reference/make_goldens.py: greedy decoding by a float64 PyTorch
// forward pass (scripts/reference/marian_ref.py) with the pad id masked,
// stopping after EOS (included) or after greedy_max_len tokens. Ids must
// match exactly; attention weights are held to 1e-3, the float32 tolerance
// that nmt/model's golden tests justify for these models.
const attnTol = 1e-3

type goldenCase struct {
	SrcText              string          `json:"src_text"`
	SrcIDs               []int           `json:"src_ids"`
	GreedyIDs            []int           `json:"greedy_ids"`
	GreedyMaxLen         int             `json:"greedy_max_len"`
	GreedyCrossAttention [][][][]float64 `json:"greedy_cross_attention"`
}

type goldenModel struct {
	name  string
	m     *model.Model
	cfg   model.Config
	cases []goldenCase
}

func goldenModels(t *testing.T) []goldenModel {
	t.Helper()
	files, err := filepath.Glob("../../testdata/models/*/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/models/*/golden.json")
	}
	var out []goldenModel
	for _, f := range files {
		dir := filepath.Dir(f)
		m, err := model.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Cases []goldenCase `json:"cases"`
		}
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, goldenModel{filepath.Base(dir), m, m.Config(), g.Cases})
	}
	return out
}

// decoder encodes srcs and returns a fresh Scorer over them with their lengths.
func decoder(t *testing.T, m *model.Model, srcs [][]int) (*model.Decoder, []int) {
	t.Helper()
	enc, err := m.Encode(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := m.NewDecoder(enc)
	if err != nil {
		t.Fatal(err)
	}
	lens := make([]int, len(srcs))
	for i, s := range srcs {
		lens[i] = len(s)
	}
	return dec, lens
}

func (g goldenModel) opts(beam, maxLen int) search.Options {
	return search.Options{BeamSize: beam, MaxLength: maxLen, EOS: g.cfg.EOSTokenID,
		Pad: g.cfg.PadTokenID, Start: g.cfg.DecoderStartTokenID}
}

// checkGreedy compares a hypothesis with a golden greedy run. The golden
// stops after greedy_max_len tokens without EOS, where the search (with a
// limit one longer) ends with a forced EOS: only the golden's tokens are
// compared then.
func checkGreedy(t *testing.T, c goldenCase, h search.Hypothesis) {
	t.Helper()
	n := len(c.GreedyIDs)
	if len(h.Tokens) < n || !slices.Equal(h.Tokens[:n], c.GreedyIDs) || len(h.Tokens) > n+1 {
		t.Fatalf("%q: greedy ids %v, want %v", c.SrcText, h.Tokens, c.GreedyIDs)
	}
	for step, want := range c.GreedyCrossAttention {
		for l := range want {
			for hd := range want[l] {
				got := h.Attn[step][l][hd]
				if len(got) != len(want[l][hd]) {
					t.Fatalf("%q: attention row of %d, want %d", c.SrcText, len(got), len(want[l][hd]))
				}
				for p, w := range want[l][hd] {
					if d := math.Abs(float64(got[p]) - w); !(d <= attnTol) {
						t.Fatalf("%q: attention [%d][%d][%d][%d] = %.7g, want %.7g", c.SrcText, step, l, hd, p, got[p], w)
					}
				}
			}
		}
	}
}

func TestGoldenGreedy(t *testing.T) {
	for _, g := range goldenModels(t) {
		t.Run(g.name, func(t *testing.T) {
			var srcs [][]int
			longest := 0
			for _, c := range g.cases {
				dec, lens := decoder(t, g.m, [][]int{c.SrcIDs})
				res, err := search.Decode(context.Background(), dec, lens, g.opts(1, c.GreedyMaxLen+1), nil)
				if err != nil {
					t.Fatal(err)
				}
				checkGreedy(t, c, res[0][0])
				srcs = append(srcs, c.SrcIDs)
				longest = max(longest, c.GreedyMaxLen)
			}
			// All cases in one batch of different lengths.
			dec, lens := decoder(t, g.m, srcs)
			res, err := search.Decode(context.Background(), dec, lens, g.opts(1, longest+1), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range g.cases {
				h := res[i][0]
				if k := len(c.GreedyIDs); c.GreedyIDs[k-1] != g.cfg.EOSTokenID && len(h.Tokens) > k+1 {
					h.Tokens, h.Attn = h.Tokens[:k+1], h.Attn[:k+1] // ran on to the longer limit
				}
				checkGreedy(t, c, h)
			}
		})
	}
}

// TestModelBeam runs beam search on a real model: a batch gives what each
// sentence gives alone, and forcing the best hypothesis reproduces its
// log-probabilities and attention.
func TestModelBeam(t *testing.T) {
	for _, g := range goldenModels(t) {
		t.Run(g.name, func(t *testing.T) {
			var srcs [][]int
			for _, c := range g.cases {
				srcs = append(srcs, c.SrcIDs)
			}
			o := g.opts(4, 30)
			o.NBest, o.LengthPenalty = 4, 1
			dec, lens := decoder(t, g.m, srcs)
			batch, err := search.Decode(context.Background(), dec, lens, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range g.cases {
				dec, lens := decoder(t, g.m, [][]int{c.SrcIDs})
				one, err := search.Decode(context.Background(), dec, lens, o, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k := range one[0] {
					if !slices.Equal(one[0][k].Tokens, batch[i][k].Tokens) {
						t.Errorf("%q: hypothesis %d alone %v, in a batch %v", c.SrcText, k, one[0][k].Tokens, batch[i][k].Tokens)
					}
				}
				best := one[0][0]
				dec, lens = decoder(t, g.m, [][]int{c.SrcIDs})
				forced, err := search.Force(context.Background(), dec, lens, [][]int{best.Tokens}, o)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(forced[0], best) {
					t.Errorf("%q: forcing %v gives log-probs %v, beam gave %v", c.SrcText, best.Tokens, forced[0].LogProbs, best.LogProbs)
				}
			}
		})
	}
}
