package model

import (
	"math"

	"github.com/translated/translated/nmt/tensor"
)

// attendHead computes one head of scaled dot-product attention for one query
// (already scaled by head_dim^-0.5): p[j] = softmax_j(q·k_j) over n keys, and
// out = Σ_j p[j]·v_j. Key j is keys[j*stride : j*stride+len(q)], value j
// likewise in values. p must hold n values; out is len(q) long.
func attendHead(out, q, keys, values []float32, stride, n int, p []float32) {
	p = p[:n]
	tensor.DotRows(p, q, keys, stride) // [n] scores
	tensor.Softmax(p)                  // [n] weights
	tensor.WeightedSum(out, p, values, stride)
}

// queryScale is head_dim^-0.5, the factor Marian applies to q after q_proj.
func queryScale(d, heads int) float32 {
	return float32(1 / math.Sqrt(float64(d/heads)))
}

// scaleQueries multiplies the first d values of each of rows rows (stride
// apart) by s.
func scaleQueries(x []float32, rows, stride, d int, s float32) {
	for r := 0; r < rows; r++ {
		tensor.Scale(x[r*stride:r*stride+d], s)
	}
}

// apply runs the feed-forward block on rows rows of x in place:
// x = LN(x + fc2(act(fc1(x)))). hidden holds rows×F values, tmp rows×D.
func (f *feedForward) apply(x []float32, rows int, act func([]float32), hidden, tmp []float32) {
	fdim, d := f.fc1.Out(), f.fc2.Out()
	hidden = hidden[:rows*fdim]
	tmp = tmp[:rows*d]
	f.fc1.Apply(hidden, x, rows)   // [rows, F]
	act(hidden)                    // [rows, F]
	f.fc2.Apply(tmp, hidden, rows) // [rows, D]
	tensor.AddLayerNorm(x[:rows*d], tmp, f.norm.gamma, f.norm.beta, layerNormEps)
}
