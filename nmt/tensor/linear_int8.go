package tensor

import (
	"fmt"
	"math"
	"sync"
)

// int8Panels are the weights of a Linear quantized to int8 with one scale
// per output (per row of W): W[n][k] ≈ scale[n]·q[n][k], q in [−127, 127],
// scale[n] = max_k |W[n][k]| / 127.
//
// Layout: the panels of 16 outputs of the float32 map, each holding, for
// every group of four inputs k = 4j…4j+3 in order, the four values of
// output 0, then of output 1, … of output 15: 64 bytes per group, the
// operand of one VPDPBUSD. K is padded with zeros to a multiple of 4, N with
// zero rows to a multiple of 16.
type int8Panels struct {
	kq    int       // groups of four inputs: ⌈K/4⌉
	data  []int8    // [np][kq][16][4], np even (zero panels at the end)
	scale []float32 // [np·16]
	qsum  []float32 // [np·16]: Σ_k q[n][k] (exact in float32), see applyInt8
}

// newInt8Panels makes zero panels for n outputs and k inputs: an even
// number of panels, so that the kernels always take two.
func newInt8Panels(n, k int) *int8Panels {
	np := (n + 2*panelWidth - 1) / (2 * panelWidth) * 2
	kq := (k + 3) / 4
	return &int8Panels{kq: kq, data: make([]int8, np*kq*panelWidth*4), scale: make([]float32, np*panelWidth), qsum: make([]float32, np*panelWidth)}
}

// panels is the number of panels, even.
func (q *int8Panels) panels() int { return len(q.scale) / panelWidth }

// NewLinearInt8 quantizes w ([n, k], row-major) to int8 with one scale per
// output (QuantizeRows) and copies b ([n] or nil). Apply then multiplies
// int8 by 8 bits: each row of x is quantized to unsigned bytes over its
// own range (min x to max x in 255 steps, rounded to nearest) and the
// integer products are summed exactly, scaled back and the bias added. The result differs from the
// float32 product by the rounding of weights and inputs (about 1 % of each
// term), not by the batch or the number of threads. A Linear so made is
// immutable and safe for concurrent use.
func NewLinearInt8(w, b []float32, n, k int) *Linear {
	return newLinear("NewLinearInt8", w, b, n, k, true)
}

// QuantizeRows quantizes w ([n, k], row-major) to int8 with one scale per
// row: scale[r] = max_j |w[r][j]| / 127 and q[r][j] = round(w[r][j] /
// scale[r]) (half to even), so that w ≈ scale·q; a row of zeros has scale 0.
func QuantizeRows(w []float32, n, k int) (q []int8, scale []float32) {
	if len(w) != n*k {
		panic(fmt.Sprintf("tensor.QuantizeRows: %d values for shape [%d, %d]", len(w), n, k))
	}
	q, scale = make([]int8, n*k), make([]float32, n)
	for r := 0; r < n; r++ {
		scale[r] = quantizeWeights(q[r*k:(r+1)*k], w[r*k:(r+1)*k])
	}
	return q, scale
}

// quantizeWeights writes round(w[j]·127/max|w|) into q and returns the
// scale max|w|/127 (0 for a row of zeros, whose q stay 0).
func quantizeWeights(q []int8, w []float32) float32 {
	lo, hi := minMax(w)
	amax := max(-lo, hi, 0)
	if amax == 0 {
		clear(q)
		return 0
	}
	quantizeSigned(q, w, 127/amax)
	return amax / 127
}

// NewLinearQuantized builds an int8 map (see NewLinearInt8) from weights
// already quantized: q ([n, k], row-major) with one scale per row, as
// QuantizeRows gives them or Int8Weights returns them, and the bias b ([n]
// or nil). The values are copied.
func NewLinearQuantized(q []int8, scale, b []float32, n, k int) *Linear {
	if n <= 0 || k <= 0 || len(q) != n*k || len(scale) != n || (b != nil && len(b) != n) {
		panic(fmt.Sprintf("tensor.NewLinearQuantized: %d weights, %d scales, bias of %d for shape [%d, %d]", len(q), len(scale), len(b), n, k))
	}
	lb := NewLinearBuilder(n, k, true)
	lb.SetRowsInt8(0, q, scale)
	return lb.Build(b)
}

// Int8Weights returns a copy of an int8 map's quantized weights ([N, K],
// row-major) and their per-row scales, the arguments NewLinearQuantized
// takes back; nil, nil for a float32 map.
func (l *Linear) Int8Weights() (q []int8, scale []float32) {
	if l.q == nil {
		return nil, nil
	}
	q = make([]int8, l.n*l.k)
	for r := 0; r < l.n; r++ {
		panel := l.q.data[(r/panelWidth)*l.q.kq*panelWidth*4:]
		c := r % panelWidth
		for j := 0; j < l.k; j++ {
			q[r*l.k+j] = panel[(j/4)*panelWidth*4+c*4+j%4]
		}
	}
	return q, append([]float32(nil), l.q.scale[:l.n]...)
}

// WithBias returns a map with l's weights, shared and not copied, and the
// bias b ([N] or nil) instead of l's: two models tied to one embedding
// matrix keep one copy of it and each its own output bias.
func (l *Linear) WithBias(b []float32) *Linear {
	if b != nil && len(b) != l.n {
		panic(fmt.Sprintf("tensor.Linear.WithBias: bias of %d for %d outputs", len(b), l.n))
	}
	c := *l
	c.bias = nil
	if b != nil {
		c.bias = make([]float32, l.biasLen())
		copy(c.bias, b)
	}
	return &c
}

// Int8 reports whether the map holds int8 weights (NewLinearInt8).
func (l *Linear) Int8() bool { return l.q != nil }

// weightInt8 writes the dequantized W ([N, K]) into dst.
func (l *Linear) weightInt8(dst []float32) {
	q := l.q
	for r := 0; r < l.n; r++ {
		p, c := r/panelWidth, r%panelWidth
		panel := q.data[p*q.kq*panelWidth*4:]
		row := dst[r*l.k : (r+1)*l.k]
		for j := range row {
			row[j] = float32(panel[(j/4)*panelWidth*4+c*4+j%4]) * q.scale[r]
		}
	}
}

// WeightRow writes row r of W ([K], dequantized for an int8 map) into dst:
// the row an embedding lookup reads when the map is a tied embedding.
func (l *Linear) WeightRow(dst []float32, r int) {
	if len(dst) != l.k || r < 0 || r >= l.n {
		panic(fmt.Sprintf("tensor.Linear.WeightRow: row %d of %d into %d values, want %d", r, l.n, len(dst), l.k))
	}
	p, c := r/panelWidth, r%panelWidth
	if l.q != nil {
		panel := l.q.data[p*l.q.kq*panelWidth*4:]
		s := l.q.scale[r]
		for j := range dst {
			dst[j] = float32(panel[(j/4)*panelWidth*4+c*4+j%4]) * s
		}
		return
	}
	panel := l.panels[p*l.k*panelWidth:]
	for j := range dst {
		dst[j] = panel[j*panelWidth+c]
	}
}

// quantized is one product's inputs quantized: row i of x as unsigned
// bytes u (kq groups of four, zero-padded) with x ≈ scale·u + zero. The
// rows are padded with zero rows to a multiple of four, which the kernels
// may read (never write out).
type quantized struct {
	x     []uint8   // [⌈m/4⌉·4][kq·4]
	scale []float32 // [⌈m/4⌉·4]
	zero  []float32 // [⌈m/4⌉·4]: the row's smallest value
}

var quantizedPool = sync.Pool{New: func() any { return new(quantized) }}

// applyInt8 is Apply for an int8 map: x is quantized row by row, then the
// column panels are computed, split over goroutines like the float32 ones.
//
// With x[k] ≈ xs·u[k] + x0 and W[n][k] ≈ ws[n]·q[n][k]:
// y[n] = ws[n]·(xs·Σ_k u[k]·q[n][k] + x0·Σ_k q[n][k]) + b[n], the integer
// sum exact (VPDPBUSD multiplies unsigned bytes by signed ones).
func (l *Linear) applyInt8(dst, x []float32, m int) {
	qx := quantizedPool.Get().(*quantized)
	stride := l.q.kq * 4
	m4 := (m + 3) &^ 3
	if cap(qx.x) < m4*stride+8 {
		qx.x = make([]uint8, m4*stride+8) // slack for an eight-byte read at the end
	}
	if cap(qx.scale) < m4 {
		qx.scale, qx.zero = make([]float32, m4), make([]float32, m4)
	}
	qx.x, qx.scale, qx.zero = qx.x[:m4*stride], qx.scale[:m4], qx.zero[:m4]
	for i := 0; i < m; i++ {
		qx.scale[i], qx.zero[i] = quantizeRow(qx.x[i*stride:(i+1)*stride], x[i*l.k:(i+1)*l.k])
	}
	clear(qx.x[m*stride:])
	clear(qx.scale[m:])
	clear(qx.zero[m:])
	parallelInt8(l, dst, qx, m, l.q.panels())
	quantizedPool.Put(qx)
}

// quantizeRow writes x's values as unsigned bytes round((x − lo)·255/(hi −
// lo)) into dst (padding past len(x) with 0) and returns the scale
// (hi − lo)/255 and lo, the row's smallest and largest values being lo and
// hi. A constant row has scale 0; an infinite value gives a NaN scale (and
// NaN outputs); NaN values are skipped in lo and hi.
func quantizeRow(dst []uint8, x []float32) (scale, zero float32) {
	lo, hi := minMax(x)
	clear(dst[len(x):])
	width := hi - lo
	if !(width > 0) || width > math.MaxFloat32 {
		clear(dst[:len(x)])
		if width > math.MaxFloat32 || math.IsInf(float64(lo), 0) {
			return float32(math.NaN()), 0
		}
		return 0, lo
	}
	quantizeScaled(dst[:len(x)], x, lo, 255/width)
	return width / 255, lo
}

// applyPanelsInt8 computes the output columns of panels [p0, p1) (both
// even) from the quantized rows.
func (l *Linear) applyPanelsInt8(dst []float32, qx *quantized, m, p0, p1 int) {
	if l.pairsInt8(dst, qx, m, p0, p1) {
		return
	}
	n := l.n
	var tile [panelWidth]float32
	for p := p0; p < p1 && p*panelWidth < n; p++ {
		cols := min(panelWidth, n-p*panelWidth)
		for i := 0; i < m; i++ {
			// Through a tile, so that no column beyond N is written.
			l.genericTilesInt8(tile[:], panelWidth, qx, i, 1, p, 1)
			copy(dst[i*n+p*panelWidth:][:cols], tile[:cols])
		}
	}
}

// genericTilesInt8 computes count panels from p for rows [i, i+rows) into
// c (row r at c[(r−i)·ldc:]) with the Go kernel.
func (l *Linear) genericTilesInt8(c []float32, ldc int, qx *quantized, i, rows, p, count int) {
	q := l.q
	stride := q.kq * 4
	for pp := p; pp < p+count; pp++ {
		panel := q.data[pp*q.kq*panelWidth*4 : (pp+1)*q.kq*panelWidth*4]
		var bias []float32
		if l.bias != nil {
			bias = l.bias[pp*panelWidth : (pp+1)*panelWidth]
		}
		scale, qsum := q.scale[pp*panelWidth:(pp+1)*panelWidth], q.qsum[pp*panelWidth:(pp+1)*panelWidth]
		for r := 0; r < rows; r++ {
			out := c[r*ldc+(pp-p)*panelWidth:][:panelWidth]
			genericInt8(q.kq, qx.x[(i+r)*stride:(i+r+1)*stride], panel, scale, qsum, bias, qx.scale[i+r], qx.zero[i+r], out)
		}
	}
}

// dequantize turns one output's integer sum into its float32 value, in the
// order every kernel uses: ((acc·xs + x0·qsum)·ws) + bias, each operation
// rounded to float32 (the conversions keep the compiler from fusing them).
func dequantize(acc int32, qsum, ws, xs, x0, bias float32) float32 {
	v := float32(float32(acc) * xs)
	v = float32(v + float32(x0*qsum))
	v = float32(v * ws)
	return v + bias
}
