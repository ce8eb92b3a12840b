package train

import (
	"math/rand/v2"

	ntensor "github.com/translated/translated/nmt/tensor"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// newActivationOp applies swish (x·sigmoid(x), also called SiLU; the
// engine's AVX2 kernel) or relu elementwise to an [n, d] tensor. The swish
// derivative s + x·s·(1−s) takes s = sigmoid(x) from the output as y/x
// (0.5 + x/4 near zero, where y/x loses precision).
func newActivationOp(pool *bufferPool, kind string, n, d int) *kernel {
	k := newKernel(pool, "act."+kind, []int{2}, tensor.Shape{n, d})
	swish := kind != "relu"
	k.forward = func(out []float32, in [][]float32) {
		x := in[0]
		parallelRows(n, func(_, lo, hi int) {
			dst, src := out[lo*d:hi*d], x[lo*d:hi*d]
			if swish {
				ntensor.SiLUTo(dst, src)
				return
			}
			for i, v := range src {
				dst[i] = max(v, 0)
			}
		})
	}
	k.wrt = []bool{true}
	k.derive = func(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		dk := k.child("act."+kind+".dx", []int{2, 2, 2}, tensor.Shape{n, d})
		dk.forward = func(out []float32, in [][]float32) {
			parallelRows(n, func(_, lo, hi int) {
				g, xs, ys, dst := in[0][lo*d:hi*d], in[1][lo*d:hi*d], in[2][lo*d:hi*d], out[lo*d:hi*d]
				if swish {
					ntensor.SwishGrad(dst, g, xs, ys)
					return
				}
				for i, x := range xs {
					if x > 0 {
						dst[i] = g[i]
					} else {
						dst[i] = 0
					}
				}
			})
		}
		n, err := dk.apply(grad, inputs[0], output)
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
	o.forward = func(out []float32, in [][]float32) { o.apply(out, in[0]) }
	o.wrt = []bool{true}
	o.derive = func(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		n, err := o.backward(grad)
		return gorgonia.Nodes{n}, err
	}
	return o
}

// backward applies the mask to the gradient grad: the derivative of the
// dropout, whether its forward pass ran as this kernel or inside a fused
// one (layerNormOp).
func (o *dropoutOp) backward(grad *gorgonia.Node) (*gorgonia.Node, error) {
	s := o.shape
	dk := o.child("dropout.dx", []int{2}, tensor.Shape{s[0], s[1]})
	dk.forward = func(out []float32, in [][]float32) { o.apply(out, in[0]) }
	return dk.apply(grad)
}

// apply sets out = x ⊙ mask (forward) or g ⊙ mask (backward), split over
// goroutines.
func (o *dropoutOp) apply(out, x []float32) {
	mask := o.mask.get()
	parallelFor(len(x), len(x), func(lo, hi int) {
		ntensor.MulTo(out[lo:hi], x[lo:hi], mask[lo:hi])
	})
}

// sample draws a fresh mask, on one goroutine: the draws must stay in
// order. Each draw of 64 bits decides four elements, 16 bits each; the
// choice is made without a branch, which the CPU could not predict.
func (o *dropoutOp) sample(rng *rand.Rand) {
	values := [2]float32{1 / (1 - o.p), 0} // kept, dropped
	drop := uint64(float64(o.p) * 65536)   // p in steps of 2^-16
	mask := o.mask.get()
	for i := 0; i < len(mask); i += 4 {
		bits := rng.Uint64()
		for j := i; j < min(i+4, len(mask)); j++ {
			dropped := 0
			if bits&0xffff < drop {
				dropped = 1
			}
			mask[j] = values[dropped]
			bits >>= 16
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
