package align

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking the change)\n got: %.600s\nwant: %.600s", name, got, want)
	}
}

func toyPairs() [][2][]string {
	var pairs [][2][]string
	for _, p := range [][2]string{
		{"the house", "la casa"},
		{"the book", "el libro"},
		{"a book", "un libro"},
		{"the green house", "la casa verde"},
		{"a house", "una casa"},
	} {
		pairs = append(pairs, [2][]string{IBM1Words(p[0]), IBM1Words(p[1])})
	}
	return pairs
}

func TestIBM1Toy(t *testing.T) {
	m := TrainIBM1(toyPairs(), 0)
	tests := []struct {
		src, tgt string
		want     []Link
	}{
		{"the house", "la casa", []Link{{0, 0}, {1, 1}}},
		{"A Book", "Un Libro", []Link{{0, 0}, {1, 1}}},
		{"the green house", "la casa verde", []Link{{0, 0}, {1, 2}, {2, 1}}},
		{"the unknown house", "la desconocida casa", []Link{{0, 0}, {2, 2}}},
	}
	for _, tt := range tests {
		a, err := m.Align(tt.src, tt.tgt, Intersection)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Links, tt.want) {
			t.Errorf("%q / %q: links %v, want %v", tt.src, tt.tgt, a.Links, tt.want)
		}
	}
	if fe, ef := m.Probabilities("house", "casa"); fe < 0.5 || ef < 0.5 {
		t.Errorf("t(casa|house) = %v, t(house|casa) = %v; want both > 0.5", fe, ef)
	}
	if fe, _ := m.Probabilities("house", "libro"); fe != 0 {
		t.Errorf("t(libro|house) = %v for words that never co-occur, want 0", fe)
	}
}

func TestIBM1TablesSumToOne(t *testing.T) {
	m := TrainIBM1(toyPairs(), 3)
	sumFE := map[int32]float64{}
	sumEF := map[int32]float64{}
	for key, idx := range m.pair {
		e, f := int32(key>>32), int32(uint32(key))
		sumFE[e] += m.tgtGivenSrc[idx]
		sumEF[f] += m.srcGivenTgt[idx]
	}
	for e, s := range sumFE {
		if math.Abs(s-1) > 1e-9 {
			t.Errorf("Σ_f t(f|e=%d) = %v, want 1", e, s)
		}
	}
	for f, s := range sumEF {
		if f != 0 && math.Abs(s-1) > 1e-9 { // the NULL target word generates nothing
			t.Errorf("Σ_e t(e|f=%d) = %v, want 1", f, s)
		}
	}
}

func TestIBM1WordMatrix(t *testing.T) {
	m := TrainIBM1(toyPairs(), 0)
	a, err := m.Align("the house", "la casa", Intersection)
	if err != nil {
		t.Fatal(err)
	}
	for j := range a.Word.Rows {
		var sum float32
		for _, v := range a.Word.Row(j) {
			sum += v
		}
		if math.Abs(float64(sum-1)) > 1e-6 {
			t.Errorf("row %d sums to %v", j, sum)
		}
	}
	if a.Subword != nil || a.Method != "ibm1 intersection" {
		t.Errorf("subword %v, method %q", a.Subword, a.Method)
	}
	if _, err := m.Align("ok", "bad \xff", Intersection); err == nil {
		t.Error("Align accepted invalid UTF-8")
	}
}

// TestIBM1Sample trains on the first verses of Genesis and scores the gold
// links of Ruth 1 (both excerpts of the corpus in testdata); the counts
// are a regression check of training, alignment and scoring together.
func TestIBM1Sample(t *testing.T) {
	var pairs [][2][]string
	f, err := os.Open("testdata/corpus.sample.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = ReadCorpus(f, func(v Verse) error {
		pairs = append(pairs, [2][]string{IBM1Words(v.Source), IBM1Words(v.Target)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gold := readSampleGold(t)
	m := TrainIBM1(pairs, IBM1Iterations)
	out := fmt.Sprintf("IBM1 trained on %d verses of testdata/corpus.sample.tsv, scored on %d verses of testdata/gold.sample.jsonl\n", len(pairs), len(gold))
	for _, sym := range []Symmetrization{Intersection, GrowDiagFinalAnd} {
		c, err := Evaluate(gold, func(g GoldPair) (*Alignment, error) { return m.Align(g.Source, g.Target, sym) })
		if err != nil {
			t.Fatal(err)
		}
		if c.PredictedSure > c.PredictedPossible || c.PredictedPossible > c.Predicted {
			t.Errorf("%v: inconsistent counts %+v", sym, c)
		}
		out += fmt.Sprintf("%s: %s\n", sym, c)
	}
	golden(t, "ibm1.sample.txt", []byte(out))
}

func readSampleGold(t testing.TB) []GoldPair {
	f, err := os.Open("testdata/gold.sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var gold []GoldPair
	if err := ReadGold(f, func(g GoldPair) error { gold = append(gold, g); return nil }); err != nil {
		t.Fatal(err)
	}
	return gold
}

func BenchmarkTrainIBM1(b *testing.B) {
	var pairs [][2][]string
	f, err := os.Open("testdata/corpus.sample.tsv")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := ReadCorpus(f, func(v Verse) error {
		pairs = append(pairs, [2][]string{IBM1Words(v.Source), IBM1Words(v.Target)})
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		TrainIBM1(pairs, IBM1Iterations)
	}
}
