package train

import (
	ntensor "github.com/translated/translated/nmt/tensor"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// splitEngine is the tensor engine of the bucket graphs' tape machines.
// It is gorgonia's standard engine except for Add of two float32 tensors
// of the same shape, which gorgonia uses to sum the gradients a node
// receives from its several consumers: those sums are split over
// goroutines. Each element is still one float32 addition a[i] + b[i], so
// the results are those of the standard engine, bit for bit.
type splitEngine struct{ gorgonia.StandardEngine }

// Add computes a + b, into the reuse tensor if one is given, into a when
// asked to work in place, and into a new tensor otherwise. Anything other
// than two dense, contiguous float32 tensors of one shape (and an
// increment, which gorgonia's backward pass does not ask for) goes to the
// standard engine.
func (e splitEngine) Add(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	fo := tensor.ParseFuncOpts(opts...)
	x, xs := plainF32(a)
	y, ys := plainF32(b)
	if x == nil || y == nil || fo.Incr() != nil || !x.Shape().Eq(y.Shape()) {
		return e.StandardEngine.Add(a, b, opts...)
	}
	var dst *tensor.Dense
	var out []float32
	switch {
	case fo.Reuse() != nil:
		if dst, out = plainF32(fo.Reuse()); dst == nil || len(out) != len(xs) {
			return e.StandardEngine.Add(a, b, opts...)
		}
	case !fo.Safe():
		dst, out = x, xs
	default:
		dst = tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(x.Shape().Clone()...), tensor.WithEngine(e))
		out = dst.Data().([]float32)
	}
	parallelFor(len(out), len(out), func(lo, hi int) {
		ntensor.AddTo(out[lo:hi], xs[lo:hi], ys[lo:hi])
	})
	return dst, nil
}

// plainF32 returns t and its values when t is a dense float32 tensor laid
// out contiguously in row-major order, and nil otherwise.
func plainF32(t tensor.Tensor) (*tensor.Dense, []float32) {
	d, ok := t.(*tensor.Dense)
	if !ok || d.IsView() || d.IsMaterializable() || !d.DataOrder().IsRowMajor() || d.Dtype() != tensor.Float32 {
		return nil, nil
	}
	data, ok := d.Data().([]float32)
	if !ok || len(data) != d.Shape().TotalSize() {
		return nil, nil
	}
	return d, data
}
