package train

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParseTSV(t *testing.T) {
	cols := TSVColumns{Book: 2, Source: 3, Target: 4}
	cases := []struct {
		name             string
		in               string
		include, exclude []string
		want             []Example
		err              string
	}{
		{name: "plain", in: "Gen.1.1\tGen\tIn the beginning\tEn el principio\n",
			want: []Example{{"Gen", "In the beginning", "En el principio"}}},
		{name: "CRLF, blank lines and spaces", in: "\r\nGen.1.1\tGen\t  a b \tc\r\n\n",
			want: []Example{{"Gen", "a b", "c"}}},
		{name: "hard Unicode kept as is", in: "x\tPs\t¿Qué? e\u0301 🙂 שלום 漢字\t«¡Sí!» مرحبا\n",
			want: []Example{{"Ps", "¿Qué? e\u0301 🙂 שלום 漢字", "«¡Sí!» مرحبا"}}},
		{name: "exclude the held-out books", in: "a\tRuth\tx\ty\nb\tGen\tx\ty\nc\tJoel\tx\ty\n", exclude: []string{"Ruth", "Joel"},
			want: []Example{{"Gen", "x", "y"}}},
		{name: "include only dev books", in: "a\tRuth\tx\ty\nb\tGen\tx\ty\nc\tJoel\tx\ty\n", include: []string{"Joel"},
			want: []Example{{"Joel", "x", "y"}}},
		{name: "empty side skipped", in: "a\tGen\t\ty\nb\tGen\tx\t \n", want: nil},
		{name: "too few columns", in: "a\tGen\tx\n", err: "line 1 has 3 columns, need 4"},
		{name: "invalid UTF-8", in: "a\tGen\tx\ty\nb\tGen\t\xff\ty\n", err: "line 2 is not valid UTF-8"},
	}
	for _, c := range cases {
		got, err := parseTSV(strings.NewReader(c.in), cols, c.include, c.exclude)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if _, err := parseTSV(strings.NewReader("a\tb\n"), TSVColumns{Source: 0, Target: 2}, nil, nil); err == nil {
		t.Error("source column 0 accepted")
	}
}

func FuzzParseTSV(f *testing.F) {
	f.Add("Gen.1.1\tGen\tIn the beginning\tEn el principio\n", 2, 3, 4)
	f.Add("\r\n\t\t\t\n\xff\tx\ty\tz", 0, 1, 2)
	f.Fuzz(func(t *testing.T, in string, book, src, tgt int) {
		ex, err := parseTSV(strings.NewReader(in), TSVColumns{Book: book, Source: src, Target: tgt}, nil, []string{"Ruth"})
		if err != nil {
			return
		}
		for _, e := range ex {
			if e.Source == "" || e.Target == "" || e.Book == "Ruth" {
				t.Fatalf("bad example %q", e)
			}
		}
	})
}

func TestEpochBatches(t *testing.T) {
	var pairs []Pair
	for i := 0; i < 200; i++ {
		n := 1 + (i*37)%70
		pairs = append(pairs, Pair{Src: make([]int32, n), Tgt: make([]int32, 1+(i*11)%50)})
	}
	bk := Buckets{Lengths: []int{16, 32, 64}, MaxTokens: 256}
	a := EpochBatches(pairs, bk, 3, 0)
	if b := EpochBatches(pairs, bk, 3, 0); !slices.EqualFunc(a, b, func(x, y BatchRef) bool { return x.Bucket == y.Bucket && slices.Equal(x.Pairs, y.Pairs) }) {
		t.Fatal("the same seed and epoch gave different batches")
	}
	if c := EpochBatches(pairs, bk, 3, 1); slices.EqualFunc(a, c, func(x, y BatchRef) bool { return slices.Equal(x.Pairs, y.Pairs) }) {
		t.Fatal("two epochs have the same order")
	}
	seen := map[int]bool{}
	for _, b := range a {
		if len(b.Pairs) > bk.Rows(b.Bucket) {
			t.Fatalf("bucket %d batch of %d pairs, at most %d", b.Bucket, len(b.Pairs), bk.Rows(b.Bucket))
		}
		for _, i := range b.Pairs {
			if seen[i] {
				t.Fatalf("pair %d twice in an epoch", i)
			}
			seen[i] = true
			if got := bk.Of(pairs[i]); got != b.Bucket {
				t.Fatalf("pair %d in bucket %d, belongs to %d", i, b.Bucket, got)
			}
		}
	}
	for i, p := range pairs {
		long := max(len(p.Src), len(p.Tgt)) > 64
		if seen[i] == long {
			t.Fatalf("pair %d (length %d): in epoch %v", i, max(len(p.Src), len(p.Tgt)), seen[i])
		}
	}
}

func TestLearningRate(t *testing.T) {
	cases := []struct {
		step, warmup int
		want         float64
	}{
		{1, 1000, 7e-7}, {500, 1000, 3.5e-4}, {1000, 1000, 7e-4}, {4000, 1000, 3.5e-4}, {9000, 1000, 7e-4 / 3}, {5, 0, 7e-4},
	}
	for _, c := range cases {
		if got := LearningRate(c.step, c.warmup, 7e-4); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("LearningRate(%d, %d) = %g, want %g", c.step, c.warmup, got, c.want)
		}
	}
}

// TestAdamStep checks two updates of one weight against the formulas of
// torch.optim.Adam (bias-corrected moments, eps outside the square root),
// worked by hand in float64, and the clipping of the gradient norm.
func TestAdamStep(t *testing.T) {
	ps := &Params{List: []*Param{{Name: "w", Shape: []int{2}, Data: []float32{1, -1}, Grad: []float32{3, 4}}}}
	a := newAdam(ps, 0.9, 0.98, 1e-9)
	norm := a.Update(ps, 0.1, 1) // norm 5, clipped to 1: g = (0.6, 0.8)
	if norm != 5 {
		t.Fatalf("norm %g, want 5", norm)
	}
	// step 1: m = 0.1g, v = 0.02g², m̂ = g, v̂ = g² → Δ = lr·g/|g| = 0.1
	want := []float64{0.9, -1.1}
	for i := range want {
		if math.Abs(float64(ps.List[0].Data[i])-want[i]) > 1e-6 {
			t.Fatalf("after step 1: %v, want %v", ps.List[0].Data, want)
		}
	}
	ps.List[0].Grad = []float32{0.5, 0}
	a.Update(ps, 0.1, 0)
	// step 2, weight 0: m = 0.9·0.06 + 0.1·0.5 = 0.104, v = 0.98·0.0072 + 0.02·0.25 = 0.012056
	m, v := 0.104, 0.012056
	mh, vh := m/(1-0.81), v/(1-0.9604)
	w0 := 0.9 - 0.1*mh/(math.Sqrt(vh)+1e-9)
	if math.Abs(float64(ps.List[0].Data[0])-w0) > 1e-6 {
		t.Fatalf("after step 2: %g, want %g", ps.List[0].Data[0], w0)
	}
}

func TestReverseTargets(t *testing.T) {
	pairs := []Pair{{Src: []int32{5, 6, 1}, Tgt: []int32{7, 8, 9, 1}}, {Src: []int32{1}, Tgt: []int32{1}}, {Src: []int32{4, 1}, Tgt: []int32{3, 1}}}
	ReverseTargets(pairs)
	want := [][]int32{{9, 8, 7, 1}, {1}, {3, 1}}
	for i, p := range pairs {
		if !slices.Equal(p.Tgt, want[i]) {
			t.Errorf("pair %d: target %v, want %v", i, p.Tgt, want[i])
		}
	}
	if !slices.Equal(pairs[0].Src, []int32{5, 6, 1}) {
		t.Errorf("the source changed: %v", pairs[0].Src)
	}
}

// TestAdamFrozen: a frozen parameter keeps its values and its gradient
// does not count towards the clipping norm.
func TestAdamFrozen(t *testing.T) {
	ps := &Params{List: []*Param{
		{Name: "w", Shape: []int{2}, Data: []float32{1, -1}, Grad: []float32{3, 4}},
		{Name: "e", Shape: []int{1}, Data: []float32{2}, Grad: []float32{100}, Frozen: true},
	}}
	a := newAdam(ps, 0.9, 0.98, 1e-9)
	if norm := a.Update(ps, 0.1, 1); norm != 5 {
		t.Fatalf("norm %g, want 5 (the frozen gradient left out)", norm)
	}
	if ps.List[1].Data[0] != 2 {
		t.Errorf("the frozen parameter moved to %g", ps.List[1].Data[0])
	}
	if math.Abs(float64(ps.List[0].Data[0])-0.9) > 1e-6 {
		t.Errorf("the trained parameter is %v, want 0.9 first", ps.List[0].Data)
	}
}
