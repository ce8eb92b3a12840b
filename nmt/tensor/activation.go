package tensor

import "math"

// ReLU sets x to max(x, 0).
func ReLU(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// SiLU sets x to x·sigmoid(x) (also called swish).
func SiLU(x []float32) { silu(x) }

// GELU sets x to x·Φ(x) with the exact normal CDF: 0.5·x·(1 + erf(x/√2)).
func GELU(x []float32) {
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
	}
}

// GELUTanh sets x to the tanh approximation of GELU:
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func GELUTanh(x []float32) {
	const c = 0.7978845608028654 // √(2/π)
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
	}
}
