package train

import (
	"math"
	"slices"

	ntensor "github.com/translated/translated/nmt/tensor"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// lossOp is the tied output projection fused with label-smoothed
// cross-entropy: logits = H Eᵀ + bias   [N, V], then for every row i whose
// target is not ignored
//
//	loss_i = lse_i − (1−ε)·z_{i,y} − ε·mean_v z_{i,v}
//
// (the cross-entropy against (1−ε)·onehot(y) + ε/V, as PyTorch's
// label_smoothing), averaged over the counted rows. With grads set, the
// forward pass also turns the logits buffer into dLoss/dlogits =
// (softmax − q)/count, which the two backward kernels multiply out; without
// it the buffer keeps the logits (evaluation, parity checks).
//
// With grads set, only the counted rows are projected: they are gathered
// into hc first, since a padded slot's gradient is zero and its product
// would be thrown away (about a sixth of the rows of a real batch). The
// logits buffer then holds those rows only, in order.
type lossOp struct {
	*kernel
	n, v, d   int
	smoothing float32
	targets   []int32   // [N]; -1 = not counted
	bias      []float32 // [V] final_logits_bias (not trained)
	logits    []float32 // [N, V], shared scratch
	grads     bool

	counted  []int   // indices of the counted rows of the last run (grads set)
	ctargets []int32 // their targets
	hc, dhc  bufRef  // [N, D]: the counted rows of H, and their gradient

	count float64 // counted targets of the last run
	nll   float64 // summed −log p(y) of the last run (unsmoothed)
}

func newLossOp(pool *bufferPool, n, v, d int, smoothing float32, bias, scratch []float32) *lossOp {
	o := &lossOp{kernel: newKernel(pool, "loss", []int{2, 2}, nil), n: n, v: v, d: d, smoothing: smoothing,
		targets: make([]int32, n), bias: bias, logits: scratch[:n*v], grads: true,
		counted: make([]int, 0, n), ctargets: make([]int32, 0, n), hc: pool.take(n * d), dhc: pool.take(n * d)}
	o.forward = o.run
	o.wrt = []bool{true, true}
	o.derive = o.diff
	return o
}

func (o *lossOp) run(out []float32, in [][]float32) {
	h, e := in[0], in[1]
	rows, targets := o.n, o.targets
	if o.grads {
		// H's counted rows, in order   [C, D]
		d, hc := o.d, o.hc.get()
		o.counted, o.ctargets = o.counted[:0], o.ctargets[:0]
		for i, y := range o.targets {
			if y >= 0 {
				c := len(o.counted)
				copy(hc[c*d:(c+1)*d], h[i*d:(i+1)*d])
				o.counted, o.ctargets = append(o.counted, i), append(o.ctargets, y)
			}
		}
		h, rows, targets = hc, len(o.counted), o.ctargets
	}
	gemm(false, true, rows, o.v, o.d, 1, h, e, 0, o.logits[:rows*o.v])
	var count float64
	for _, y := range targets {
		if y >= 0 {
			count++
		}
	}
	parts := make([][2]float64, rowWorkers(rows))
	parallelRows(rows, func(w, lo, hi int) {
		parts[w][0], parts[w][1] = o.rows(targets, lo, hi, count)
	})
	var total, nll float64
	for _, p := range parts { // summed in a fixed order: runs are reproducible
		total += p[0]
		nll += p[1]
	}
	o.count, o.nll = count, nll
	if count > 0 {
		out[0] = float32(total / count)
	} else {
		out[0] = 0
	}
}

// rows computes the loss terms of rows [lo, hi) and, with grads set,
// replaces their logits by the gradient. It returns the summed smoothed
// loss and the summed NLL of those rows. Every pass over a row runs on
// the engine's AVX2 kernels.
func (o *lossOp) rows(targets []int32, lo, hi int, count float64) (total, nll float64) {
	eps := float64(o.smoothing)
	biased := slices.ContainsFunc(o.bias, func(b float32) bool { return b != 0 })
	for i := lo; i < hi; i++ {
		row := o.logits[i*o.v : (i+1)*o.v]
		y := int(targets[i])
		if y < 0 {
			if o.grads {
				clear(row)
			} else {
				ntensor.Add(row, o.bias)
			}
			continue
		}
		if biased {
			ntensor.AddTo(row, row, o.bias)
		}
		zsum := ntensor.Sum(row)
		zy := float64(row[y])
		mx := ntensor.Max(row)
		var lse float64
		if o.grads {
			// exp(z − max) in place; the sum is at least exp(0) = 1
			sum := ntensor.ExpSum(row, row, mx)
			lse = float64(mx) + math.Log(float64(sum))
			// dL/dz_v = (softmax_v − q_v)/count, q = (1−ε)·onehot(y) + ε/V
			inv := float32(1 / count)
			scale := 1 / sum * inv
			off := float32(eps / float64(o.v) / count)
			ntensor.ScaleAdd(row, scale, -off) // e·scale − off
			row[y] -= float32(1-eps) * inv
		} else {
			var sum float64
			for _, z := range row {
				sum += float64(expf(z - mx))
			}
			lse = float64(mx) + math.Log(sum)
		}
		nll += lse - zy
		total += lse - (1-eps)*zy - eps*zsum/float64(o.v)
	}
	return total, nll
}

func (o *lossOp) diff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	// dH = g · G E   [N, D]: the counted rows' product, zeros elsewhere
	dh := o.child("loss.dh", []int{0, 2}, tensor.Shape{o.n, o.d})
	dh.forward = func(out []float32, in [][]float32) {
		c, d, dhc := len(o.counted), o.d, o.dhc.get()
		gemm(false, false, c, d, o.v, in[0][0], o.logits[:c*o.v], in[1], 0, dhc[:c*d])
		clear(out)
		for j, i := range o.counted {
			copy(out[i*d:(i+1)*d], dhc[j*d:(j+1)*d])
		}
	}
	// dE = g · Gᵀ H   [V, D], over the counted rows (H's input is the
	// graph's order; hc holds the rows the logits came from)
	de := o.child("loss.de", []int{0, 2}, tensor.Shape{o.v, o.d})
	de.forward = func(out []float32, in [][]float32) {
		c := len(o.counted)
		gemm(true, false, o.v, o.d, c, in[0][0], o.logits[:c*o.v], o.hc.get()[:c*o.d], 0, out)
	}
	a, err := dh.apply(grad, inputs[1])
	if err != nil {
		return nil, err
	}
	b, err := de.apply(grad, inputs[0])
	return gorgonia.Nodes{a, b}, err
}
