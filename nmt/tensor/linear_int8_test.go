package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refInt8 is the int8 product computed plainly from the quantized values:
// each input row quantized over its range as quantizeRow does, exact
// integer sums, then dequantize.
func refInt8(l *Linear, x []float32, m int) []float32 {
	out := make([]float32, m*l.n)
	q := l.q
	for i := 0; i < m; i++ {
		row := x[i*l.k : (i+1)*l.k]
		lo, hi := row[0], row[0]
		for _, v := range row {
			lo, hi = min(lo, v), max(hi, v)
		}
		var xs, inv float32
		if hi > lo {
			xs, inv = (hi-lo)/255, 255/(hi-lo)
		}
		for n := 0; n < l.n; n++ {
			p, c := n/panelWidth, n%panelWidth
			panel := q.data[p*q.kq*panelWidth*4:]
			var acc int32
			for j, v := range row {
				u := int32(math.RoundToEven(float64(float32(v-lo) * inv)))
				acc += u * int32(panel[(j/4)*panelWidth*4+c*4+j%4])
			}
			var b float32
			if l.bias != nil {
				b = l.bias[n]
			}
			out[i*l.n+n] = dequantize(acc, q.qsum[n], q.scale[n], xs, lo, b)
		}
	}
	return out
}

var int8Shapes = []struct{ m, n, k int }{
	{1, 1, 1}, {1, 16, 3}, {1, 128, 8}, {1, 200, 64}, {1, 1000, 33}, {2, 17, 9}, {3, 48, 16},
	{5, 100, 7}, {12, 32, 12}, {13, 96, 40}, {27, 130, 17}, {31, 512, 64}, {64, 80, 3},
}

// TestLinearInt8Exact checks every kernel of int8 maps against the plain
// computation: the integer sums are exact, so equal bit for bit.
func TestLinearInt8Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, s := range int8Shapes {
		for _, withBias := range []bool{false, true} {
			var b []float32
			if withBias {
				b = randSlice(r, s.n)
			}
			w := randSlice(r, s.n*s.k)
			l := NewLinearInt8(w, b, s.n, s.k)
			x := randSlice(r, s.m*s.k)
			dst := make([]float32, s.m*s.n+1)
			dst[s.m*s.n] = 42
			l.Apply(dst[:s.m*s.n], x, s.m)
			if dst[s.m*s.n] != 42 {
				t.Fatalf("%+v: Apply wrote past dst", s)
			}
			want := refInt8(l, x, s.m)
			for i := range want {
				if dst[i] != want[i] {
					t.Fatalf("%+v bias=%v: element %d = %g, want %g", s, withBias, i, dst[i], want[i])
				}
			}
		}
	}
}

// TestLinearInt8CloseToFloat32 bounds the quantization error against the
// float32 product: per output, by the scales of weights and inputs.
func TestLinearInt8CloseToFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	const m, n, k = 9, 300, 512
	w, b, x := randSlice(r, n*k), randSlice(r, n), randSlice(r, m*k)
	got, want := make([]float32, m*n), make([]float32, m*n)
	NewLinearInt8(w, b, n, k).Apply(got, x, m)
	NewLinear(w, b, n, k).Apply(want, x, m)
	var errSum, refSum float64
	for i := range want {
		errSum += math.Abs(float64(got[i] - want[i]))
		refSum += math.Abs(float64(want[i]))
	}
	// Random Gaussian rows: steps of a 255th of their range give about
	// 1 % relative error.
	if rel := errSum / refSum; rel > 0.02 {
		t.Errorf("mean relative error %.4f", rel)
	}
}

func TestLinearInt8Edges(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	w := randSlice(r, 40*20)
	for j := 0; j < 20; j++ {
		w[3*20+j] = 0 // an all-zero output
	}
	l := NewLinearInt8(w, nil, 40, 20)
	x := make([]float32, 2*20) // an all-zero input row, and one with a NaN
	copy(x[20:], randSlice(r, 20))
	x[25] = float32(math.NaN())
	dst := make([]float32, 2*40)
	l.Apply(dst, x, 2)
	for i, v := range dst[:40] {
		if v != 0 {
			t.Fatalf("zero input: output %d = %g", i, v)
		}
	}
	if dst[40+3] != 0 {
		t.Errorf("zero weights: %g", dst[40+3])
	}
	// WeightRow and Weight give the dequantized weights.
	row := make([]float32, 20)
	all := make([]float32, 40*20)
	l.Weight(all)
	for n := 0; n < 40; n++ {
		l.WeightRow(row, n)
		for j, v := range row {
			if v != all[n*20+j] || math.Abs(float64(v-w[n*20+j])) > float64(l.q.scale[n])/2*1.0001 {
				t.Fatalf("row %d, %d: %g, weight %g, original %g", n, j, v, all[n*20+j], w[n*20+j])
			}
		}
	}
	if !l.Int8() || NewLinear(w, nil, 40, 20).Int8() {
		t.Error("Int8 reports the wrong kind")
	}
}

func TestLinearInt8Threads(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	const m, n, k = 32, 4000, 300
	l := NewLinearInt8(randSlice(r, n*k), randSlice(r, n), n, k)
	x := randSlice(r, m*k)
	saved := Threads()
	defer SetThreads(saved)
	var first []float32
	for _, th := range []int{1, 2, 3} {
		SetThreads(th)
		dst := make([]float32, m*n)
		l.Apply(dst, x, m)
		if first == nil {
			first = dst
			continue
		}
		for i := range dst {
			if dst[i] != first[i] {
				t.Fatalf("threads %d: element %d = %g, with one thread %g", th, i, dst[i], first[i])
			}
		}
	}
}

// TestLinearInt8RoundTrip rebuilds an int8 map from its quantized weights,
// and gives a map another bias over the same weights.
func TestLinearInt8RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(39, 40))
	const m, n, k = 3, 50, 30
	w, b, x := randSlice(r, n*k), randSlice(r, n), randSlice(r, m*k)
	l := NewLinearInt8(w, b, n, k)
	q, s := l.Int8Weights()
	again := NewLinearQuantized(q, s, b, n, k)
	other := l.WithBias(nil)
	want, got, noBias := make([]float32, m*n), make([]float32, m*n), make([]float32, m*n)
	l.Apply(want, x, m)
	again.Apply(got, x, m)
	other.Apply(noBias, x, m)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rebuilt map: element %d = %g, want %g", i, got[i], want[i])
		}
		if d := math.Abs(float64(want[i] - b[i%n] - noBias[i])); d > 1e-5 {
			t.Fatalf("WithBias(nil): element %d = %g, with the bias %g (bias %g)", i, noBias[i], want[i], b[i%n])
		}
	}
	if q2, _ := NewLinear(w, b, n, k).Int8Weights(); q2 != nil {
		t.Error("a float32 map returned int8 weights")
	}
	f := NewLinear(w, b, n, k)
	fb := f.WithBias(make([]float32, n))
	f.Apply(want, x, m)
	fb.Apply(got, x, m)
	for i := range want {
		if d := math.Abs(float64(want[i] - b[i%n] - got[i])); d > 1e-5 {
			t.Fatalf("float32 WithBias: element %d = %g, want %g", i, got[i], want[i]-b[i%n])
		}
	}
}

// TestSelect checks that a selection of outputs gives those outputs of the
// whole map bit for bit, float32 and int8.
func TestSelect(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	const m, n, k = 5, 70, 37
	w, b, x := randSlice(r, n*k), randSlice(r, n), randSlice(r, m*k)
	rows := []int{3, 0, 69, 17, 18, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 2}
	for _, l := range []*Linear{NewLinear(w, b, n, k), NewLinearInt8(w, b, n, k), NewLinear(w, nil, n, k)} {
		full, part := make([]float32, m*n), make([]float32, m*len(rows))
		l.Apply(full, x, m)
		l.Select(rows).Apply(part, x, m)
		for i := 0; i < m; i++ {
			for c, row := range rows {
				if part[i*len(rows)+c] != full[i*n+row] {
					t.Fatalf("int8 %v: row %d output %d = %g, whole map %g", l.Int8(), i, row, part[i*len(rows)+c], full[i*n+row])
				}
			}
		}
	}
}

// TestLinearBuilder fills maps in pieces, out of order, and checks them
// against the maps made at once.
func TestLinearBuilder(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	const m, n, k = 3, 37, 21
	w, b, x := randSlice(r, n*k), randSlice(r, n), randSlice(r, m*k)
	for _, asInt8 := range []bool{false, true} {
		lb := NewLinearBuilder(n, k, asInt8)
		lb.SetRows(20, w[20*k:])
		lb.SetRows(0, w[:7*k])
		lb.SetRows(7, w[7*k:20*k])
		got, want := make([]float32, m*n), make([]float32, m*n)
		lb.Build(b).Apply(got, x, m)
		whole := NewLinear(w, b, n, k)
		if asInt8 {
			whole = NewLinearInt8(w, b, n, k)
		}
		whole.Apply(want, x, m)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("int8 %v: element %d = %g, want %g", asInt8, i, got[i], want[i])
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("building with a row unset did not panic")
		}
	}()
	lb := NewLinearBuilder(n, k, false)
	lb.SetRows(0, w[:k])
	lb.Build(nil)
}
