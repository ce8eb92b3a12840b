//go:build amd64 && !purego

package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamStepBits: AdamStep in assembly gives the bits of the Go loop
// (weights and both moments), on ordinary values, zeros, subnormal and
// huge gradients, with and without clipping, and on lengths that leave a
// tail (training reproduces runs bit for bit, so no tolerance here).
func TestAdamStepBits(t *testing.T) {
	if !hasAVX2FMA {
		t.Skip("no AVX2/FMA on this CPU: nothing to compare")
	}
	prev := UseAssembly(true)
	defer UseAssembly(prev)
	rng := rand.New(rand.NewPCG(9, 10))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 1e30, -1e30, 1e-20}
	for _, c := range []AdamCoeffs{
		{Scale: 1, B1: 0.9, B2: 0.98, LR: 1e-3, RC2: 7.1, Eps: 1e-9},
		{Scale: 0.37, B1: 0.9, B2: 0.999, LR: 3e-4 / 0.1, RC2: 1 / float32(math.Sqrt(0.002)), Eps: 1e-8},
	} {
		for _, n := range []int{1, 7, 8, 9, 64, 1001} {
			w, m, v, g := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range w {
				w[i], m[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()*0.01)
				v[i], g[i] = float32(rng.ExpFloat64()*1e-4), float32(rng.NormFloat64())
				if i%3 == 1 {
					g[i] = special[rng.IntN(len(special))]
				}
				if i%7 == 2 {
					v[i] = 0
				}
			}
			w2, m2, v2 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
			AdamStep(w, m, v, g, c)
			genericAdamStep(w2, m2, v2, g, c)
			for i := range w {
				for _, p := range [][2]float32{{w[i], w2[i]}, {m[i], m2[i]}, {v[i], v2[i]}} {
					if math.Float32bits(p[0]) != math.Float32bits(p[1]) {
						t.Fatalf("n %d, element %d (g %g): assembly %g (%#x), Go %g (%#x)", n, i, g[i], p[0], math.Float32bits(p[0]), p[1], math.Float32bits(p[1]))
					}
				}
			}
		}
	}
}
