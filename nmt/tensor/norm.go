package tensor

import (
	"fmt"
	"math"
)

// AddLayerNorm sets each row of x to LayerNorm(x + y) with the given gain
// and bias: rows are len(gamma) long, x and y hold the same number of rows
// (y may be nil for a plain layer norm). Mean and variance (biased, as in
// torch.nn.LayerNorm) are accumulated in float64.
func AddLayerNorm(x, y, gamma, beta []float32, eps float32) {
	d := len(gamma)
	if d == 0 || len(beta) != d || len(x)%d != 0 || (y != nil && len(y) < len(x)) {
		panic(fmt.Sprintf("tensor.AddLayerNorm: x %d, y %d, gamma %d, beta %d", len(x), len(y), len(gamma), len(beta)))
	}
	for r := 0; r < len(x); r += d {
		row := x[r : r+d : r+d]
		var res []float32
		if y != nil {
			res = y[r : r+d]
		}
		mean := addSum(row, res) / float64(d)
		inv := 1 / math.Sqrt(sqDev(row, mean)/float64(d)+float64(eps))
		normAffine(row, gamma, beta, float32(mean), float32(inv))
	}
}

// SumSqDev returns Σ (x[i] − mean)², accumulated in float64: with Sum, the
// variance of a row as AddLayerNorm computes it.
func SumSqDev(x []float32, mean float64) float64 { return sqDev(x, mean) }

// NormAffine sets x[i] = (x[i] − mean)·inv·gamma[i] + beta[i], the last
// step of AddLayerNorm, as separate float32 operations in this order.
func NormAffine(x, gamma, beta []float32, mean, inv float32) {
	if len(gamma) < len(x) || len(beta) < len(x) {
		panic(fmt.Sprintf("tensor.NormAffine: x %d, gamma %d, beta %d", len(x), len(gamma), len(beta)))
	}
	normAffine(x, gamma, beta, mean, inv)
}
