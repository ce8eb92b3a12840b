package tensor

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// naiveLinear is the float64 reference x·Wᵀ + b.
func naiveLinear(x, w, b []float32, m, n, k int) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			if b != nil {
				s = float64(b[j])
			}
			for t := 0; t < k; t++ {
				s += float64(x[i*k+t]) * float64(w[j*k+t])
			}
			out[i*n+j] = s
		}
	}
	return out
}

func TestLinearApply(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := []struct{ m, n, k int }{
		{1, 1, 1}, {1, 16, 3}, {1, 64, 8}, {1, 80, 5}, {1, 70, 33}, {2, 17, 9}, {3, 48, 16},
		{5, 100, 7}, {6, 16, 1}, {7, 33, 12}, {13, 256, 64}, {16, 1000, 31}, {30, 768, 256},
	}
	for _, s := range shapes {
		for _, withBias := range []bool{false, true} {
			w := randSlice(r, s.n*s.k)
			var b []float32
			if withBias {
				b = randSlice(r, s.n)
			}
			x := randSlice(r, s.m*s.k)
			l := NewLinear(w, b, s.n, s.k)
			// A guard value after dst catches writes past the end.
			dst := make([]float32, s.m*s.n+1)
			dst[s.m*s.n] = 42
			l.Apply(dst[:s.m*s.n], x, s.m)
			if dst[s.m*s.n] != 42 {
				t.Fatalf("%+v: Apply wrote past dst", s)
			}
			want := naiveLinear(x, w, b, s.m, s.n, s.k)
			for i, v := range want {
				if d := math.Abs(float64(dst[i]) - v); d > 1e-4*math.Sqrt(float64(s.k)) {
					t.Fatalf("%+v bias=%v: element %d = %g, want %g", s, withBias, i, dst[i], v)
				}
			}
			// Rows must not depend on the batch: row i alone equals row i in
			// the batch bit for bit.
			one := make([]float32, s.n)
			for i := 0; i < s.m; i++ {
				l.Apply(one, x[i*s.k:(i+1)*s.k], 1)
				for j := range one {
					if one[j] != dst[i*s.n+j] {
						t.Fatalf("%+v: row %d column %d alone %g, in batch %g", s, i, j, one[j], dst[i*s.n+j])
					}
				}
			}
		}
	}
}

func TestLinearWeightRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	w := randSlice(r, 35*9)
	b := randSlice(r, 35)
	l := NewLinear(w, b, 35, 9)
	got := make([]float32, len(w))
	l.Weight(got)
	for i := range w {
		if got[i] != w[i] {
			t.Fatalf("weight %d: %g, want %g", i, got[i], w[i])
		}
	}
	gb := l.Bias()
	for i := range b {
		if gb[i] != b[i] {
			t.Fatalf("bias %d: %g, want %g", i, gb[i], b[i])
		}
	}
	if l.Out() != 35 || l.In() != 9 {
		t.Fatalf("dims %d×%d", l.Out(), l.In())
	}
	if NewLinear(w, nil, 35, 9).Bias() != nil {
		t.Fatal("a map without bias reports one")
	}
}

// TestLinearPackingShapes packs maps whose rows come in pieces that start
// inside a panel and whose inputs are not a multiple of the 16 columns the
// fast packing moves at a time, on one thread and on several, and checks
// every weight's bits (negative zero and a NaN payload among them) through
// Weight, which reads the panels back one value at a time; then the same
// for int8 maps, through Int8Weights.
func TestLinearPackingShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	saved := Threads()
	defer SetThreads(saved)
	for _, threads := range []int{1, 3} {
		SetThreads(threads)
		for _, sh := range []struct{ n, k int }{{16, 16}, {37, 16}, {70, 37}, {129, 512}, {48, 2051}, {40, 2048}} {
			w := randSlice(r, sh.n*sh.k)
			w[3] = float32(math.Copysign(0, -1))
			w[len(w)-2] = math.Float32frombits(0x7fc0_1234)
			lb := NewLinearBuilder(sh.n, sh.k, false)
			cut := min(sh.n, 5) // rows [0, 5) alone, then the rest at once
			lb.SetRows(0, w[:cut*sh.k])
			lb.SetRows(cut, w[cut*sh.k:])
			got := make([]float32, len(w))
			lb.Build(nil).Weight(got)
			for i := range w {
				if math.Float32bits(got[i]) != math.Float32bits(w[i]) {
					t.Fatalf("threads %d, [%d, %d]: weight %d = %#x, want %#x", threads, sh.n, sh.k, i,
						math.Float32bits(got[i]), math.Float32bits(w[i]))
				}
			}
			// The same rows quantized to int8, against QuantizeRows.
			w[len(w)-2] = 0.25
			lb = NewLinearBuilder(sh.n, sh.k, true)
			lb.SetRows(0, w[:cut*sh.k])
			lb.SetRows(cut, w[cut*sh.k:])
			q, scale := lb.Build(nil).Int8Weights()
			wantQ, wantScale := QuantizeRows(w, sh.n, sh.k)
			for i := range wantQ {
				if q[i] != wantQ[i] {
					t.Fatalf("threads %d, [%d, %d], int8: weight %d = %d, want %d", threads, sh.n, sh.k, i, q[i], wantQ[i])
				}
			}
			for i := range wantScale {
				if scale[i] != wantScale[i] {
					t.Fatalf("threads %d, [%d, %d], int8: scale %d = %g, want %g", threads, sh.n, sh.k, i, scale[i], wantScale[i])
				}
			}
		}
	}
}

// TestFirstAbove checks FirstAbove against a loop over every prefix
// length (the assembly takes 16 values at a time), with NaN, infinities
// and a NaN threshold among the cases.
func TestFirstAbove(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for n := 0; n <= 70; n++ {
		x := randSlice(r, n)
		for i := range x {
			switch r.IntN(10) {
			case 0:
				x[i] = nan
			case 1:
				x[i] = -inf
			}
		}
		for _, th := range []float32{-inf, -0.5, 0, 0.9, 2, inf, nan} {
			want := n
			for i, v := range x {
				if v > th {
					want = i
					break
				}
			}
			if got := FirstAbove(x, th); got != want {
				t.Fatalf("n %d, t %g: %d, want %d (x %v)", n, th, got, want, x)
			}
		}
	}
}

func TestDotAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 100, 257} {
		a, b := randSlice(r, n), randSlice(r, n)
		var want float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		if got := Dot(a, b); math.Abs(float64(got)-want) > 1e-5*float64(n+1) {
			t.Errorf("Dot n=%d: %g, want %g", n, got, want)
		}
		if got := genericDot(a, b); math.Abs(float64(got)-want) > 1e-5*float64(n+1) {
			t.Errorf("genericDot n=%d: %g, want %g", n, got, want)
		}
		dst := append([]float32(nil), a...)
		Axpy(dst, 0.5, b)
		for i := range dst {
			if w := a[i] + 0.5*b[i]; math.Abs(float64(dst[i]-w)) > 1e-6 {
				t.Fatalf("Axpy n=%d element %d: %g, want %g", n, i, dst[i], w)
			}
		}
	}
}

func TestSoftmaxAndExp(t *testing.T) {
	cases := [][]float32{
		{0}, {1, 2, 3}, {-1000, 0, 1000}, {-87, -88, -100, 3, 2, 1, 0, 0.5, 80},
		{float32(math.Inf(-1)), 1, 2, 3, 4, 5, 6, 7, 8, 9},
	}
	r := rand.New(rand.NewPCG(7, 8))
	cases = append(cases, randSlice(r, 8000), randSlice(r, 37))
	for ci, x := range cases {
		m := math.Inf(-1)
		for _, v := range x {
			m = math.Max(m, float64(v))
		}
		var sum float64
		for _, v := range x {
			sum += math.Exp(float64(v) - m)
		}
		p := append([]float32(nil), x...)
		Softmax(p)
		ls := append([]float32(nil), x...)
		LogSoftmax(ls, make([]float32, len(x)))
		// Without scratch the exponentials are summed, not stored: the
		// same values bit for bit.
		noScratch := append([]float32(nil), x...)
		LogSoftmax(noScratch, nil)
		for i := range ls {
			if noScratch[i] != ls[i] && !(math.IsNaN(float64(ls[i])) && math.IsNaN(float64(noScratch[i]))) {
				t.Fatalf("case %d: logsoftmax[%d] = %g without scratch, %g with", ci, i, noScratch[i], ls[i])
			}
		}
		for i, v := range x {
			wantP := math.Exp(float64(v)-m) / sum
			if math.Abs(float64(p[i])-wantP) > 1e-6 {
				t.Fatalf("case %d: softmax[%d] = %g, want %g", ci, i, p[i], wantP)
			}
			wantL := float64(v) - m - math.Log(sum)
			if !math.IsInf(wantL, -1) && math.Abs(float64(ls[i])-wantL) > 1e-5*math.Max(1, math.Abs(wantL)) {
				t.Fatalf("case %d: logsoftmax[%d] = %g, want %g", ci, i, ls[i], wantL)
			}
		}
	}
	// The vector exponential against math.Exp over the useful range.
	x := make([]float32, 0, 4096)
	for v := -87.0; v < 88; v += 0.0437 {
		x = append(x, float32(v))
	}
	e := make([]float32, len(x))
	expSum(e, x, 0)
	for i, v := range x {
		want := math.Exp(float64(v))
		if rel := math.Abs(float64(e[i])-want) / want; rel > 3e-7 {
			t.Fatalf("exp(%g) = %g, want %g (relative error %g)", v, e[i], want, rel)
		}
	}
}

func TestActivations(t *testing.T) {
	x := []float32{-100, -10, -3, -1, -0.5, 0, 0.25, 1, 2.5, 10, 50, -20, 7, 3, -2, 0.1, 0.7}
	ref := map[string]func(float64) float64{
		"relu":      func(v float64) float64 { return math.Max(v, 0) },
		"silu":      func(v float64) float64 { return v / (1 + math.Exp(-v)) },
		"gelu":      func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) },
		"gelu_tanh": func(v float64) float64 { return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v))) },
	}
	fns := map[string]func([]float32){"relu": ReLU, "silu": SiLU, "gelu": GELU, "gelu_tanh": GELUTanh}
	for name, f := range fns {
		got := append([]float32(nil), x...)
		f(got)
		for i, v := range x {
			want := ref[name](float64(v))
			if math.Abs(float64(got[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s(%g) = %g, want %g", name, v, got[i], want)
			}
		}
	}
}

// TestSiLUTo: SiLUTo leaves x alone and gives the bits of SiLU in place,
// on lengths with and without a tail.
func TestSiLUTo(t *testing.T) {
	for _, n := range []int{0, 3, 8, 17, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i%23) - 11.5
		}
		want := append([]float32(nil), x...)
		SiLU(want)
		got := make([]float32, n)
		SiLUTo(got, x)
		for i := range x {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) || x[i] != float32(i%23)-11.5 {
				t.Fatalf("n %d: SiLUTo(%g) = %g, SiLU in place %g (x now %g)", n, float32(i%23)-11.5, got[i], want[i], x[i])
			}
		}
	}
}

func TestAddLayerNorm(t *testing.T) {
	x := []float32{1, 2, 3, 4, -1, 0, 1, 10}
	y := []float32{0, 0, 0, 0, 1, 1, 1, 1}
	g := []float32{1, 2, 1, 1}
	b := []float32{0, 0, 1, 0}
	AddLayerNorm(x, y, g, b, 1e-5)
	rows := [][]float64{{1, 2, 3, 4}, {0, 1, 2, 11}}
	for r, row := range rows {
		mean := (row[0] + row[1] + row[2] + row[3]) / 4
		var v float64
		for _, e := range row {
			v += (e - mean) * (e - mean)
		}
		v /= 4
		for i, e := range row {
			want := (e-mean)/math.Sqrt(v+1e-5)*float64(g[i]) + float64(b[i])
			if math.Abs(float64(x[r*4+i])-want) > 1e-6 {
				t.Errorf("row %d col %d: %g, want %g", r, i, x[r*4+i], want)
			}
		}
	}
}

func TestArgmaxMax(t *testing.T) {
	if Argmax(nil) != -1 || Argmax([]float32{3, 5, 5, 1}) != 1 {
		t.Fatal("Argmax")
	}
	if Max([]float32{-3, -1, -2}) != -1 {
		t.Fatal("Max")
	}
	r := rand.New(rand.NewPCG(9, 9))
	for n := 1; n < 70; n++ {
		x := randSlice(r, n)
		for i := range x {
			x[i] -= 10 // all negative
		}
		want := x[0]
		for _, v := range x {
			want = float32(math.Max(float64(want), float64(v)))
		}
		if got := Max(x); got != want {
			t.Fatalf("Max of %d: %g, want %g", n, got, want)
		}
		y := append([]float32(nil), x...)
		addConst(y, 2.5)
		for i := range y {
			if y[i] != x[i]+2.5 {
				t.Fatalf("addConst of %d: element %d = %g, want %g", n, i, y[i], x[i]+2.5)
			}
		}
	}
}

// TestLinearThreads checks that splitting a product over goroutines gives
// the same bits as one goroutine.
func TestLinearThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	saved := Threads()
	defer SetThreads(saved)
	for _, s := range []struct{ m, n, k int }{{1, 8000, 256}, {7, 1000, 300}, {64, 333, 100}} {
		l := NewLinear(randSlice(r, s.n*s.k), randSlice(r, s.n), s.n, s.k)
		x := randSlice(r, s.m*s.k)
		want := make([]float32, s.m*s.n)
		SetThreads(1)
		l.Apply(want, x, s.m)
		for _, th := range []int{2, 3, 8} {
			SetThreads(th)
			got := make([]float32, s.m*s.n)
			l.Apply(got, x, s.m)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%+v threads %d: element %d = %g, want %g", s, th, i, got[i], want[i])
				}
			}
		}
	}
}

func TestDotRowsWeightedSum(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, hd := range []int{1, 8, 12, 16, 24, 64, 72, 128} {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 9, 31} {
			stride := 3*hd + 5
			q := randSlice(r, hd)
			rows := randSlice(r, max(n-1, 0)*stride+hd)
			w := randSlice(r, n)
			dots := make([]float32, n)
			DotRows(dots, q, rows, stride)
			sum := randSlice(r, hd) // overwritten, not accumulated
			WeightedSum(sum, w, rows, stride)
			for j := 0; j < n; j++ {
				var want float64
				for i := 0; i < hd; i++ {
					want += float64(q[i]) * float64(rows[j*stride+i])
				}
				if math.Abs(float64(dots[j])-want) > 1e-5*float64(hd) {
					t.Fatalf("hd %d n %d: dot %d = %g, want %g", hd, n, j, dots[j], want)
				}
			}
			for i := 0; i < hd; i++ {
				var want float64
				for j := 0; j < n; j++ {
					want += float64(w[j]) * float64(rows[j*stride+i])
				}
				if math.Abs(float64(sum[i])-want) > 1e-5*float64(n+1) {
					t.Fatalf("hd %d n %d: sum[%d] = %g, want %g", hd, n, i, sum[i], want)
				}
			}
		}
	}
}

func TestAddLayerNormSizes(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, d := range []int{3, 8, 37, 256} {
		for _, withY := range []bool{false, true} {
			rows := 3
			x, y := randSlice(r, rows*d), randSlice(r, rows*d)
			for i := range x {
				x[i] += 5 // an offset the mean must remove
			}
			g, b := randSlice(r, d), randSlice(r, d)
			got := append([]float32(nil), x...)
			var yy []float32
			if withY {
				yy = y
			}
			AddLayerNorm(got, yy, g, b, 1e-5)
			for row := 0; row < rows; row++ {
				v := make([]float64, d)
				var mean float64
				for i := range v {
					v[i] = float64(x[row*d+i])
					if withY {
						v[i] += float64(y[row*d+i])
					}
					mean += v[i]
				}
				mean /= float64(d)
				var vr float64
				for _, e := range v {
					vr += (e - mean) * (e - mean)
				}
				vr /= float64(d)
				for i, e := range v {
					want := (e-mean)/math.Sqrt(vr+1e-5)*float64(g[i]) + float64(b[i])
					if math.Abs(float64(got[row*d+i])-want) > 2e-5*math.Max(1, math.Abs(want)) {
						t.Fatalf("d %d y %v row %d col %d: %g, want %g", d, withY, row, i, got[row*d+i], want)
					}
				}
			}
		}
	}
}

// TestGatherMatchesStrided checks DotGather and WeightedSumGather against
// DotRows and WeightedSum over the same rows laid out evenly: equal bit for
// bit, whatever order the offsets take.
func TestGatherMatchesStrided(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, hd := range []int{1, 8, 12, 64, 72, 128} {
		for _, n := range []int{0, 1, 3, 4, 5, 9, 31} {
			base := randSlice(r, 40*hd+7)
			offs := make([]int, n)
			packed := make([]float32, n*hd)
			for j := range offs {
				offs[j] = r.IntN(len(base) - hd + 1)
				copy(packed[j*hd:], base[offs[j]:offs[j]+hd])
			}
			q, w := randSlice(r, hd), randSlice(r, n)
			got, want := make([]float32, n), make([]float32, n)
			DotGather(got, q, base, offs)
			DotRows(want, q, packed, hd)
			sum, wantSum := randSlice(r, hd), make([]float32, hd)
			WeightedSumGather(sum, w, base, offs)
			WeightedSum(wantSum, w, packed, hd)
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("hd %d n %d: dot %d = %g, strided %g", hd, n, j, got[j], want[j])
				}
			}
			for i := range wantSum {
				if sum[i] != wantSum[i] {
					t.Fatalf("hd %d n %d: sum[%d] = %g, strided %g", hd, n, i, sum[i], wantSum[i])
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an offset past the end did not panic")
		}
	}()
	DotGather(make([]float32, 1), make([]float32, 8), make([]float32, 10), []int{3})
}

type countRanger struct {
	mu    sync.Mutex
	items []int
}

func (c *countRanger) Range(lo, hi int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := lo; i < hi; i++ {
		c.items[i]++
	}
}

func TestParallelForCoversEachItemOnce(t *testing.T) {
	saved := Threads()
	defer SetThreads(saved)
	for _, th := range []int{1, 2, 3, 8} {
		SetThreads(th)
		for _, n := range []int{0, 1, 2, 7, 100, 1000} {
			for _, cost := range []int{1, 1 << 20} {
				c := &countRanger{items: make([]int, n)}
				ParallelFor(n, cost, c)
				for i, k := range c.items {
					if k != 1 {
						t.Fatalf("threads %d, n %d, cost %d: item %d done %d times", th, n, cost, i, k)
					}
				}
			}
		}
	}
}
