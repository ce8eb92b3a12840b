package train

import (
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// embedOp looks up token embeddings, scales them by sqrt(D) and adds the
// sinusoidal position of each slot: out[b·L+t] = E[ids[b·L+t]]·scale + pos[t].
// The pad row receives no gradient (PyTorch's padding_idx), so it stays zero.
type embedOp struct {
	*kernel
	ids   []int32   // [B·L], filled before each run
	pos   []float32 // [L, D]
	scale float32
	pad   int32
	l, d  int
}

func newEmbedOp(pool *bufferPool, b, l, d int, scale float32, pad int32) *embedOp {
	e := &embedOp{kernel: newKernel(pool, "embed", []int{2}, tensor.Shape{b * l, d}),
		ids: make([]int32, b*l), pos: sinusoidalPositions(l, d), scale: scale, pad: pad, l: l, d: d}
	e.forward = e.run
	e.wrt = []bool{true}
	e.derive = e.diff
	return e
}

// sinusoidalPositions returns the Marian position table [n, d]: for
// j < d/2, row p holds sin(p / 10000^(2j/d)) in column j and
// cos(p / 10000^(2j/d)) in column j + d/2.
func sinusoidalPositions(n, d int) []float32 {
	out := make([]float32, n*d)
	half := d / 2
	for p := 0; p < n; p++ {
		for j := 0; j < half; j++ {
			angle := float64(p) / math.Pow(10000, float64(2*j)/float64(d))
			out[p*d+j] = float32(math.Sin(angle))
			out[p*d+half+j] = float32(math.Cos(angle))
		}
	}
	return out
}

func (e *embedOp) run(out []float32, in [][]float32) {
	table := in[0] // [V, D]
	d := e.d
	parallelFor(len(e.ids), len(out), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			id := e.ids[i]
			row := out[i*d : (i+1)*d]
			src := table[int(id)*d : (int(id)+1)*d]
			pos := e.pos[(i%e.l)*d : (i%e.l+1)*d]
			for j := range row {
				row[j] = src[j]*e.scale + pos[j]
			}
		}
	})
}

func (e *embedOp) diff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	vd := inputs[0].Shape()
	k := e.child("embed.scatter", []int{2}, tensor.Shape{vd[0], vd[1]})
	k.forward = func(out []float32, in [][]float32) {
		g, d := in[0], e.d
		// Split over columns: a row of the table receives the tokens'
		// gradients in token order, however many goroutines share the work.
		parallelFor(d, len(out), func(lo, hi int) {
			for r := 0; r+d <= len(out); r += d {
				clear(out[r+lo : r+hi])
			}
			for i, id := range e.ids {
				if id == e.pad {
					continue
				}
				dst := out[int(id)*d+lo : int(id)*d+hi]
				src := g[i*d+lo : i*d+hi]
				for j := range dst {
					dst[j] += src[j] * e.scale
				}
			}
		})
	}
	n, err := k.apply(grad)
	return gorgonia.Nodes{n}, err
}
