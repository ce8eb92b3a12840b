package tensor

import (
	"fmt"
	"math"
)

// AdamCoeffs are the per-step constants of AdamStep: the gradient's
// clipping scale, the moments' decay rates B1 and B2, the step size LR
// (already divided by 1 − B1^t), RC2 = 1/sqrt(1 − B2^t) and Eps.
type AdamCoeffs struct{ Scale, B1, B2, LR, RC2, Eps float32 }

// AdamStep makes one Adam update of the weights w, with first and second
// moments m and v, from the gradient g (training's optimizer, which lives
// here for its assembly kernel). Element by element, as float32
// operations in this order, never fused:
//
//	s = g·Scale
//	m = B1·m + (1−B1)·s
//	v = B2·v + ((1−B2)·s)·s
//	w = w − (LR·m) / (sqrt(v)·RC2 + Eps)
//
// The assembly kernel gives the bits of the Go loop.
func AdamStep(w, m, v, g []float32, c AdamCoeffs) {
	if len(m) != len(w) || len(v) != len(w) || len(g) != len(w) {
		panic(fmt.Sprintf("tensor.AdamStep: lengths %d, %d, %d and %d", len(w), len(m), len(v), len(g)))
	}
	adamStep(w, m, v, g, c)
}

func genericAdamStep(w, m, v, g []float32, c AdamCoeffs) {
	m, v, g = m[:len(w)], v[:len(w)], g[:len(w)]
	for j := range w {
		s := g[j] * c.Scale
		m[j] = c.B1*m[j] + (1-c.B1)*s
		v[j] = c.B2*v[j] + (1-c.B2)*s*s
		w[j] -= c.LR * m[j] / (float32(math.Sqrt(float64(v[j])))*c.RC2 + c.Eps)
	}
}
