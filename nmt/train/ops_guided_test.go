package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// guidedFixture is one attention op over random queries, keys and values
// with the alignment loss of one head on top, compiled alone.
type guidedFixture struct {
	b, t, s, heads, d, head int
	weight                  float32
	q, k, v                 []float32
	keyLen                  []int
	links                   [][]tokenLink
	att                     *attentionOp
	op                      *guidedOp
	loss                    *gorgonia.Node
	dq, dk                  gorgonia.Value
	vm                      gorgonia.VM
}

func newGuidedFixture(t *testing.T) *guidedFixture {
	t.Helper()
	f := &guidedFixture{b: 2, t: 4, s: 5, heads: 2, d: 6, head: 1, weight: 0.7, keyLen: []int{5, 3},
		// rows (0,1), (1,0) and (1,2) have no link and count for nothing
		links: [][]tokenLink{
			{{src: 0, tgt: 0}, {src: 2, tgt: 0}, {src: 4, tgt: 2}, {src: 1, tgt: 3}},
			{{src: 0, tgt: 1}, {src: 1, tgt: 1}, {src: 2, tgt: 1}, {src: 2, tgt: 3}},
		}}
	rng := rand.New(rand.NewPCG(5, 6))
	random := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	f.q, f.k, f.v = random(f.b*f.t*f.d), random(f.b*f.s*f.d), random(f.b*f.s*f.d)
	g := gorgonia.NewGraph()
	node := func(name string, rows int, data []float32) *gorgonia.Node {
		val := tensor.New(tensor.WithShape(rows, f.d), tensor.WithBacking(data))
		return gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(rows, f.d), gorgonia.WithName(name), gorgonia.WithValue(val))
	}
	q, k, v := node("q", f.b*f.t, f.q), node("k", f.b*f.s, f.k), node("v", f.b*f.s, f.v)
	pool := &bufferPool{}
	f.att = newAttentionOp(pool, f.b, f.t, f.s, f.heads, f.d, false)
	copy(f.att.keyLen, f.keyLen)
	out, err := f.att.apply(q, k, v)
	if err != nil {
		t.Fatal(err)
	}
	f.op = newGuidedOp(pool, f.att, f.head, f.weight)
	if f.loss, err = f.op.apply(q, k, out); err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(f.loss, q, k)
	if err != nil {
		t.Fatal(err)
	}
	gorgonia.Read(grads[0], &f.dq)
	gorgonia.Read(grads[1], &f.dk)
	f.vm = gorgonia.NewTapeMachine(g)
	f.op.load(f.links)
	return f
}

func (f *guidedFixture) run(t *testing.T) float64 {
	t.Helper()
	defer f.vm.Reset()
	if err := f.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return float64(*f.loss.Value().(*gorgonia.F32))
}

// reference computes the loss in float64 straight from the definition:
// λ · mean over linked rows of −Σ_s A[s] log softmax(q·k/√dh)[s].
func (f *guidedFixture) reference() float64 {
	dh := f.d / f.heads
	var ce float64
	rows := 0
	for b, links := range f.links {
		perRow := map[int32][]int32{}
		for _, l := range links {
			perRow[l.tgt] = append(perRow[l.tgt], l.src)
		}
		for t, srcs := range perRow {
			scores := make([]float64, f.keyLen[b])
			mx := math.Inf(-1)
			for s := range scores {
				for c := 0; c < dh; c++ {
					col := f.head*dh + c
					scores[s] += float64(f.q[(b*f.t+int(t))*f.d+col]) * float64(f.k[(b*f.s+s)*f.d+col])
				}
				scores[s] /= math.Sqrt(float64(dh))
				mx = max(mx, scores[s])
			}
			var z float64
			for _, x := range scores {
				z += math.Exp(x - mx)
			}
			for _, s := range srcs {
				ce -= (scores[s] - mx - math.Log(z)) / float64(len(srcs))
			}
			rows++
		}
	}
	return float64(f.weight) * ce / float64(rows)
}

// TestGuidedLossValue: the op's loss equals the definition computed in
// float64 (tolerance 1e-5 relative: float32 softmax and logarithm).
func TestGuidedLossValue(t *testing.T) {
	f := newGuidedFixture(t)
	got, want := f.run(t), f.reference()
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Fatalf("guided loss %.7f, want %.7f", got, want)
	}
	if f.op.count != 5 {
		t.Errorf("%v supervised rows, want 5", f.op.count)
	}
}

// TestGuidedGradientCheck compares the op's hand-written derivative with
// respect to every query and key value with central finite differences
// of the loss (float32 loss, step 1e-2: tolerance 1e-3 absolute plus 1e-2
// relative). Columns of the other head must get exactly zero.
func TestGuidedGradientCheck(t *testing.T) {
	f := newGuidedFixture(t)
	f.run(t)
	analytic := map[string][]float32{
		"q": append([]float32(nil), f.dq.Data().([]float32)...),
		"k": append([]float32(nil), f.dk.Data().([]float32)...),
	}
	dh := f.d / f.heads
	const h = 1e-2
	nonzero := 0
	for _, in := range []struct {
		name string
		x    []float32
	}{{"q", f.q}, {"k", f.k}} {
		for i := range in.x {
			orig := in.x[i]
			in.x[i] = orig + h
			up := f.run(t)
			in.x[i] = orig - h
			down := f.run(t)
			in.x[i] = orig
			num := (up - down) / (2 * h)
			got := float64(analytic[in.name][i])
			if (i%f.d)/dh != f.head && got != 0 {
				t.Errorf("d%s[%d] = %g in a column of another head, want 0", in.name, i, got)
			}
			if math.Abs(num-got) > 1e-3+1e-2*math.Abs(num) {
				t.Errorf("d%s[%d]: analytic %.6f, numeric %.6f", in.name, i, got, num)
			}
			if math.Abs(got) > 1e-3 {
				nonzero++
			}
		}
	}
	if nonzero < 20 {
		t.Fatalf("only %d derivatives are clearly non-zero: the check proves little", nonzero)
	}
}

// TestGuidedNoLinks: a batch without links costs nothing and moves nothing.
func TestGuidedNoLinks(t *testing.T) {
	f := newGuidedFixture(t)
	f.op.load(nil)
	if loss := f.run(t); loss != 0 {
		t.Fatalf("loss %g without links, want 0", loss)
	}
	for _, g := range [][]float32{f.dq.Data().([]float32), f.dk.Data().([]float32)} {
		for i, v := range g {
			if v != 0 {
				t.Fatalf("gradient %d is %g without links, want 0", i, v)
			}
		}
	}
}
