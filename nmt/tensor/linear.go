package tensor

import "fmt"

// panelWidth is the number of output columns a kernel call covers: two AVX
// registers of eight float32 each.
const panelWidth = 16

// Linear is an affine map y = x·Wᵀ + b with W of shape [N, K] (PyTorch
// nn.Linear layout: out × in), stored packed for the kernels.
//
// The packed layout cuts W's N output rows into panels of 16; panel p holds,
// for each k in order, the 16 values W[16p+c][k] (c = 0..15) side by side, so
// a kernel reads one panel as a single forward stream. The last panel is
// padded with zero rows. The bias is padded the same way. A Linear is
// immutable and safe for concurrent use.
type Linear struct {
	n, k   int
	panels []float32   // [ceil(N/16)][K][16]; nil for an int8 map
	q      *int8Panels // the int8 weights of NewLinearInt8, else nil
	bias   []float32   // [ceil(N/16)*16], nil when the map has no bias
}

// NewLinear packs w ([n, k], row-major) and copies b ([n] or nil).
func NewLinear(w, b []float32, n, k int) *Linear { return newLinear("NewLinear", w, b, n, k, false) }

// newLinear packs w ([n, k]) as float32 or int8 with the bias b, the
// arguments checked for the function named.
func newLinear(name string, w, b []float32, n, k int, asInt8 bool) *Linear {
	if n <= 0 || k <= 0 || len(w) != n*k || (b != nil && len(b) != n) {
		panic(fmt.Sprintf("tensor.%s: weight of %d values, bias of %d for shape [%d, %d]", name, len(w), len(b), n, k))
	}
	lb := NewLinearBuilder(n, k, asInt8)
	if err := lb.SetRows(0, w); err != nil {
		panic(fmt.Sprintf("tensor.%s: %v", name, err))
	}
	return lb.Build(b)
}

// Out is N, the number of outputs.
func (l *Linear) Out() int { return l.n }

// In is K, the number of inputs.
func (l *Linear) In() int { return l.k }

// Weight writes W back in its [N, K] row-major layout into dst (for an int8
// map, the quantized values times their scales).
func (l *Linear) Weight(dst []float32) {
	if len(dst) != l.n*l.k {
		panic(fmt.Sprintf("tensor.Linear.Weight: dst has %d values, want %d", len(dst), l.n*l.k))
	}
	if l.q != nil {
		l.weightInt8(dst)
		return
	}
	for r := 0; r < l.n; r++ {
		p, c := r/panelWidth, r%panelWidth
		src := l.panels[p*l.k*panelWidth:]
		row := dst[r*l.k : (r+1)*l.k]
		for j := range row {
			row[j] = src[j*panelWidth+c]
		}
	}
}

// Bias returns a copy of b, or nil when the map has none.
func (l *Linear) Bias() []float32 {
	if l.bias == nil {
		return nil
	}
	return append([]float32(nil), l.bias[:l.n]...)
}

// Apply computes dst[m, N] = x[m, K]·Wᵀ + b for m rows of x.
//
// Each output element is accumulated in the order b, then k = 0, 1, ..., K-1,
// whatever m is and however the work is split, so a row's result does not
// depend on the other rows in the batch nor on the number of threads. Large
// products are split by output columns over up to Threads() goroutines.
func (l *Linear) Apply(dst, x []float32, m int) {
	n, k := l.n, l.k
	if m < 0 || len(x) < m*k || len(dst) < m*n {
		panic(fmt.Sprintf("tensor.Linear.Apply: %d rows need x of %d and dst of %d values, got %d and %d", m, m*k, m*n, len(x), len(dst)))
	}
	if m == 0 {
		return
	}
	if l.q != nil {
		l.applyInt8(dst, x, m)
		return
	}
	np := (n + panelWidth - 1) / panelWidth
	parallel(l, dst, x, m, np)
}

// applyPanels computes the output columns of panels [p0, p1).
func (l *Linear) applyPanels(dst, x []float32, m, p0, p1 int) {
	n, k := l.n, l.k
	full := n / panelWidth // panels whose 16 columns all exist
	pstride := k * panelWidth
	p := l.widePanels(dst, x, m, p0, min(full, p1))
	if m == 1 {
		// One row: four panels at a time keep eight accumulators busy.
		for ; p+4 <= min(full, p1); p += 4 {
			kernel1x4(k, x, l.panels[p*pstride:], pstride, l.biasFrom(p), dst[p*panelWidth:])
		}
	}
	var tile [6 * panelWidth]float32
	for ; p < p1; p++ {
		panel := l.panels[p*pstride : (p+1)*pstride]
		bias := l.biasAt(p)
		if p < full {
			applyPanel(k, x, m, panel, bias, dst[p*panelWidth:], n)
			continue
		}
		// The last, partial panel goes through a tile so that no column
		// beyond N is written.
		cols := n - p*panelWidth
		for i := 0; i < m; i += 6 {
			rows := min(6, m-i)
			applyPanel(k, x[i*k:], rows, panel, bias, tile[:], panelWidth)
			for r := 0; r < rows; r++ {
				copy(dst[(i+r)*n+p*panelWidth:(i+r)*n+p*panelWidth+cols], tile[r*panelWidth:r*panelWidth+cols])
			}
		}
	}
}

// biasAt is panel p's 16 bias values, nil when the map has no bias.
func (l *Linear) biasAt(p int) []float32 {
	if l.bias == nil {
		return nil
	}
	return l.bias[p*panelWidth : (p+1)*panelWidth]
}

// biasFrom is the bias from panel p on, nil when the map has no bias.
func (l *Linear) biasFrom(p int) []float32 {
	if l.bias == nil {
		return nil
	}
	return l.bias[p*panelWidth:]
}

// applyPanel runs the row kernels down one panel: blocks of six rows, then
// four, two and one.
func applyPanel(k int, x []float32, m int, panel, bias, c []float32, ldc int) {
	i := 0
	for ; i+6 <= m; i += 6 {
		kernel6x1(k, x[i*k:], panel, bias, c[i*ldc:], ldc)
	}
	for ; i+4 <= m; i += 4 {
		kernel4x1(k, x[i*k:], panel, bias, c[i*ldc:], ldc)
	}
	for ; i+2 <= m; i += 2 {
		kernel2x1(k, x[i*k:], panel, bias, c[i*ldc:], ldc)
	}
	for ; i < m; i++ {
		kernel1x1(k, x[i*k:], panel, bias, c[i*ldc:])
	}
}
