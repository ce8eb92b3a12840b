package nmt

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/metrics"
)

// TestMBROrder checks minimum Bayes risk on a hand-made beam against
// expected chrF2 computed with the corpus scorer, one pair at a time.
func TestMBROrder(t *testing.T) {
	beam := func() []Hypothesis {
		return []Hypothesis{
			{Text: "el gato negro duerme", Score: -0.10},
			{Text: "el perro negro duerme en casa", Score: -0.11},
			{Text: "el perro negro duerme en la casa", Score: -0.12},
			{Text: "el perro negro duerme en su casa", Score: -0.13},
		}
	}
	key := func(h *Hypothesis) float64 { return h.Score }
	for _, beta := range []float64{0.01, 1, 10, 1000} {
		hs := beam()
		mbrOrder(hs, key, beta)
		ref := beam()
		var sum float64
		for _, h := range ref {
			sum += math.Exp(beta * (h.Score - ref[0].Score))
		}
		for _, h := range hs {
			want := 0.0
			for _, o := range ref {
				want += math.Exp(beta*(o.Score-ref[0].Score)) / sum * metrics.CHRF([]string{h.Text}, []string{o.Text})
			}
			if math.Abs(h.MBRScore-want) > 1e-9 {
				t.Errorf("beta %g: %q expected chrF2 %g, want %g", beta, h.Text, h.MBRScore, want)
			}
		}
		for i := 1; i < len(hs); i++ {
			if hs[i].MBRScore > hs[i-1].MBRScore {
				t.Errorf("beta %g: not sorted by expected chrF2", beta)
			}
		}
		// With weights nearly alike the three "perro" hypotheses outvote
		// the best-scored one; with the best one's weight alone it stays.
		switch {
		case beta <= 1 && strings.Contains(hs[0].Text, "gato"):
			t.Errorf("beta %g: the outlier %q won", beta, hs[0].Text)
		case beta >= 1000 && hs[0].Text != ref[0].Text:
			t.Errorf("beta %g: %q won, want the best-scored %q", beta, hs[0].Text, ref[0].Text)
		}
	}
	// Hypotheses a second model could not score weigh nothing.
	hs := beam()
	hs[1].Score, hs[2].Score, hs[3].Score = math.Inf(-1), math.Inf(-1), math.Inf(-1)
	mbrOrder(hs, key, 0.01)
	if hs[0].Text != "el gato negro duerme" || math.Abs(hs[0].MBRScore-100) > 1e-9 {
		t.Errorf("with one weighed hypothesis: %q first, expected chrF2 %g", hs[0].Text, hs[0].MBRScore)
	}
	mbrOrder(nil, key, 1)
}

// TestMBRTranslate checks that Options.MBR returns, per sentence, the
// beam's hypotheses (found without it) ordered by expected chrF2, keeps
// NBest of them, and refuses weights out of range.
func TestMBRTranslate(t *testing.T) {
	tr := openShipped(t, "en-es")
	ctx := context.Background()
	const beam, beta = 6, 10
	got, err := tr.Translate(ctx, Request{Texts: rerankTexts, Options: Options{BeamSize: beam, NBest: 2, MBR: new(float64(beta))}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := tr.Translate(ctx, Request{Texts: rerankTexts, Options: Options{BeamSize: beam, NBest: beam}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i := range rerankTexts {
		for k, s := range all[i].Sentences {
			hs := append([]Hypothesis(nil), s.Hypotheses...)
			mbrOrder(hs, func(h *Hypothesis) float64 { return h.Score }, beta)
			g := got[i].Sentences[k].Hypotheses
			if len(g) != 2 {
				t.Fatalf("text %d sentence %d: %d hypotheses, want 2", i, k, len(g))
			}
			for j := range g {
				if g[j].Text != hs[j].Text || math.Abs(g[j].MBRScore-hs[j].MBRScore) > 1e-9 {
					t.Errorf("text %d sentence %d: hypothesis %d is %q (%g), want %q (%g)", i, k, j, g[j].Text, g[j].MBRScore, hs[j].Text, hs[j].MBRScore)
				}
			}
			if g[0].Text != s.Hypotheses[0].Text {
				changed++
			}
		}
	}
	t.Logf("minimum Bayes risk changed the best hypothesis of %d sentences", changed)
	for _, b := range []float64{-1, math.NaN(), 1001, math.Inf(1)} {
		if _, err := tr.Translate(ctx, Request{Texts: []string{"x"}, Options: Options{MBR: &b}}, nil); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "mbr") {
			t.Errorf("mbr %g: err = %v", b, err)
		}
	}
}
