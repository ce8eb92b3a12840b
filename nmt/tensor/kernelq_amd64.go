//go:build amd64 && !purego

package tensor

//go:noescape
func asmQ12x2(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ8x2(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ4x2(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ2x2(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ1x2(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ12x1(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ8x1(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ4x1(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ2x1(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ1x1(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQRow8(kq int, a *uint8, b *int8, pstride int, c *float32, scale, qsum, bias *float32, xs, x0 float32)

//go:noescape
func asmMinMax(x *float32, n int) (lo, hi float32)

//go:noescape
func asmQuantize(dst *uint8, x *float32, n int, zero, inv float32)

// zeroBias stands in for the bias of a map without one: the kernels add it
// all the same, as genericInt8 does.
var zeroBias [8 * panelWidth]float32

type qTile func(kq int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

// qTiles are the VNNI tiles by panel count (index 0: one panel, 1: two),
// widest row count first.
var qTiles = [2][]struct {
	rows int
	f    qTile
}{
	{{12, asmQ12x1}, {8, asmQ8x1}, {4, asmQ4x1}, {2, asmQ2x1}, {1, asmQ1x1}},
	{{12, asmQ12x2}, {8, asmQ8x2}, {4, asmQ4x2}, {2, asmQ2x2}, {1, asmQ1x2}},
}

// widePanelsInt8 runs the VNNI kernels, when they run, over the full panels
// [p, end): eight at a time for a single row, else two at a time, then a
// last odd one; it returns the first panel left.
func (l *Linear) widePanelsInt8(dst []float32, qx *quantized, m, p, end int) int {
	if !vnni() || p >= end {
		return p
	}
	q, n := l.q, l.n
	ps := q.kq * panelWidth * 4
	_ = qx.x[m*q.kq*4-1]
	_ = qx.scale[m-1]
	_ = q.data[end*ps-1]
	_ = dst[(m-1)*n+end*panelWidth-1]
	if m == 1 {
		for ; p+8 <= end; p += 8 {
			asmQRow8(q.kq, &qx.x[0], &q.data[p*ps], ps, &dst[p*panelWidth], &q.scale[p*panelWidth], &q.qsum[p*panelWidth], l.qbias(p), qx.scale[0], qx.zero[0])
		}
	}
	for p < end {
		count := min(2, end-p)
		l.tilesInt8(dst[p*panelWidth:], n, qx, 0, m, p, count)
		p += count
	}
	return p
}

// tilesInt8 computes count (1 or 2) panels from p for rows [i, i+rows)
// into c (row r at c[(r−i)·ldc:]).
func (l *Linear) tilesInt8(c []float32, ldc int, qx *quantized, i, rows, p, count int) {
	if !vnni() {
		l.genericTilesInt8(c, ldc, qx, i, rows, p, count)
		return
	}
	q := l.q
	ps := q.kq * panelWidth * 4
	stride := q.kq * 4
	b, scale, qsum, bias := &q.data[p*ps], &q.scale[p*panelWidth], &q.qsum[p*panelWidth], l.qbias(p)
	_ = c[(rows-1)*ldc+count*panelWidth-1]
	_ = q.data[(p+count)*ps-1]
	_ = qx.x[(i+rows)*stride-1]
	for _, t := range qTiles[count-1] {
		for rows >= t.rows {
			t.f(q.kq, &qx.x[i*stride], b, ps, &c[0], ldc, scale, qsum, bias, &qx.scale[i], &qx.zero[i])
			i, rows = i+t.rows, rows-t.rows
			if rows > 0 {
				c = c[t.rows*ldc:]
			}
		}
	}
}

// qbias is the bias from panel p on, or zeros.
func (l *Linear) qbias(p int) *float32 {
	if l.bias == nil {
		return &zeroBias[0]
	}
	return &l.bias[p*panelWidth]
}

func minMax(x []float32) (lo, hi float32) {
	n := len(x) &^ 15
	if !avx512() || n == 0 {
		return genericMinMax(x)
	}
	lo, hi = asmMinMax(&x[0], n)
	tailLo, tailHi := genericMinMax(x[n:])
	return span(lo, hi, tailLo, tailHi)
}

func quantizeScaled(dst []uint8, x []float32, zero, inv float32) {
	n := len(x) &^ 15
	if !avx512() || n == 0 {
		genericQuantize(dst, x, zero, inv)
		return
	}
	_ = dst[len(x)-1]
	asmQuantize(&dst[0], &x[0], n, zero, inv)
	genericQuantize(dst[n:len(x)], x[n:], zero, inv)
}
