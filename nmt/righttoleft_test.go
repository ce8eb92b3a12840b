package nmt

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/safetensors"
)

// rightToLeftOf is m with its config marked right_to_left: the same
// weights, read as a model that writes its output last token first.
func rightToLeftOf(t *testing.T, m *model.Model) *model.Model {
	t.Helper()
	cfg := m.Config()
	cfg.RightToLeft = true
	r, err := model.New(&cfg, m.Weights())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRightToLeftModelTurnsOutput checks that a right-to-left model's
// output comes back in reading order: the same weights marked
// right_to_left search exactly as before, so their result must be the
// left-to-right one turned around, token for token, with its log-probs and
// attention; and streaming must give the tokens of the final result.
func TestRightToLeftModelTurnsOutput(t *testing.T) {
	ltr := openTiny(t, "tiny-swish-shared")
	rtl, err := New("rtl", rightToLeftOf(t, ltr.model), ltr.src, ltr.tgt)
	if err != nil {
		t.Fatal(err)
	}
	rtl.gen = ltr.gen
	if !rtl.Info().RightToLeft || ltr.Info().RightToLeft {
		t.Fatalf("RightToLeft info: %v and %v", ltr.Info().RightToLeft, rtl.Info().RightToLeft)
	}
	ctx := context.Background()
	opts := Options{BeamSize: 3, MaxLength: 16, Attention: true}
	want, err := ltr.Translate(ctx, Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	got, err := rtl.Translate(ctx, Request{Texts: texts, Options: opts}, func(e Event) { events = append(events, e) })
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i := range want {
		for s := range want[i].Sentences {
			a, b := want[i].Sentences[s].Hypotheses[0], got[i].Sentences[s].Hypotheses[0]
			if len(a.Tokens) != len(b.Tokens) || a.Score != b.Score {
				t.Fatalf("text %d sentence %d: %d tokens (score %g), right-to-left %d (score %g)", i, s, len(a.Tokens), a.Score, len(b.Tokens), b.Score)
			}
			n := len(a.Tokens)
			for k := range a.Tokens {
				x, y := a.Tokens[k], b.Tokens[n-1-k]
				if x.ID != y.ID || x.LogProb != y.LogProb || !equalAttention(x.Attention, y.Attention) {
					t.Fatalf("text %d sentence %d: token %d is not the right-to-left token %d", i, s, k, n-1-k)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no tokens compared")
	}
	streamed := map[[2]int][]Token{}
	for _, e := range events {
		if e.Token != nil {
			key := [2]int{e.Index, e.Sentence}
			streamed[key] = append(streamed[key], *e.Token)
		}
	}
	for i := range got {
		for s, sen := range got[i].Sentences {
			if w := sen.Hypotheses[0].Tokens; !reflect.DeepEqual(streamed[[2]int{i, s}], w) && len(w) > 0 {
				t.Errorf("text %d sentence %d: streamed tokens are not the result's", i, s)
			}
		}
	}

	// Align force-decodes the target backwards and reports it in reading
	// order: token k's log-prob is that of the right-to-left model writing
	// it after the tokens to its right.
	const source, target = "Jesus wept.", "Jesús lloró."
	a, err := rtl.Align(ctx, source, target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := rtl.encodeTarget(target)
	if err != nil {
		t.Fatal(err)
	}
	src, err := rtl.tokenizeSource(source, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ah := a.Sentences[0].Hypotheses[0]
	if len(ah.Tokens) != len(ids) || len(ids) < 2 {
		t.Fatalf("aligned %d tokens, the target has %d", len(ah.Tokens), len(ids))
	}
	prefix := []int{rtl.cfg.DecoderStartTokenID}
	for k := len(ids) - 1; k >= 0; k-- {
		want := lastLogProbs(t, rtl.model, src.ids, prefix)[ids[k].ID]
		if ah.Tokens[k].ID != ids[k].ID || math.Abs(float64(ah.Tokens[k].LogProb)-want) > 1e-4 {
			t.Fatalf("aligned token %d: id %d log-prob %g, want id %d log-prob %g", k, ah.Tokens[k].ID, ah.Tokens[k].LogProb, ids[k].ID, want)
		}
		prefix = append(prefix, ids[k].ID)
	}
}

// TestRightToLeftRerank checks reranking with a right-to-left model
// against an independent computation: every hypothesis of the whole beam
// scored token by token (lastLogProbs) on its ids turned around, and the
// best by Score + w·that mean.
func TestRightToLeftRerank(t *testing.T) {
	main := openTiny(t, "tiny-swish-shared")
	r := rightToLeftOf(t, openTiny(t, "tiny-gelu-f16").model)
	if _, err := main.WithRightToLeft(r); !errors.Is(err, ErrBadModel) {
		t.Fatalf("a right-to-left model of another vocabulary size: err = %v", err)
	}
	r = rightToLeftOf(t, main.model)
	tr, err := main.WithRightToLeft(r)
	if err != nil {
		t.Fatal(err)
	}
	if main.Info().RightToLeftParameters != 0 || tr.Info().RightToLeftParameters != main.Info().Parameters {
		t.Fatalf("RightToLeftParameters: %d and %d", main.Info().RightToLeftParameters, tr.Info().RightToLeftParameters)
	}
	ctx := context.Background()
	const beam, w = 4, 1.5
	got, err := tr.Translate(ctx, Request{Texts: texts, Options: Options{BeamSize: beam, NBest: 2, MaxLength: 16, RightToLeft: w}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := main.Translate(ctx, Request{Texts: texts, Options: Options{BeamSize: beam, NBest: beam, MaxLength: 16}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eos, start := r.Config().EOSTokenID, r.Config().DecoderStartTokenID
	changed, scored := 0, 0
	for i := range texts {
		for k, s := range all[i].Sentences {
			src, err := main.tokenizeSource(texts[i][s.Start:s.End], 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			bestAt, bestV := -1, math.Inf(-1)
			for j, h := range s.Hypotheses {
				var back []int
				for _, tk := range slices.Backward(h.Tokens) {
					back = append(back, tk.ID)
				}
				back = append(back, eos)
				sum := 0.0
				prefix := []int{start}
				for _, id := range back {
					sum += lastLogProbs(t, r, src.ids, prefix)[id]
					prefix = append(prefix, id)
				}
				if v := h.Score + w*sum/float64(len(back)); v > bestV {
					bestAt, bestV = j, v
				}
				scored++
			}
			g := got[i].Sentences[k].Hypotheses
			if len(g) != 2 {
				t.Fatalf("text %d sentence %d: %d hypotheses, want 2", i, k, len(g))
			}
			if g[0].Text != s.Hypotheses[bestAt].Text {
				t.Errorf("text %d sentence %d: best %q, want %q", i, k, g[0].Text, s.Hypotheses[bestAt].Text)
			}
			if d := math.Abs(g[0].Score + w*g[0].RightToLeftScore - bestV); d > 1e-4 {
				t.Errorf("text %d sentence %d: combined score %g, want %g", i, k, g[0].Score+w*g[0].RightToLeftScore, bestV)
			}
			if g[1].Score+w*g[1].RightToLeftScore > bestV+1e-9 {
				t.Errorf("text %d sentence %d: the second hypothesis outscores the first", i, k)
			}
			if bestAt != 0 {
				changed++
			}
		}
	}
	if scored == 0 {
		t.Fatal("nothing scored")
	}
	t.Logf("the right-to-left model changed the best hypothesis of %d sentences", changed)

	// Both second opinions at once.
	both, err := tr.WithReverse(openTiny(t, "tiny-relu-untied"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := both.Translate(ctx, Request{Texts: texts, Options: Options{BeamSize: beam, NBest: beam, MaxLength: 16, Rerank: 0.5, RightToLeft: w}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range out {
		for _, s := range out[i].Sentences {
			for j := 1; j < len(s.Hypotheses); j++ {
				key := func(h Hypothesis) float64 { return h.Score + 0.5*h.ReverseScore + w*h.RightToLeftScore }
				if key(s.Hypotheses[j]) > key(s.Hypotheses[j-1])+1e-9 {
					t.Fatalf("text %d: hypotheses not ranked by the combined score", i)
				}
				if s.Hypotheses[j].ReverseScore == 0 || s.Hypotheses[j].RightToLeftScore == 0 {
					t.Fatalf("text %d: a score was not set", i)
				}
			}
		}
	}
}

func TestOpenRightToLeft(t *testing.T) {
	models := filepath.Join("..", "testdata", "models")
	dir := filepath.Join(t.TempDir(), "en-es")
	copyModel(t, filepath.Join(models, "tiny-swish-shared"), dir, "config.json", "model.safetensors", "tokenizer.json")
	plain, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = plain.Translate(ctx, Request{Texts: []string{"x"}, Options: Options{RightToLeft: 1}}, nil)
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "right-to-left") {
		t.Errorf("right_to_left without a right-to-left model: err = %v", err)
	}

	sub := filepath.Join(dir, RightToLeftDir)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	// Not marked right_to_left: refused.
	if err := model.Save(sub, plain.model, safetensors.F16); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), "right_to_left") {
		t.Errorf("a left-to-right model in %s: err = %v", RightToLeftDir, err)
	}
	// Saved without embeddings, on another model's: refused.
	other := rightToLeftOf(t, openTiny(t, "tiny-relu-untied").model)
	if err := model.SaveWithoutEmbeddings(sub, other, safetensors.F32); err == nil {
		t.Error("a model with untied embeddings was saved without them")
	}
	shifted := plain.model.Weights()
	emb := shifted["model.shared.weight"]
	for i := range emb {
		emb[i] += 0.01
	}
	cfg := plain.model.Config()
	cfg.RightToLeft = true
	moved, err := model.New(&cfg, shifted)
	if err != nil {
		t.Fatal(err)
	}
	if err := model.SaveWithoutEmbeddings(sub, moved, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), "another embedding matrix") {
		t.Errorf("a right-to-left model trained on other embeddings: err = %v", err)
	}
	if _, err := model.Load(sub); err == nil || !strings.Contains(err.Error(), "without its embeddings") {
		t.Errorf("model.Load of a checkpoint without embeddings: err = %v", err)
	}

	// Saved without embeddings, on this model's: it reads them and
	// reranks as the same model given directly.
	r := rightToLeftOf(t, plain.model)
	if err := model.SaveWithoutEmbeddings(sub, r, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(sub, model.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	full, err := os.Stat(filepath.Join(dir, model.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() >= full.Size() {
		t.Errorf("weights without embeddings take %d bytes, the whole model %d", st.Size(), full.Size())
	}
	opened, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if opened.Info().RightToLeftParameters != plain.Info().Parameters {
		t.Errorf("RightToLeftParameters = %d, want %d", opened.Info().RightToLeftParameters, plain.Info().Parameters)
	}
	direct, err := plain.WithRightToLeft(r)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{BeamSize: 3, NBest: 3, MaxLength: 16, RightToLeft: 1}
	a, err := opened.Translate(ctx, Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := direct.Translate(ctx, Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("the right-to-left model opened from its directory reranks differently from the one given")
	}
	for _, w := range []float64{-1, math.NaN(), 11} {
		_, err := opened.Translate(ctx, Request{Texts: []string{"x"}, Options: Options{RightToLeft: w}}, nil)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "right_to_left") {
			t.Errorf("right_to_left %g: err = %v", w, err)
		}
	}
	if _, err := opened.WithRightToLeft(plain.model); !errors.Is(err, ErrBadModel) {
		t.Errorf("a left-to-right model given as right-to-left: err = %v", err)
	}
}
