package nmt

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// openShipped loads a shipped model from checkpoints/.
func openShipped(t testing.TB, pair string) *Translator {
	t.Helper()
	tr, err := Open(filepath.Join("..", "checkpoints", pair))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

var rerankTexts = []string{
	"In the beginning God created the heavens and the earth.",
	"Jesus wept. Then the people said, “See how much he loved him!”",
	"",
	"Be still, and know that I am God.",
}

// TestRerankPicksBestOfBeam checks the reranked output against an
// independent computation: the whole beam without reranking, each
// hypothesis scored by the reverse model through Align (one pair at a time,
// not batched), and the best by Score + w·ReverseScore.
func TestRerankPicksBestOfBeam(t *testing.T) {
	fwd, rev := openShipped(t, "en-es"), openShipped(t, "es-en")
	tr, err := fwd.WithReverse(rev)
	if err != nil {
		t.Fatal(err)
	}
	if fwd.Reverse() != nil || tr.Reverse() != rev {
		t.Fatal("WithReverse changed the receiver or lost the reverse model")
	}
	const beam, w = 4, 0.5
	ctx := context.Background()
	got, err := tr.Translate(ctx, Request{Texts: rerankTexts, Options: Options{BeamSize: beam, NBest: 2, Rerank: w}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := fwd.Translate(ctx, Request{Texts: rerankTexts, Options: Options{BeamSize: beam, NBest: beam}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i := range rerankTexts {
		if len(got[i].Sentences) != len(all[i].Sentences) {
			t.Fatalf("text %d: %d sentences, want %d", i, len(got[i].Sentences), len(all[i].Sentences))
		}
		var best []string
		for k, s := range all[i].Sentences {
			source := rerankTexts[i][s.Start:s.End]
			bestAt, bestV := -1, math.Inf(-1)
			for j, h := range s.Hypotheses {
				a, err := rev.Align(ctx, h.Text, source, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(a.Sentences) != 1 {
					t.Fatalf("reverse alignment of %q has %d sentences", h.Text, len(a.Sentences))
				}
				ah := a.Sentences[0].Hypotheses[0]
				reverse := ah.LogProb / float64(len(ah.Tokens)+1)
				if v := h.Score + w*reverse; v > bestV {
					bestAt, bestV = j, v
				}
			}
			gs := got[i].Sentences[k]
			if len(gs.Hypotheses) != 2 {
				t.Fatalf("text %d sentence %d: %d hypotheses, want 2", i, k, len(gs.Hypotheses))
			}
			g := gs.Hypotheses[0]
			if g.Text != s.Hypotheses[bestAt].Text {
				t.Errorf("text %d sentence %d: reranked best %q, want %q", i, k, g.Text, s.Hypotheses[bestAt].Text)
			}
			if math.Abs(g.Score+w*g.ReverseScore-bestV) > 1e-4 {
				t.Errorf("text %d sentence %d: combined score %g, want %g", i, k, g.Score+w*g.ReverseScore, bestV)
			}
			second := gs.Hypotheses[1]
			if second.Score+w*second.ReverseScore > bestV+1e-9 {
				t.Errorf("text %d sentence %d: second hypothesis outscores the first", i, k)
			}
			if bestAt != 0 {
				changed++
			}
			best = append(best, g.Text)
		}
		if len(best) > 0 && !strings.Contains(got[i].Text, best[0]) {
			t.Errorf("text %d: joined text %q lacks its first sentence %q", i, got[i].Text, best[0])
		}
	}
	t.Logf("reranking changed the best hypothesis of %d sentences", changed)
}

// TestRerankStream checks that with reranking the streamed tokens are those
// of the reranked best hypothesis, and the final events the results.
func TestRerankStream(t *testing.T) {
	tr0 := openTiny(t, "tiny-gelu-f16")
	tr, err := tr0.WithReverse(openTiny(t, "tiny-swish-shared"))
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	opts := Options{BeamSize: 3, MaxLength: 15, Attention: true, Rerank: 2}
	out, err := tr.Translate(context.Background(), Request{Texts: texts, Options: opts}, func(e Event) { events = append(events, e) })
	if err != nil {
		t.Fatal(err)
	}
	streamed := map[[2]int][]Token{}
	finals := 0
	for _, e := range events {
		if e.Final != nil {
			if !reflect.DeepEqual(*e.Final, out[e.Index]) {
				t.Fatalf("text %d: final event differs from the result", e.Index)
			}
			finals++
			continue
		}
		key := [2]int{e.Index, e.Sentence}
		if e.Pos != len(streamed[key]) {
			t.Fatalf("event at position %d after %d tokens", e.Pos, len(streamed[key]))
		}
		streamed[key] = append(streamed[key], *e.Token)
	}
	if finals != len(texts) {
		t.Fatalf("%d final events for %d texts", finals, len(texts))
	}
	for i := range texts {
		for k, s := range out[i].Sentences {
			got, want := streamed[[2]int{i, k}], s.Hypotheses[0].Tokens
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("text %d sentence %d: streamed tokens differ from the reranked best", i, k)
			}
			if len(want) > 0 && want[0].Attention == nil {
				t.Errorf("text %d sentence %d: attention lost by reranking", i, k)
			}
		}
	}
}

func TestRerankErrors(t *testing.T) {
	en, es := openShipped(t, "en-es"), openShipped(t, "es-en")
	if _, err := en.WithReverse(en); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "not the reverse") {
		t.Errorf("en-es reranked by en-es: err = %v", err)
	}
	if _, err := en.WithReverse(nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil reverse: err = %v", err)
	}
	ctx := context.Background()
	if _, err := en.Translate(ctx, Request{Texts: []string{"x"}, Options: Options{Rerank: 1}}, nil); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "reverse model") {
		t.Errorf("rerank without a reverse model: err = %v", err)
	}
	tr, err := en.WithReverse(es)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []float64{-1, math.NaN(), 11, math.Inf(1)} {
		if _, err := tr.Translate(ctx, Request{Texts: []string{"x"}, Options: Options{Rerank: w}}, nil); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "rerank") {
			t.Errorf("rerank %g: err = %v", w, err)
		}
	}
	// Greedy decoding has a single hypothesis: reranking leaves it alone.
	a, err := tr.Translate(ctx, Request{Texts: rerankTexts, Options: Options{BeamSize: 1, Rerank: 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := en.Translate(ctx, Request{Texts: rerankTexts, Options: Options{BeamSize: 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("greedy output changed by rerank")
	}
}
