package train

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kernel is a custom gorgonia Op over float32 tensors whose forward pass
// and derivative are written by hand. Graphs have fixed shapes, so a kernel
// knows its output shape when it is built; its output buffer comes from a
// bufferPool shared by all bucket graphs, and it overwrites it on every
// run (no allocation per step).
//
// Every kernel carries a unique id in its hash: gorgonia merges nodes with
// equal hashes, and two kernels of the same kind must never be merged since
// each owns per-step state (ids, masks, saved statistics).
type kernel struct {
	name    string
	id      uint64
	inDims  []int        // rank of each input (0 = scalar)
	shape   tensor.Shape // output shape; empty for a scalar
	forward func(out []float32, in [][]float32)
	// derive returns one gradient node per input (nil where wrt is false).
	derive func(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error)
	wrt    []bool

	pool *bufferPool
	out  bufRef // output buffer (unused for scalar outputs)
}

// bufferPool holds the buffers of kernels (outputs and values saved for the
// backward pass). Graphs run one at a time, so the i-th buffer of every
// bucket graph is the same slot, grown to the largest size asked for: the
// memory of all graphs together is that of the largest one.
type bufferPool struct {
	slots [][]float32
	next  int // slot handed out next while a graph is being built
}

// bufRef names n values of a pool slot.
type bufRef struct {
	pool    *bufferPool
	slot, n int
}

// begin starts handing out slots for a new graph.
func (p *bufferPool) begin() { p.next = 0 }

// take reserves the next slot for n values.
func (p *bufferPool) take(n int) bufRef {
	if p.next == len(p.slots) {
		p.slots = append(p.slots, nil)
	}
	if len(p.slots[p.next]) < n {
		p.slots[p.next] = make([]float32, n)
	}
	r := bufRef{pool: p, slot: p.next, n: n}
	p.next++
	return r
}

// get returns the buffer (valid until the slot grows; call it at run time).
func (r bufRef) get() []float32 { return r.pool.slots[r.slot][:r.n] }

var kernelIDs atomic.Uint64

func newKernel(pool *bufferPool, name string, inDims []int, shape tensor.Shape) *kernel {
	k := &kernel{name: name, id: kernelIDs.Add(1), inDims: inDims, shape: shape, pool: pool}
	if len(shape) > 0 {
		k.out = pool.take(shape.TotalSize())
	}
	return k
}

// child makes a kernel (typically a derivative) drawing on the same pool.
func (k *kernel) child(name string, inDims []int, shape tensor.Shape) *kernel {
	return newKernel(k.pool, name, inDims, shape)
}

func dimsType(d int) hm.Type {
	if d == 0 {
		return tensor.Float32
	}
	return gorgonia.TensorType{Dims: d, Of: tensor.Float32}
}

func (k *kernel) Arity() int { return len(k.inDims) }

func (k *kernel) Type() hm.Type {
	ts := make([]hm.Type, 0, len(k.inDims)+1)
	for _, d := range k.inDims {
		ts = append(ts, dimsType(d))
	}
	ts = append(ts, dimsType(len(k.shape)))
	return hm.NewFnType(ts...)
}

func (k *kernel) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(k.shape) == 0 {
		return tensor.ScalarShape(), nil
	}
	return k.shape.Clone(), nil
}

func (k *kernel) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != len(k.inDims) {
		return nil, fmt.Errorf("%s: got %d inputs, want %d", k.name, len(vals), len(k.inDims))
	}
	in := make([][]float32, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case *tensor.Dense:
			d, ok := v.Data().([]float32)
			if !ok {
				return nil, fmt.Errorf("%s: input %d is %v, want float32", k.name, i, v.Dtype())
			}
			in[i] = d
		case *gorgonia.F32:
			in[i] = []float32{float32(*v)}
		default:
			return nil, fmt.Errorf("%s: input %d has unexpected type %T", k.name, i, v)
		}
	}
	if len(k.shape) == 0 {
		var s [1]float32
		k.forward(s[:], in)
		return gorgonia.NewF32(s[0]), nil
	}
	out := k.out.get()
	k.forward(out, in)
	return tensor.New(tensor.WithShape(k.shape...), tensor.WithBacking(out)), nil
}

func (k *kernel) ReturnsPtr() bool     { return false }
func (k *kernel) CallsExtern() bool    { return false }
func (k *kernel) OverwritesInput() int { return -1 }
func (k *kernel) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "%s#%d", k.name, k.id)
}
func (k *kernel) Hashcode() uint32 {
	h := fnv.New32a()
	k.WriteHash(h)
	return h.Sum32()
}
func (k *kernel) String() string { return fmt.Sprintf("%s#%d", k.name, k.id) }

func (k *kernel) DiffWRT(n int) []bool {
	if k.wrt != nil {
		return k.wrt
	}
	return make([]bool, n)
}

func (k *kernel) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if k.derive == nil {
		return nil, fmt.Errorf("%s is not differentiable", k.name)
	}
	return k.derive(inputs, output, grad)
}

// apply adds the kernel to the graph of its first input.
func (k *kernel) apply(inputs ...*gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(k, inputs...)
}

// gemm computes c = alpha·op(a)·op(b) + beta·c for row-major matrices,
// op(a) being [m,k] and op(b) [k,n]. Large products are split by rows of c
// over rowWorkers goroutines, each a single-threaded BLAS call.
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, b []float32, beta float32, c []float32) {
	ta, tb := blas.NoTrans, blas.NoTrans
	lda, ldb := k, n
	if transA {
		ta, lda = blas.Trans, m
	}
	if transB {
		tb, ldb = blas.Trans, k
	}
	impl := blas32.Implementation()
	if m*n*k < 1<<21 || m < 64 {
		impl.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n)
		return
	}
	parallelRows(m, func(_, lo, hi int) {
		// rows lo..hi of op(a): with transA they are columns of a
		aOff := lo * lda
		if transA {
			aOff = lo
		}
		impl.Sgemm(ta, tb, hi-lo, n, k, alpha, a[aOff:], lda, b, ldb, beta, c[lo*n:hi*n], n)
	})
}
