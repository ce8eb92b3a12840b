package tensor

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"unsafe"
)

// LinearBuilder fills a Linear row by row, so that a map is packed straight
// from its source (a checkpoint read in pieces) with no full copy of its
// weights in another layout on the way.
type LinearBuilder struct {
	l     *Linear
	set   []bool    // rows filled so far
	q     []int8    // quantized rows of SetRows, reused
	scale []float32 // their scales
}

// NewLinearBuilder starts a map of n outputs and k inputs, float32 or, with
// asInt8, int8 (NewLinearInt8).
func NewLinearBuilder(n, k int, asInt8 bool) *LinearBuilder {
	if n <= 0 || k <= 0 {
		panic(fmt.Sprintf("tensor.NewLinearBuilder: shape [%d, %d]", n, k))
	}
	l := &Linear{n: n, k: k}
	if asInt8 {
		l.q = newInt8Panels(n, k)
	} else {
		l.panels = make([]float32, (n+panelWidth-1)/panelWidth*k*panelWidth)
		adviseHuge(l.panels)
	}
	return &LinearBuilder{l: l, set: make([]bool, n)}
}

// SetRows sets rows r0, r0+1, … of W from w (whole rows of K values),
// quantizing them for an int8 map.
//
// w may lie in a mapped file (a checkpoint read where it lies): when a
// read of w faults, as one of a file cut short under its mapping does,
// SetRows returns ErrFault instead of the fault crashing the process, and
// the builder must not be used again. Any other panic goes on.
func (b *LinearBuilder) SetRows(r0 int, w []float32) error {
	k := b.l.k
	rows := b.check(r0, len(w), k)
	if b.l.q != nil && len(b.q) < rows*k {
		b.q, b.scale = make([]int8, rows*k), make([]float32, rows)
	}
	// Rows before the first whole panel and after the last go on this
	// goroutine; the whole panels between, the bulk of a map, on every
	// thread.
	s := &rowSetter{b: b, r0: r0, w: w, head: min(rows, (panelWidth-r0%panelWidth)%panelWidth)}
	whole := (rows - s.head) / panelWidth
	s.guarded(0, s.head)
	ParallelFor(whole, panelWidth*k, s)
	s.guarded(s.head+whole*panelWidth, rows)
	if s.faulted.Load() {
		return ErrFault
	}
	return nil
}

// ErrFault is SetRows's error when reading its rows faulted: their memory
// went away while they were read, as the pages of a mapped file do when
// the file is cut short.
var ErrFault = errors.New("reading the weights faulted")

// rowSetter sets the rows of one SetRows call: w's rows i are the map's
// rows r0+i, the first whole panel starting at w's row head.
type rowSetter struct {
	b        *LinearBuilder
	r0, head int
	w        []float32
	faulted  atomic.Bool // a read of w faulted
}

// Range sets the whole panels [lo, hi) counted from w's row head.
func (s *rowSetter) Range(lo, hi int) { s.guarded(s.head+lo*panelWidth, s.head+hi*panelWidth) }

// guarded sets w's rows [lo, hi) with this goroutine panicking on a fault
// (debug.SetPanicOnFault) rather than crashing the process, so that a
// fault reading w is recorded and the rest of the work goes on.
func (s *rowSetter) guarded(lo, hi int) {
	if lo >= hi {
		return
	}
	defer s.recoverFault(debug.SetPanicOnFault(true))
	s.set(lo, hi)
}

// recoverFault restores the goroutine's setting prev and recovers a panic
// that is a fault at an address inside w; any other panic goes on.
func (s *rowSetter) recoverFault(prev bool) {
	debug.SetPanicOnFault(prev)
	p := recover()
	if p == nil {
		return
	}
	if e, ok := p.(runtime.Error); ok {
		if f, ok := e.(interface{ Addr() uintptr }); ok && s.inRows(f.Addr()) {
			s.faulted.Store(true)
			return
		}
	}
	panic(p)
}

// inRows reports whether addr is the address of a byte of w.
func (s *rowSetter) inRows(addr uintptr) bool {
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(s.w)))
	return addr >= lo && addr-lo < uintptr(len(s.w))*4
}

// set sets w's rows [lo, hi).
func (s *rowSetter) set(lo, hi int) {
	b, k := s.b, s.b.l.k
	if b.l.q != nil {
		for i := lo; i < hi; i++ {
			b.scale[i] = quantizeWeights(b.q[i*k:(i+1)*k], s.w[i*k:(i+1)*k])
		}
		b.l.q.setRows(s.r0+lo, b.q[lo*k:hi*k], b.scale[lo:hi], k)
		return
	}
	for i := lo; i < hi; {
		r := s.r0 + i
		if r%panelWidth == 0 && i+panelWidth <= hi {
			packPanel(b.l.panels[(r/panelWidth)*k*panelWidth:][:k*panelWidth], s.w[i*k:(i+panelWidth)*k], k)
			i += panelWidth
			continue
		}
		b.setRow(r, s.w[i*k:(i+1)*k])
		i++
	}
}

// setRow writes row r of a float32 map from its K values.
func (b *LinearBuilder) setRow(r int, row []float32) {
	k := b.l.k
	panel := b.l.panels[(r/panelWidth)*k*panelWidth:][:k*panelWidth]
	for j, v := range row {
		panel[j*panelWidth+r%panelWidth] = v
	}
}

// genericPackPanel transposes 16 rows of k values (src) into one panel
// (dst: for each column j, the 16 rows' values side by side), from column
// j0 on, 16 columns at a time so that a block of the panel stays in the
// first-level cache while the rows are read in order.
func genericPackPanel(dst, src []float32, k, j0 int) {
	j := j0
	for ; j+panelWidth <= k; j += panelWidth {
		block := (*[panelWidth][panelWidth]float32)(unsafe.Pointer((*[panelWidth * panelWidth]float32)(dst[j*panelWidth : (j+panelWidth)*panelWidth])))
		for c := range panelWidth {
			row := (*[panelWidth]float32)(src[c*k+j : c*k+j+panelWidth])
			for t, v := range row {
				block[t][c] = v
			}
		}
	}
	for ; j < k; j++ {
		col := (*[panelWidth]float32)(dst[j*panelWidth : (j+1)*panelWidth])
		for c := range col {
			col[c] = src[c*k+j]
		}
	}
}

// SetRowsInt8 sets rows r0, r0+1, … of an int8 map from quantized values
// (whole rows of K) and their scales, as QuantizeRows gives them.
func (b *LinearBuilder) SetRowsInt8(r0 int, q []int8, scale []float32) {
	if b.l.q == nil {
		panic("tensor.LinearBuilder.SetRowsInt8: a float32 map")
	}
	k := b.l.k
	rows := b.check(r0, len(q), k)
	if len(scale) != rows {
		panic(fmt.Sprintf("tensor.LinearBuilder.SetRowsInt8: %d scales for %d rows", len(scale), rows))
	}
	b.l.q.setRows(r0, q, scale, k)
}

// check panics unless values holds whole rows from r0 on inside the map,
// and marks them set; it returns their count.
func (b *LinearBuilder) check(r0, values, k int) int {
	rows := values / k
	if values%k != 0 || r0 < 0 || r0+rows > b.l.n {
		panic(fmt.Sprintf("tensor.LinearBuilder: %d values from row %d of a [%d, %d] map", values, r0, b.l.n, k))
	}
	for r := r0; r < r0+rows; r++ {
		b.set[r] = true
	}
	return rows
}

// Build returns the map with the bias b ([N] or nil). Every row must have
// been set. The builder must not be used afterwards.
func (b *LinearBuilder) Build(bias []float32) *Linear {
	l := b.l
	for r, ok := range b.set {
		if !ok {
			panic(fmt.Sprintf("tensor.LinearBuilder.Build: row %d of %d was not set", r, l.n))
		}
	}
	if bias != nil {
		if len(bias) != l.n {
			panic(fmt.Sprintf("tensor.LinearBuilder.Build: bias of %d for %d outputs", len(bias), l.n))
		}
		l.bias = make([]float32, l.biasLen())
		copy(l.bias, bias)
	}
	b.l = nil
	return l
}

// setRows stores the quantized weights (rows of k) and scales of outputs
// r0, r0+1, … in their panels.
func (q *int8Panels) setRows(r0 int, rows []int8, scale []float32, k int) {
	group := panelWidth * 4
	for i := 0; i < len(scale); {
		r := r0 + i
		if r%panelWidth == 0 && i+panelWidth <= len(scale) && k%4 == 0 {
			// 16 whole rows: their groups of four bytes go to the panel
			// as the float32 values of a float32 panel do, bits unchanged.
			dst := q.data[(r/panelWidth)*q.kq*group:][:q.kq*group]
			packPanel(asFloat32s(dst), asFloat32s(rows[i*k:(i+panelWidth)*k]), k/4)
			i += panelWidth
			continue
		}
		panel := q.data[(r/panelWidth)*q.kq*group+(r%panelWidth)*4:]
		row := rows[i*k : (i+1)*k]
		for j := 0; j+4 <= k; j += 4 {
			copy(panel[(j/4)*group:(j/4)*group+4], row[j:j+4])
		}
		for j := k &^ 3; j < k; j++ {
			panel[(j/4)*group+j%4] = row[j]
		}
		i++
	}
	for i := range scale {
		var sum int32
		for _, x := range rows[i*k : (i+1)*k] {
			sum += int32(x)
		}
		q.scale[r0+i], q.qsum[r0+i] = scale[i], float32(sum)
	}
}

// asFloat32s is b's bytes, four at a time, as float32 values to move
// (never to compute with). len(b) is a multiple of 4.
func asFloat32s(b []int8) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}

// biasLen is the padded length of the bias: whole panels, and for an int8
// map an even number of them (its kernels take panels two by two).
func (l *Linear) biasLen() int {
	if l.q != nil {
		return l.q.panels() * panelWidth
	}
	return (l.n + panelWidth - 1) / panelWidth * panelWidth
}
