package train

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// guidedOp is the guided-alignment loss: the cross-entropy between one
// cross-attention head's distribution over the source tokens and a
// row-normalized link matrix A (each target token's links spread
// uniformly over the source tokens it is linked to),
//
//	loss = λ · (1/N) · Σ_{supervised rows (b,t)} −Σ_s A[b,t,s] · log P_h[b,t,s]
//
// where N is the number of supervised rows (target tokens with at least
// one link) in the batch; rows without links contribute nothing.
//
// The inputs are the queries q [B·T, D] and keys k [B·S, D] of the
// attention op att, and att's output, which is not differentiated: it only
// makes the loss run after att, whose saved probabilities it reads. With
// Σ_s A = 1 on a supervised row, dloss/dscore_s = λ/N · (P_s − A_s); the
// forward pass keeps λ/N · (P − A) · scale (the derivative with respect to
// Q Kᵀ) and the two backward kernels multiply it out as the attention op
// does, for head h only.
type guidedOp struct {
	*kernel
	att    *attentionOp
	head   int
	weight float32 // λ

	links   bufRef // [B, T, S] A; rows without links are zero
	dscores bufRef // [B, T, S] λ/N · (P − A) · scale
	rows    []bool // [B·T] supervised rows of the loaded batch

	count float64 // supervised rows of the last run (N)
	ce    float64 // summed cross-entropy of the last run (without λ)
}

// minGuidedProb bounds the probabilities inside the logarithm: a link to a
// key whose probability underflowed in float32 costs at most −log(1e-30).
const minGuidedProb = 1e-30

func newGuidedOp(pool *bufferPool, att *attentionOp, head int, weight float32) *guidedOp {
	n := att.b * att.t * att.s
	o := &guidedOp{kernel: newKernel(pool, "guided", []int{2, 2, 2}, nil), att: att, head: head, weight: weight,
		links: pool.take(n), dscores: pool.take(n), rows: make([]bool, att.b*att.t)}
	o.forward = o.run
	o.wrt = []bool{true, true, false}
	o.derive = o.diff
	return o
}

// load fills A from the token links of each row of the batch: links[r]
// holds {source position, target position} pairs of row r (nil for a row
// without links or a padding row). Positions must be inside the bucket.
func (o *guidedOp) load(links [][]tokenLink) {
	a := o.links.get()
	clear(a)
	clear(o.rows)
	t, s := o.att.t, o.att.s
	perRow := make([]int, t)
	for r := 0; r < o.att.b && r < len(links); r++ {
		clear(perRow)
		for _, l := range links[r] {
			perRow[l.tgt]++
		}
		for _, l := range links[r] {
			a[(r*t+int(l.tgt))*s+int(l.src)] = 1 / float32(perRow[l.tgt])
			o.rows[r*t+int(l.tgt)] = true
		}
	}
}

// headRow returns head h's probabilities of row t of sequence b.
func (o *guidedOp) headRow(b, t int) []float32 {
	p := o.att.block(o.att.probs.get(), b, o.head).Data
	return p[t*o.att.s : (t+1)*o.att.s]
}

func (o *guidedOp) run(out []float32, _ [][]float32) {
	a, ds := o.links.get(), o.dscores.get()
	clear(ds)
	var count float64
	for _, sup := range o.rows {
		if sup {
			count++
		}
	}
	o.count, o.ce = count, 0
	out[0] = 0
	if count == 0 {
		return
	}
	s := o.att.s
	coef := o.weight / float32(count)
	var ce float64 // summed in row order: runs are reproducible
	for b := 0; b < o.att.b; b++ {
		for t := 0; t < o.att.t; t++ {
			i := b*o.att.t + t
			if !o.rows[i] {
				continue
			}
			p, ar, dr := o.headRow(b, t), a[i*s:(i+1)*s], ds[i*s:(i+1)*s]
			for j, w := range ar {
				if w > 0 {
					ce -= float64(w) * math.Log(max(float64(p[j]), minGuidedProb))
				}
				dr[j] = coef * (p[j] - w) * o.att.scale
			}
		}
	}
	o.ce = ce
	out[0] = float32(float64(o.weight) * ce / count)
}

func (o *guidedOp) diff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	att := o.att
	nq, nk, d := att.b*att.t, att.b*att.s, att.d()
	// dQ_h = g · dS K_h, other heads' columns zero   [B·T, D]
	dq := o.child("guided.dq", []int{0, 2}, tensor.Shape{nq, d})
	dq.forward = func(out []float32, in [][]float32) {
		clear(out)
		g, k := in[0][0], in[1]
		parallelRows(att.b, func(_, lo, hi int) {
			for b := lo; b < hi; b++ {
				blas32.Gemm(blas.NoTrans, blas.NoTrans, g, o.block(b), att.strided(k, b, att.s, o.head), 0, att.strided(out, b, att.t, o.head))
			}
		})
	}
	// dK_h = g · dSᵀ Q_h, other heads' columns zero   [B·S, D]
	dk := o.child("guided.dk", []int{0, 2}, tensor.Shape{nk, d})
	dk.forward = func(out []float32, in [][]float32) {
		clear(out)
		g, q := in[0][0], in[1]
		parallelRows(att.b, func(_, lo, hi int) {
			for b := lo; b < hi; b++ {
				blas32.Gemm(blas.Trans, blas.NoTrans, g, o.block(b), att.strided(q, b, att.t, o.head), 0, att.strided(out, b, att.s, o.head))
			}
		})
	}
	dqn, err := dq.apply(grad, inputs[1])
	if err != nil {
		return nil, err
	}
	dkn, err := dk.apply(grad, inputs[0])
	return gorgonia.Nodes{dqn, dkn, nil}, err
}

// block is the [T, S] slice of dS for sequence b.
func (o *guidedOp) block(b int) blas32.General {
	n := o.att.t * o.att.s
	return blas32.General{Rows: o.att.t, Cols: o.att.s, Stride: o.att.s, Data: o.dscores.get()[b*n : (b+1)*n]}
}
