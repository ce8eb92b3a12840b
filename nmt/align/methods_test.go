package align

import (
	"errors"
	"os"
	"testing"
)

func TestScanSelectors(t *testing.T) {
	for _, c := range []struct{ layers, heads int }{{1, 1}, {2, 3}, {6, 8}} {
		sels := ScanSelectors(c.layers, c.heads)
		if want := 2 * (1 + c.layers + c.layers*c.heads); len(sels) != want {
			t.Fatalf("%d layers × %d heads: %d selectors, want %d", c.layers, c.heads, len(sels), want)
		}
		seen := map[string]bool{}
		for i, s := range sels {
			if err := s.Validate(c.layers, c.heads); err != nil {
				t.Errorf("%s: %v", s, err)
			}
			if seen[s.String()] {
				t.Errorf("%s listed twice", s)
			}
			seen[s.String()] = true
			if shifted := s.WithShift(true); (i%2 == 1) != (s.String() == shifted.String()) {
				t.Errorf("selector %d, %s: the odd ones are the shifted ones", i, s)
			}
		}
		if sels[0].String() != AllHeads().String() || sels[len(sels)-2].String() != OneHead(c.layers-1, c.heads-1).String() {
			t.Errorf("first %s, last plain %s", sels[0], sels[len(sels)-2])
		}
	}
}

// TestScoreMethods scores the IBM1 peer's links as if they came from
// attention: the selectors (which it ignores) score alike, in order, and
// the best is the first of the best symmetrization.
func TestScoreMethods(t *testing.T) {
	f, err := os.Open("testdata/corpus.sample.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	verses, err := ReadSplit(f, SplitTrain, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := TrainIBM1(IBM1Pairs(verses, false), IBM1Iterations)
	gold := readSampleGold(t)
	sels := []Selector{AllHeads(), OneHead(1, 2)}
	syms := Symmetrizations()
	scores, err := ScoreMethods(gold, sels, syms, func(k int, opt Options) (*Alignment, error) {
		return m.Align(gold[k].Source, gold[k].Target, opt.Symmetrize)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(scores) != len(sels)*len(syms) {
		t.Fatalf("%d scores", len(scores))
	}
	bestSym := 0
	for j, sym := range syms {
		want, err := m.Evaluate(gold, sym)
		if err != nil {
			t.Fatal(err)
		}
		for i, sel := range sels {
			s := scores[i*len(syms)+j]
			if s.Options.Selector.String() != sel.String() || s.Options.Symmetrize != sym || s.Counts != want {
				t.Errorf("score %d: %s %s %s, want %s %s %s", i*len(syms)+j, s.Options.Selector, s.Options.Symmetrize, s.Counts, sel, sym, want)
			}
		}
		if want.AER() < scores[bestSym].Counts.AER() {
			bestSym = j
		}
	}
	if best := BestMethod(scores); best.Options.Selector.String() != sels[0].String() || best.Options.Symmetrize != syms[bestSym] || best.Counts != scores[bestSym].Counts {
		t.Errorf("best %s %s, want %s %s", best.Options.Selector, best.Options.Symmetrize, sels[0], syms[bestSym])
	}

	boom := errors.New("boom")
	if _, err := ScoreMethods(gold, sels, syms, func(int, Options) (*Alignment, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("an extraction error: %v", err)
	}
}
