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
		if y != nil {
			Add(row, y[r:r+d])
		}
		var sum float64
		for _, v := range row {
			sum += float64(v)
		}
		mean := sum / float64(d)
		var ss float64
		for _, v := range row {
			dv := float64(v) - mean
			ss += dv * dv
		}
		inv := 1 / math.Sqrt(ss/float64(d)+float64(eps))
		mf, invf := float32(mean), float32(inv)
		for i, v := range row {
			row[i] = (v-mf)*invf*gamma[i] + beta[i]
		}
	}
}
