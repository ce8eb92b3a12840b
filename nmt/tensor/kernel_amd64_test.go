//go:build amd64 && !purego

package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGenericKernels runs the kernel tests again with the assembly switched
// off, so the pure Go path used on other architectures is checked here too.
func TestGenericKernels(t *testing.T) {
	if !hasAVX2FMA {
		t.Skip("no AVX2/FMA on this CPU: the other tests already ran the Go kernels")
	}
	prev := UseAssembly(false)
	defer UseAssembly(prev)
	if Accelerated() != "go" {
		t.Fatalf("UseAssembly(false) left %q kernels on", Accelerated())
	}
	t.Run("LinearApply", TestLinearApply)
	t.Run("DotAxpy", TestDotAxpy)
	t.Run("SoftmaxAndExp", TestSoftmaxAndExp)
	t.Run("Activations", TestActivations)
	t.Run("ArgmaxMax", TestArgmaxMax)
	t.Run("DotRowsWeightedSum", TestDotRowsWeightedSum)
	t.Run("AddLayerNormSizes", TestAddLayerNormSizes)
	t.Run("GatherMatchesStrided", TestGatherMatchesStrided)
	t.Run("LinearInt8Exact", TestLinearInt8Exact)
	t.Run("LinearInt8Edges", TestLinearInt8Edges)
}

// kernelCase computes one kernel's output from inputs fixed beforehand.
type kernelCase struct {
	name string
	run  func() []float32
	tol  float64 // largest |asm − go| allowed, relative to 1 + |go|
}

// inPlace makes a case of a kernel that overwrites its input: f runs on a
// fresh copy of x each time.
func inPlace(x []float32, f func([]float32)) func() []float32 {
	return func() []float32 {
		dst := append([]float32(nil), x...)
		f(dst)
		return dst
	}
}

// kernelCases covers every assembly kernel: each tile shape of the matrix
// product, and the vector kernels on lengths with and without a tail.
func kernelCases(r *rand.Rand) []kernelCase {
	var cs []kernelCase
	for _, s := range []struct{ m, n, k int }{{1, 768, 256}, {1, 70, 33}, {6, 100, 33}, {13, 256, 64}, {30, 768, 256}} {
		l := NewLinear(randSlice(r, s.n*s.k), randSlice(r, s.n), s.n, s.k)
		x := randSlice(r, s.m*s.k)
		cs = append(cs, kernelCase{fmt.Sprintf("Linear %dx%dx%d", s.m, s.n, s.k), func() []float32 {
			dst := make([]float32, s.m*s.n)
			l.Apply(dst, x, s.m)
			return dst
		}, 1e-5 * math.Sqrt(float64(s.k))})
	}
	for _, n := range []int{1, 7, 8, 33, 257, 8000} {
		a, b := randSlice(r, n), randSlice(r, n)
		cs = append(cs,
			kernelCase{fmt.Sprintf("Dot %d", n), func() []float32 { return []float32{Dot(a, b)} }, 1e-5 * math.Sqrt(float64(n))},
			kernelCase{fmt.Sprintf("Axpy %d", n), inPlace(a, func(x []float32) { Axpy(x, -0.75, b) }), 1e-6},
			kernelCase{fmt.Sprintf("Softmax %d", n), inPlace(a, Softmax), 1e-6},
			kernelCase{fmt.Sprintf("LogSoftmax %d", n), inPlace(a, func(x []float32) { LogSoftmax(x, make([]float32, n)) }), 1e-6},
			kernelCase{fmt.Sprintf("SiLU %d", n), inPlace(a, SiLU), 1e-6},
			kernelCase{fmt.Sprintf("Max %d", n), func() []float32 { return []float32{Max(a)} }, 0},
		)
	}
	for _, hd := range []int{8, 64, 72} {
		n, stride := 9, 3*hd+5
		q, rows, w := randSlice(r, hd), randSlice(r, (n-1)*stride+hd), randSlice(r, n)
		cs = append(cs,
			kernelCase{fmt.Sprintf("DotRows %d", hd), func() []float32 {
				dst := make([]float32, n)
				DotRows(dst, q, rows, stride)
				return dst
			}, 1e-5 * math.Sqrt(float64(hd))},
			kernelCase{fmt.Sprintf("WeightedSum %d", hd), func() []float32 {
				dst := make([]float32, hd)
				WeightedSum(dst, w, rows, stride)
				return dst
			}, 1e-5 * math.Sqrt(float64(n))})
	}
	for _, d := range []int{37, 256} {
		x, y, g, b := randSlice(r, 3*d), randSlice(r, 3*d), randSlice(r, d), randSlice(r, d)
		cs = append(cs, kernelCase{fmt.Sprintf("AddLayerNorm %d", d),
			inPlace(x, func(dst []float32) { AddLayerNorm(dst, y, g, b, 1e-5) }), 1e-6})
	}
	return cs
}

// TestAssemblyMatchesGo runs every kernel on the same inputs with the
// assembly and with the pure Go kernels and compares the two outputs. They
// add in the same order, but the assembly fuses each multiply-add (FMA,
// one rounding) and evaluates the exponential with its own polynomial, so
// the bounds allow for rounding: 1e-5·√(terms summed) relative to 1 + |x|
// for sums of products, 1e-6 for element-wise kernels, exact for Max.
func TestAssemblyMatchesGo(t *testing.T) {
	if !hasAVX2FMA {
		t.Skip("no AVX2/FMA on this CPU: nothing to compare")
	}
	prev := UseAssembly(true)
	defer UseAssembly(prev)
	for _, c := range kernelCases(rand.New(rand.NewPCG(17, 18))) {
		UseAssembly(true)
		asm := c.run()
		UseAssembly(false)
		pure := c.run()
		worst := 0.0
		for i := range pure {
			d := math.Abs(float64(asm[i])-float64(pure[i])) / (1 + math.Abs(float64(pure[i])))
			if d > c.tol {
				t.Errorf("%s: element %d is %g with assembly, %g in Go (relative difference %.2g, allowed %.2g)", c.name, i, asm[i], pure[i], d, c.tol)
				break
			}
			worst = max(worst, d)
		}
		if testing.Verbose() {
			t.Logf("%s: largest relative difference %.2g", c.name, worst)
		}
	}
}

// TestUseAssemblyConcurrent switches the kernels while other goroutines
// run products, which the race detector must accept.
func TestUseAssemblyConcurrent(t *testing.T) {
	prev := UseAssembly(true)
	defer UseAssembly(prev)
	r := rand.New(rand.NewPCG(19, 20))
	l := NewLinear(randSlice(r, 64*32), nil, 64, 32)
	x := randSlice(r, 4*32)
	done := make(chan struct{})
	for g := 0; g < 2; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			dst := make([]float32, 4*64)
			for i := 0; i < 200; i++ {
				l.Apply(dst, x, 4)
			}
		}()
	}
	for i := 0; i < 200; i++ {
		UseAssembly(i%2 == 0)
		_ = Accelerated()
	}
	<-done
	<-done
}
