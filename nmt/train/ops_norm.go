package train

import (
	"math"

	ntensor "github.com/translated/translated/nmt/tensor"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// layerNormOp is the post-LN residual step LayerNorm(x + drop(sub)): it
// adds the sublayer's output, through dropout when drop is set, to the
// residual stream x [N, D], then normalizes each row to zero mean and unit
// variance (biased, eps 1e-5 as in PyTorch) and applies gain and bias:
// y = (s − μ)/sqrt(σ² + eps) · γ + β. One pass per row does what a
// dropout, a sum and a layer norm kernel did, on the engine's AVX2
// kernels (the mean and variance summed in float64, as its AddLayerNorm
// does). It keeps x̂ and 1/σ for the backward pass.
type layerNormOp struct {
	*kernel
	drop *dropoutOp // nil: no dropout
	xhat bufRef     // [N, D]
	rstd bufRef     // [N]
	n, d int

	ones, zeros []float32 // [D]: the gain and bias that leave x̂ alone
}

const layerNormEps = 1e-5

func newLayerNormOp(pool *bufferPool, n, d int, drop *dropoutOp) *layerNormOp {
	o := &layerNormOp{kernel: newKernel(pool, "layernorm", []int{2, 2, 1, 1}, tensor.Shape{n, d}),
		drop: drop, xhat: pool.take(n * d), rstd: pool.take(n), n: n, d: d,
		ones: make([]float32, d), zeros: make([]float32, d)}
	for j := range o.ones {
		o.ones[j] = 1
	}
	o.forward = o.run
	o.wrt = []bool{true, true, true, true}
	o.derive = o.diff
	return o
}

func (o *layerNormOp) run(out []float32, in [][]float32) {
	x, sub, gamma, beta := in[0], in[1], in[2], in[3]
	d, xhat, rstd := o.d, o.xhat.get(), o.rstd.get()
	var mask []float32
	if o.drop != nil {
		mask = o.drop.mask.get()
	}
	parallelFor(o.n, o.n*d, func(lo, hi int) { // rows are independent
		for i := lo; i < hi; i++ {
			// s = x + sub ⊙ mask, in the row of x̂
			xh := xhat[i*d : (i+1)*d]
			if mask != nil {
				ntensor.MulTo(xh, sub[i*d:(i+1)*d], mask[i*d:(i+1)*d])
				ntensor.AddTo(xh, x[i*d:(i+1)*d], xh)
			} else {
				ntensor.AddTo(xh, x[i*d:(i+1)*d], sub[i*d:(i+1)*d])
			}
			mean := ntensor.Sum(xh) / float64(d)
			r := float32(1 / math.Sqrt(ntensor.SumSqDev(xh, mean)/float64(d)+layerNormEps))
			rstd[i] = r
			// y = (s − μ)·r·γ + β, then x̂ = (s − μ)·r·1 + 0 in place
			y := out[i*d : (i+1)*d]
			copy(y, xh)
			ntensor.NormAffine(y, gamma, beta, float32(mean), r)
			ntensor.NormAffine(xh, o.ones, o.zeros, float32(mean), r)
		}
	})
}

func (o *layerNormOp) diff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d := o.d
	// dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·γ
	dx := o.child("layernorm.dx", []int{2, 1}, tensor.Shape{o.n, d})
	dx.forward = func(out []float32, in [][]float32) {
		g, gamma := in[0], in[1]
		xhat, rstd := o.xhat.get(), o.rstd.get()
		parallelFor(o.n, o.n*d, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				gr, xh, dst := g[i*d:(i+1)*d], xhat[i*d:(i+1)*d], out[i*d:(i+1)*d]
				var sg, sgx float32
				for j := range gr {
					gh := gr[j] * gamma[j]
					sg += gh
					sgx += gh * xh[j]
				}
				sg /= float32(d)
				sgx /= float32(d)
				r := rstd[i]
				for j := range gr {
					dst[j] = r * (gr[j]*gamma[j] - sg - xh[j]*sgx)
				}
			}
		})
	}
	// dγ = Σ_rows g·x̂ ; dβ = Σ_rows g
	dgamma := o.child("layernorm.dgamma", []int{2}, tensor.Shape{d})
	dgamma.forward = func(out []float32, in [][]float32) {
		g, xhat := in[0], o.xhat.get()
		// split over columns, each summed over the rows in order
		parallelFor(d, o.n*d, func(lo, hi int) {
			col := out[lo:hi]
			clear(col)
			for i := 0; i < o.n; i++ {
				gr, xh := g[i*d+lo:i*d+hi], xhat[i*d+lo:i*d+hi]
				gr, xh = gr[:len(col)], xh[:len(col)]
				for j := range col {
					col[j] += gr[j] * xh[j]
				}
			}
		})
	}
	dbeta := o.child("layernorm.dbeta", []int{2}, tensor.Shape{d})
	dbeta.forward = func(out []float32, in [][]float32) { columnSums(out, in[0]) }
	a, err := dx.apply(grad, inputs[2])
	if err != nil {
		return nil, err
	}
	// x receives the gradient of the sum as it is, sub through dropout
	dsub := a
	if o.drop != nil {
		if dsub, err = o.drop.backward(a); err != nil {
			return nil, err
		}
	}
	b, err := dgamma.apply(grad)
	if err != nil {
		return nil, err
	}
	c, err := dbeta.apply(grad)
	return gorgonia.Nodes{a, dsub, b, c}, err
}

// columnSums sets out[j] = Σ_i m[i, j] for a row-major matrix with
// len(out) columns, adding the rows in order. The columns are split over
// goroutines, so the sums do not depend on how many there are.
func columnSums(out, m []float32) {
	d := len(out)
	parallelFor(d, len(m), func(lo, hi int) {
		col := out[lo:hi]
		clear(col)
		for i := 0; i+d <= len(m); i += d {
			ntensor.AddTo(col, col, m[i+lo:i+hi])
		}
	})
}
