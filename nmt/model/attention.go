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

// packedSelf runs a self-attention block in place over sequences packed one
// after another in x ([Σ lens, D], sequence i from row offs[i]):
// x = LN(x + out_proj(MHA(x))), each sequence attending to its own rows,
// and with causal each row only to those up to itself. qkv holds Σ lens × 3D
// values, ctx and tmp Σ lens × D, probs the longest length.
func (a *attention) packedSelf(x []float32, offs, lens []int, causal bool, qkv, ctx, tmp, probs []float32) {
	d := a.outProj.Out()
	total := len(x) / d
	hd := d / a.heads
	qkv, ctx, tmp = qkv[:total*3*d], ctx[:total*d], tmp[:total*d]
	a.inProj.Apply(qkv, x, total) // [total, 3D]: q | k | v
	scaleQueries(qkv, total, 3*d, d, queryScale(d, a.heads))
	for i, n := range lens {
		base := offs[i] * 3 * d
		for t := 0; t < n; t++ {
			q := qkv[base+t*3*d:]
			out := ctx[(offs[i]+t)*d:]
			keys := n
			if causal {
				keys = t + 1
			}
			for h := 0; h < a.heads; h++ {
				o := h * hd
				attendHead(out[o:o+hd], q[o:o+hd], qkv[base+d+o:], qkv[base+2*d+o:], 3*d, keys, probs)
			}
		}
	}
	a.outProj.Apply(tmp, ctx, total) // [total, D]
	tensor.AddLayerNorm(x, tmp, a.norm.gamma, a.norm.beta, layerNormEps)
}
