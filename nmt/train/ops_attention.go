package train

import (
	"math"

	ntensor "github.com/translated/translated/nmt/tensor"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// attentionOp is scaled dot-product attention over H heads for a batch of B
// sequences: queries q [B·T, D], keys k and values v [B·S, D], head h using
// columns h·dh … (h+1)·dh. Keys at or beyond keyLen[b] are masked, and with
// causal set so is every key after the query's own position. The
// probabilities are kept for the backward pass.
type attentionOp struct {
	*kernel
	b, t, s, h, dh int
	scale          float32 // dh^-0.5
	causal         bool
	keyLen         []int  // [B], filled before each run
	probs          bufRef // [B, H, T, S]
	dscores        bufRef // [B, H, T, S], gradient w.r.t. the scaled scores
}

func newAttentionOp(pool *bufferPool, b, t, s, heads, d int, causal bool) *attentionOp {
	dh := d / heads
	o := &attentionOp{kernel: newKernel(pool, "attention", []int{2, 2, 2}, tensor.Shape{b * t, d}),
		b: b, t: t, s: s, h: heads, dh: dh, scale: float32(1 / math.Sqrt(float64(dh))), causal: causal,
		keyLen: make([]int, b), probs: pool.take(b * heads * t * s), dscores: pool.take(b * heads * t * s)}
	o.forward = o.run
	o.wrt = []bool{true, true, true}
	o.derive = o.diff
	return o
}

func (o *attentionOp) d() int { return o.h * o.dh }

// strided returns a [rows, dh] view of head h of sequence b in m [B·rows, D].
func (o *attentionOp) strided(m []float32, b, rows, h int) blas32.General {
	d := o.d()
	off := b*rows*d + h*o.dh
	return blas32.General{Rows: rows, Cols: o.dh, Stride: d, Data: m[off : off+(rows-1)*d+o.dh]}
}

func (o *attentionOp) block(m []float32, b, h int) blas32.General {
	n := o.t * o.s
	off := (b*o.h + h) * n
	return blas32.General{Rows: o.t, Cols: o.s, Stride: o.s, Data: m[off : off+n]}
}

func (o *attentionOp) run(out []float32, in [][]float32) {
	q, k, v := in[0], in[1], in[2]
	o.eachHead(func(b, h int) {
		{
			p := o.block(o.probs.get(), b, h)
			// scores = scale · Q_bh K_bhᵀ   [T, S]
			blas32.Gemm(blas.NoTrans, blas.Trans, o.scale, o.strided(q, b, o.t, h), o.strided(k, b, o.s, h), 0, p)
			o.maskedSoftmax(p.Data, o.keyLen[b])
			// out_bh = P V_bh   [T, dh]
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, p, o.strided(v, b, o.s, h), 0, o.strided(out, b, o.t, h))
		}
	})
}

// eachHead calls fn for every (sequence, head) pair, sequences split over
// goroutines; fn touches only the blocks of its pair.
func (o *attentionOp) eachHead(fn func(b, h int)) {
	parallelRows(o.b, func(_, lo, hi int) {
		for b := lo; b < hi; b++ {
			for h := 0; h < o.h; h++ {
				fn(b, h)
			}
		}
	})
}

// maskedSoftmax turns each row of scores [T, S] into probabilities over the
// visible keys; masked keys get probability 0.
func (o *attentionOp) maskedSoftmax(p []float32, keyLen int) {
	for t := 0; t < o.t; t++ {
		row := p[t*o.s : (t+1)*o.s]
		n := min(keyLen, o.s)
		if o.causal {
			n = min(n, t+1)
		}
		if n == 0 { // a fully masked row (padding only): attend to nothing
			clear(row)
			continue
		}
		ntensor.Softmax(row[:n]) // the engine's AVX2 exponential
		clear(row[n:])
	}
}

func (o *attentionOp) diff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	q, k, v := inputs[0], inputs[1], inputs[2]
	nq, nk := o.b*o.t, o.b*o.s
	// dS = P ⊙ (dP − rowsum(dP ⊙ P)) · scale with dP = dO V_bhᵀ; kept in o.dscores.
	// The kernel's output is a token [1] that orders dQ and dK after it.
	ds := o.child("attention.dscores", []int{2, 2}, tensor.Shape{1})
	ds.forward = func(_ []float32, in [][]float32) {
		dout, vv := in[0], in[1]
		o.eachHead(func(b, h int) {
			{
				dp := o.block(o.dscores.get(), b, h)
				blas32.Gemm(blas.NoTrans, blas.Trans, 1, o.strided(dout, b, o.t, h), o.strided(vv, b, o.s, h), 0, dp)
				p := o.block(o.probs.get(), b, h).Data
				for t := 0; t < o.t; t++ {
					pr, gr := p[t*o.s:(t+1)*o.s], dp.Data[t*o.s:(t+1)*o.s]
					var dot float32
					for j := range pr {
						dot += pr[j] * gr[j]
					}
					for j := range pr {
						gr[j] = pr[j] * (gr[j] - dot) * o.scale
					}
				}
			}
		})
	}
	dsNode, err := ds.apply(grad, v)
	if err != nil {
		return nil, err
	}
	// dQ_bh = dS K_bh
	dq := o.child("attention.dq", []int{1, 2}, tensor.Shape{nq, o.d()})
	dq.forward = func(out []float32, in [][]float32) {
		o.eachHead(func(b, h int) {
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, o.block(o.dscores.get(), b, h), o.strided(in[1], b, o.s, h), 0, o.strided(out, b, o.t, h))
		})
	}
	// dK_bh = dSᵀ Q_bh
	dk := o.child("attention.dk", []int{1, 2}, tensor.Shape{nk, o.d()})
	dk.forward = func(out []float32, in [][]float32) {
		o.eachHead(func(b, h int) {
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, o.block(o.dscores.get(), b, h), o.strided(in[1], b, o.t, h), 0, o.strided(out, b, o.s, h))
		})
	}
	// dV_bh = Pᵀ dO_bh
	dv := o.child("attention.dv", []int{2}, tensor.Shape{nk, o.d()})
	dv.forward = func(out []float32, in [][]float32) {
		o.eachHead(func(b, h int) {
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, o.block(o.probs.get(), b, h), o.strided(in[0], b, o.t, h), 0, o.strided(out, b, o.s, h))
		})
	}
	dqn, err := dq.apply(dsNode, k)
	if err != nil {
		return nil, err
	}
	dkn, err := dk.apply(dsNode, q)
	if err != nil {
		return nil, err
	}
	dvn, err := dv.apply(grad)
	return gorgonia.Nodes{dqn, dkn, dvn}, err
}
