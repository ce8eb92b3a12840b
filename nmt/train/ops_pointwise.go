package train

import (
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// newBiasOp adds a bias row to every row of x: y[i, j] = x[i, j] + b[j].
func newBiasOp(pool *bufferPool, n, d int) *kernel {
	k := newKernel(pool, "bias", []int{2, 1}, tensor.Shape{n, d})
	k.forward = func(out []float32, in [][]float32) {
		x, b := in[0], in[1]
		for i := 0; i < n; i++ {
			row, src := out[i*d:(i+1)*d], x[i*d:(i+1)*d]
			for j := range row {
				row[j] = src[j] + b[j]
			}
		}
	}
	k.wrt = []bool{true, true}
	k.derive = func(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		db := k.child("bias.db", []int{2}, tensor.Shape{d})
		db.forward = func(out []float32, in [][]float32) { columnSums(out, in[0]) }
		n, err := db.apply(grad)
		return gorgonia.Nodes{grad, n}, err
	}
	return k
}

// newActivationOp applies swish (x·sigmoid(x), also called SiLU) or relu
// elementwise to an [n, d] tensor. Swish keeps sigmoid(x) for its derivative
// s + x·s·(1−s).
func newActivationOp(pool *bufferPool, kind string, n, d int) *kernel {
	k := newKernel(pool, "act."+kind, []int{2}, tensor.Shape{n, d})
	swish := kind != "relu"
	var sigRef bufRef
	if swish {
		sigRef = pool.take(n * d)
	}
	k.forward = func(out []float32, in [][]float32) {
		x := in[0]
		var sig []float32
		if swish {
			sig = sigRef.get()
		}
		parallelRows(n, func(_, lo, hi int) {
			for i := lo * d; i < hi*d; i++ {
				if swish {
					s := sigmoid(x[i])
					sig[i] = s
					out[i] = x[i] * s
				} else {
					out[i] = max(x[i], 0)
				}
			}
		})
	}
	k.wrt = []bool{true}
	k.derive = func(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		dk := k.child("act."+kind+".dx", []int{2, 2}, tensor.Shape{n, d})
		dk.forward = func(out []float32, in [][]float32) {
			g, xs := in[0], in[1]
			var sig []float32
			if swish {
				sig = sigRef.get()
			}
			parallelRows(n, func(_, lo, hi int) {
				for i := lo * d; i < hi*d; i++ {
					switch {
					case swish:
						s := sig[i]
						out[i] = g[i] * (s + xs[i]*s*(1-s))
					case xs[i] > 0:
						out[i] = g[i]
					default:
						out[i] = 0
					}
				}
			})
		}
		n, err := dk.apply(grad, inputs[0])
		return gorgonia.Nodes{n}, err
	}
	return k
}

// dropoutOp zeroes each element with probability p and scales the others
// by 1/(1−p) (inverted dropout). Its mask is drawn by the trainer from a
// seeded generator before each step, so a resumed run draws the same masks.
type dropoutOp struct {
	*kernel
	mask bufRef
	p    float32
}

func newDropoutOp(pool *bufferPool, n, d int, p float32) *dropoutOp {
	o := &dropoutOp{kernel: newKernel(pool, "dropout", []int{2}, tensor.Shape{n, d}), mask: pool.take(n * d), p: p}
	o.forward = func(out []float32, in [][]float32) {
		mask := o.mask.get()
		for i, x := range in[0] {
			out[i] = x * mask[i]
		}
	}
	o.wrt = []bool{true}
	o.derive = func(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		dk := o.child("dropout.dx", []int{2}, tensor.Shape{n, d})
		dk.forward = func(out []float32, in [][]float32) {
			mask := o.mask.get()
			for i, g := range in[0] {
				out[i] = g * mask[i]
			}
		}
		n, err := dk.apply(grad)
		return gorgonia.Nodes{n}, err
	}
	return o
}

// sample draws a fresh mask.
func (o *dropoutOp) sample(rng *rand.Rand) {
	keep := 1 / (1 - o.p)
	mask := o.mask.get()
	for i := range mask {
		if rng.Float32() < o.p {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
	}
}

// keepAll turns dropout off (evaluation).
func (o *dropoutOp) keepAll() {
	mask := o.mask.get()
	for i := range mask {
		mask[i] = 1
	}
}
