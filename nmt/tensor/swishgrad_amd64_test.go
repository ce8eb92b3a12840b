//go:build amd64 && !purego

package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSwishGradBits: SwishGrad in assembly gives the bits of the Go loop,
// on ordinary values, on both sides of the ±1e-4 switch to 0.5 + x/4, on
// zeros, subnormals, infinities and NaN, and on lengths that leave a tail
// (training reproduces runs bit for bit, so no tolerance here).
func TestSwishGradBits(t *testing.T) {
	if !hasAVX2FMA {
		t.Skip("no AVX2/FMA on this CPU: nothing to compare")
	}
	prev := UseAssembly(true)
	defer UseAssembly(prev)
	rng := rand.New(rand.NewPCG(5, 6))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-4, -1e-4, math.Nextafter32(1e-4, 0), math.Nextafter32(1e-4, 1),
		math.Nextafter32(-1e-4, 0), math.Nextafter32(-1e-4, -1), 1e-40, -1e-40, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), 3e38, -3e38}
	for _, n := range []int{0, 1, 7, 8, 9, 63, 1000} {
		x, y, g := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			v := float32(rng.NormFloat64() * 3)
			switch i % 5 {
			case 1:
				v = special[rng.IntN(len(special))]
			case 2:
				v = float32(rng.NormFloat64() * 1e-4)
			}
			x[i], y[i], g[i] = v, v/(1+float32(math.Exp(-float64(v)))), float32(rng.NormFloat64())
		}
		asm, pure := make([]float32, n), make([]float32, n)
		SwishGrad(asm, g, x, y)
		genericSwishGrad(pure, g, x, y)
		for i := range asm {
			if math.Float32bits(asm[i]) != math.Float32bits(pure[i]) {
				t.Errorf("n %d, x %g, y %g, g %g: assembly %g (%#x), Go %g (%#x)", n, x[i], y[i], g[i], asm[i], math.Float32bits(asm[i]), pure[i], math.Float32bits(pure[i]))
			}
		}
	}
}
