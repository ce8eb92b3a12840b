package train

import (
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// newLinearOp is y = x·W + b for x [N, in], W [in, out] (the transpose of
// Hugging Face's [out, in]) and b [out], one BLAS product into a pooled
// buffer. Derivatives: dx = g·Wᵀ, dW = xᵀ·g, db = Σ_rows g.
func newLinearOp(pool *bufferPool, n, in, out int) *kernel {
	k := newKernel(pool, "linear", []int{2, 2, 1}, tensor.Shape{n, out})
	k.forward = func(y []float32, ins [][]float32) {
		x, w, b := ins[0], ins[1], ins[2]
		parallelFor(n, n*out, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				copy(y[i*out:(i+1)*out], b)
			}
		})
		gemm(false, false, n, out, in, 1, x, w, 1, y)
	}
	k.wrt = []bool{true, true, true}
	k.derive = func(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
		dx := k.child("linear.dx", []int{2, 2}, tensor.Shape{n, in})
		dx.forward = func(dst []float32, ins [][]float32) {
			gemm(false, true, n, in, out, 1, ins[0], ins[1], 0, dst)
		}
		dw := k.child("linear.dw", []int{2, 2}, tensor.Shape{in, out})
		dw.forward = func(dst []float32, ins [][]float32) {
			gemm(true, false, in, out, n, 1, ins[1], ins[0], 0, dst)
		}
		db := k.child("linear.db", []int{2}, tensor.Shape{out})
		db.forward = func(dst []float32, ins [][]float32) { columnSums(dst, ins[0]) }
		a, err := dx.apply(grad, inputs[1])
		if err != nil {
			return nil, err
		}
		b, err := dw.apply(grad, inputs[0])
		if err != nil {
			return nil, err
		}
		c, err := db.apply(grad)
		return gorgonia.Nodes{a, b, c}, err
	}
	return k
}
