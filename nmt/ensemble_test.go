package nmt

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/model"
)

// TestEnsembleOfItself checks that a model averaged with itself translates
// exactly as it does alone.
func TestEnsembleOfItself(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	ens, err := tr.WithEnsemble(tr.model)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Info().EnsembleMembers != 0 || ens.Info().EnsembleMembers != 1 || ens.Info().EnsembleParameters != tr.Info().Parameters {
		t.Fatalf("members: plain %+v, ensemble %+v", tr.Info(), ens.Info())
	}
	for _, beam := range []int{1, 3} {
		opts := Options{BeamSize: beam, MaxLength: 20, Attention: true}
		want, err := tr.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
		if err != nil {
			t.Fatal(err)
		}
		opts.Ensemble = true
		got, err := ens.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if got[i].Text != want[i].Text {
				t.Fatalf("beam %d, text %d: %q alone, %q with itself", beam, i, want[i].Text, got[i].Text)
			}
			for s := range want[i].Sentences {
				a, b := want[i].Sentences[s].Hypotheses[0], got[i].Sentences[s].Hypotheses[0]
				for k := range a.Tokens {
					if d := math.Abs(float64(a.Tokens[k].LogProb - b.Tokens[k].LogProb)); d > 1e-4 {
						t.Errorf("beam %d, text %d, token %d: log-prob %g alone, %g with itself", beam, i, k, a.Tokens[k].LogProb, b.Tokens[k].LogProb)
					}
					if !equalAttention(a.Tokens[k].Attention, b.Tokens[k].Attention) {
						t.Errorf("beam %d, text %d, token %d: attention differs", beam, i, k)
					}
				}
			}
		}
	}
}

func equalAttention(a, b [][][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for l := range a {
		for h := range a[l] {
			for s := range a[l][h] {
				if a[l][h][s] != b[l][h][s] {
					return false
				}
			}
		}
	}
	return true
}

// TestEnsembleMean decodes greedily with two different models and checks
// every output token against an independent computation: each model fed
// the ensemble's prefix alone, the mean of their log-probabilities
// renormalised, and its best token.
func TestEnsembleMean(t *testing.T) {
	a, b := openTiny(t, "tiny-swish-shared"), openTiny(t, "tiny-relu-untied")
	ens, err := a.WithEnsemble(b.model)
	if err != nil {
		t.Fatal(err)
	}
	src := "In the beginning God created the heavens and the earth."
	out, err := ens.Translate(context.Background(), Request{Texts: []string{src}, Options: Options{BeamSize: 1, MaxLength: 12, Ensemble: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := a.Translate(context.Background(), Request{Texts: []string{src}, Options: Options{BeamSize: 1, MaxLength: 12}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hyp := out[0].Sentences[0].Hypotheses[0]
	if hyp.Text == alone[0].Text {
		t.Logf("the ensemble and the main model agree: %q", hyp.Text)
	}
	job, err := a.prepare([]string{src}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	ids := job.flat[0].ids
	tokens := []int{a.cfg.DecoderStartTokenID}
	for _, tk := range hyp.Tokens {
		tokens = append(tokens, tk.ID)
	}
	tokens = append(tokens, a.cfg.EOSTokenID) // greedy stopped at eos or at MaxLength
	for k := range hyp.Tokens {
		rowA := lastLogProbs(t, a.model, ids, tokens[:k+1])
		rowB := lastLogProbs(t, b.model, ids, tokens[:k+1])
		mean := make([]float64, len(rowA))
		best, norm := 0, math.Inf(-1)
		for v := range rowA {
			mean[v] = (rowA[v] + rowB[v]) / 2
			if v != a.cfg.PadTokenID && mean[v] > mean[best] {
				best = v
			}
			if !math.IsInf(mean[v], -1) {
				norm = logAdd(norm, mean[v])
			}
		}
		want := mean[hyp.Tokens[k].ID] - norm
		if best != hyp.Tokens[k].ID {
			t.Errorf("token %d: ensemble chose %d, the mean's best is %d", k, hyp.Tokens[k].ID, best)
		}
		if d := math.Abs(want - float64(hyp.Tokens[k].LogProb)); d > 1e-4 {
			t.Errorf("token %d: log-prob %g, the renormalised mean gives %g", k, hyp.Tokens[k].LogProb, want)
		}
	}
}

func logAdd(x, y float64) float64 {
	if math.IsInf(x, -1) {
		return y
	}
	m := math.Max(x, y)
	return m + math.Log(math.Exp(x-m)+math.Exp(y-m))
}

// lastLogProbs runs m over src and the decoder prefix (start token first)
// one token at a time and returns the log-probabilities after its last one.
func lastLogProbs(t *testing.T, m *model.Model, src, prefix []int) []float64 {
	t.Helper()
	enc, err := m.Encode(context.Background(), [][]int{src})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := m.NewDecoder(enc)
	if err != nil {
		t.Fatal(err)
	}
	d := dec.Dims()
	lp := make([]float32, d.Vocab)
	attn := make([]float32, d.Layers*d.Heads*d.SrcLen)
	for _, tok := range prefix {
		if err := dec.Next(context.Background(), []int{tok}, lp, attn); err != nil {
			t.Fatal(err)
		}
	}
	out := make([]float64, len(lp))
	for i, x := range lp {
		out[i] = float64(x)
	}
	return out
}

// copyModel copies a model directory's files (not its subdirectories).
func copyModel(t *testing.T, from, to string, files ...string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenEnsemble(t *testing.T) {
	models := filepath.Join("..", "testdata", "models")
	dir := filepath.Join(t.TempDir(), "en-es")
	copyModel(t, filepath.Join(models, "tiny-swish-shared"), dir, "config.json", "model.safetensors", "tokenizer.json")
	plain, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = plain.Translate(context.Background(), Request{Texts: []string{"x"}, Options: Options{Ensemble: true}}, nil)
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "ensemble") {
		t.Errorf("ensemble without members: err = %v", err)
	}

	if err := os.MkdirAll(filepath.Join(dir, EnsembleDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), "no model") {
		t.Errorf("empty ensemble directory: err = %v", err)
	}
	// A member with fewer positions than the main model is refused.
	copyModel(t, filepath.Join(models, "tiny-gelu-f16"), filepath.Join(dir, EnsembleDir, "a"), "config.json", "model.safetensors")
	if _, err := Open(dir); !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), "max_position_embeddings") {
		t.Errorf("member with fewer positions: err = %v", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, EnsembleDir, "a")); err != nil {
		t.Fatal(err)
	}
	copyModel(t, filepath.Join(models, "tiny-relu-untied"), filepath.Join(dir, EnsembleDir, "b"), "config.json", "model.safetensors")
	tr, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := tr.Info().EnsembleMembers; n != 1 {
		t.Fatalf("EnsembleMembers = %d, want 1", n)
	}
	opts := Options{BeamSize: 2, MaxLength: 12}
	alone, err := tr.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := plain.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if alone[i].Text != want[i].Text {
			t.Errorf("text %d: members change the output without Ensemble: %q, %q", i, alone[i].Text, want[i].Text)
		}
	}
	opts.Ensemble = true
	if _, err := tr.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil); err != nil {
		t.Errorf("with Ensemble: %v", err)
	}
}
