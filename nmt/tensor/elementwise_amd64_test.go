//go:build amd64 && !purego

package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestElementwiseBits: AddTo, MulTo and ScaleAdd in assembly give the bits of the Go
// loops, on ordinary values, signed zeros, subnormals, infinities, NaN and
// overflow, on lengths that leave a tail, and in place.
func TestElementwiseBits(t *testing.T) {
	if !hasAVX2FMA {
		t.Skip("no AVX2/FMA on this CPU: nothing to compare")
	}
	prev := UseAssembly(true)
	defer UseAssembly(prev)
	rng := rand.New(rand.NewPCG(7, 8))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), 3e38, -3e38}
	value := func(i int) float32 {
		if i%4 == 1 {
			return special[rng.IntN(len(special))]
		}
		return float32(rng.NormFloat64() * 3)
	}
	kernels := []struct {
		name      string
		asm, pure func(dst, x, y []float32)
	}{{"AddTo", AddTo, genericAddTo}, {"MulTo", MulTo, genericMulTo},
		// ScaleAdd by the first element of y, plus its second
		{"ScaleAdd", func(dst, x, y []float32) { copy(dst, x); ScaleAdd(dst, y[0], y[1]) },
			func(dst, x, y []float32) { copy(dst, x); genericScaleAdd(dst, y[0], y[1]) }}}
	for _, k := range kernels {
		for _, n := range []int{2, 7, 8, 9, 31, 32, 33, 63, 1000} {
			x, y := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i], y[i] = value(i), value(i+1)
			}
			asm, pure := make([]float32, n), make([]float32, n)
			k.asm(asm, x, y)
			k.pure(pure, x, y)
			inPlace := append([]float32(nil), x...)
			k.asm(inPlace, inPlace, y)
			for i := range asm {
				if math.Float32bits(asm[i]) != math.Float32bits(pure[i]) || math.Float32bits(inPlace[i]) != math.Float32bits(pure[i]) {
					t.Errorf("%s n %d, %g and %g: assembly %#x (in place %#x), Go %#x", k.name, n, x[i], y[i],
						math.Float32bits(asm[i]), math.Float32bits(inPlace[i]), math.Float32bits(pure[i]))
				}
			}
		}
	}
}
