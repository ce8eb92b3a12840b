package tensor

import (
	"fmt"
	"math"
)

// ReLU sets x to max(x, 0).
func ReLU(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// SiLU sets x to x·sigmoid(x) (also called swish).
func SiLU(x []float32) { silu(x, x) }

// SiLUTo sets dst to x·sigmoid(x), x unchanged (unless dst is x).
func SiLUTo(dst, x []float32) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("tensor.SiLUTo: lengths %d and %d", len(dst), len(x)))
	}
	silu(dst, x)
}

// SwishGrad sets dst to the gradient of a loss through swish, given the
// gradient g at its output y = x·sigmoid(x): dst = g·(s + x·s·(1−s)) with
// s = sigmoid(x) taken as y/x, or as 0.5 + x/4 where |x| < 1e-4 (y/x
// loses precision there). The assembly kernel gives the bits of the Go
// one (the same float32 operations in the same order, no fused
// multiply-add), so training is reproducible on either.
func SwishGrad(dst, g, x, y []float32) {
	if len(dst) != len(x) || len(g) != len(x) || len(y) != len(x) {
		panic("tensor: SwishGrad: dst, g, x and y differ in length")
	}
	swishGrad(dst, g, x, y)
}

func genericSwishGrad(dst, g, x, y []float32) {
	g, y, dst = g[:len(x)], y[:len(x)], dst[:len(x)]
	for i, v := range x {
		s := y[i] / v
		if v > -1e-4 && v < 1e-4 {
			s = 0.5 + v/4
		}
		dst[i] = g[i] * (s + v*s*(1-s))
	}
}

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
