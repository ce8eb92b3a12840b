//go:build amd64 && !purego

package tensor

import "unsafe"

//go:noescape
func asmQ12x2(k int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQ4x2(k int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

//go:noescape
func asmQRow8(k int, a *uint8, b *int8, pstride int, c *float32, scale, qsum, bias *float32, xs, x0 float32)

//go:noescape
func asmMinMax(x *float32, n int) (lo, hi float32)

//go:noescape
func asmQuantize(dst *uint8, x *float32, n int, zero, inv float32)

// zeroBias stands in for the bias of a map without one: the kernels add it
// all the same, as genericInt8 does.
var zeroBias [8 * panelWidth]float32

// pairsInt8 computes, when the VNNI kernels run, the output columns of
// panels [p0, p1) (both even) two panels at a time (eight for a single
// row), and reports whether it did.
func (l *Linear) pairsInt8(dst []float32, qx *quantized, m, p0, p1 int) bool {
	if !vnni() {
		return l.avx2Int8(dst, qx, m, p0, p1)
	}
	q, n := l.q, l.n
	ps := q.kq * panelWidth * 4
	full := n / panelWidth
	p := p0
	for ; m == 1 && p+8 <= min(p1, full); p += 8 {
		_ = dst[(p+8)*panelWidth-1]
		asmQRow8(q.kq, &qx.x[0], &q.data[p*ps], ps, &dst[p*panelWidth], &q.scale[p*panelWidth], &q.qsum[p*panelWidth], l.qbias(p), qx.scale[0], qx.zero[0])
	}
	var tile [12 * 2 * panelWidth]float32
	for ; p < p1; p += 2 {
		if p+2 <= full {
			l.pairRows(dst[p*panelWidth:], n, qx, 0, m, p)
			continue
		}
		// A pair with a partial or padding panel goes through a tile, so
		// that no column beyond N is written.
		cols := max(0, min(2*panelWidth, n-p*panelWidth))
		for i := 0; i < m && cols > 0; i += 12 {
			rows := min(12, m-i)
			l.pairRows(tile[:], 2*panelWidth, qx, i, rows, p)
			for r := 0; r < rows; r++ {
				copy(dst[(i+r)*n+p*panelWidth:][:cols], tile[r*2*panelWidth:])
			}
		}
	}
	return true
}

// pairRows computes panels p and p+1 for rows [i, i+rows) into c (row r at
// c[(r−i)·ldc:]): twelve rows at a time, then four; the last rows (under
// four) through a tile, with the zero rows padding the quantized inputs.
func (l *Linear) pairRows(c []float32, ldc int, qx *quantized, i, rows, p int) {
	q := l.q
	ps := q.kq * panelWidth * 4
	stride := q.kq * 4
	b, scale, qsum, bias := &q.data[p*ps], &q.scale[p*panelWidth], &q.qsum[p*panelWidth], l.qbias(p)
	_ = q.data[(p+2)*ps-1]
	_ = qx.x[((i+rows+3)&^3)*stride-1]
	_ = c[(rows-1)*ldc+2*panelWidth-1]
	for ; rows >= 12; i, rows, c = i+12, rows-12, c[min(12*ldc, len(c)):] {
		asmQ12x2(q.kq, &qx.x[i*stride], b, ps, &c[0], ldc, scale, qsum, bias, &qx.scale[i], &qx.zero[i])
	}
	for ; rows >= 4; i, rows, c = i+4, rows-4, c[min(4*ldc, len(c)):] {
		asmQ4x2(q.kq, &qx.x[i*stride], b, ps, &c[0], ldc, scale, qsum, bias, &qx.scale[i], &qx.zero[i])
	}
	if rows > 0 {
		var tile [4 * 2 * panelWidth]float32
		asmQ4x2(q.kq, &qx.x[i*stride], b, ps, &tile[0], 2*panelWidth, scale, qsum, bias, &qx.scale[i], &qx.zero[i])
		for r := 0; r < rows; r++ {
			copy(c[r*ldc:][:2*panelWidth], tile[r*2*panelWidth:])
		}
	}
}

//go:noescape
func asmQ2AVX2(k int, a *uint8, b *int8, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)

// avx2Int8 computes, when only the AVX2 kernels run, the output columns of
// panels [p0, p1) one panel and two rows at a time, and reports whether it
// did. The quantized rows are padded to a multiple of four, and their
// buffer has slack for the kernel's last eight-byte read.
func (l *Linear) avx2Int8(dst []float32, qx *quantized, m, p0, p1 int) bool {
	if !avx2() {
		return false
	}
	q, n := l.q, l.n
	ps := q.kq * panelWidth * 4
	stride := q.kq * 4
	_ = qx.x[:((m+1)&^1)*stride+4]
	var tile [2 * panelWidth]float32
	for p := p0; p < p1 && p*panelWidth < n; p++ {
		cols := min(panelWidth, n-p*panelWidth)
		b, scale, qsum, bias := &q.data[p*ps], &q.scale[p*panelWidth], &q.qsum[p*panelWidth], l.qbias(p)
		for i := 0; i < m; i += 2 {
			if cols == panelWidth && i+2 <= m {
				_ = dst[(i+1)*n+(p+1)*panelWidth-1]
				asmQ2AVX2(q.kq, &qx.x[i*stride], b, &dst[i*n+p*panelWidth], n, scale, qsum, bias, &qx.scale[i], &qx.zero[i])
				continue
			}
			// Through a tile: a partial panel, or a last row alone.
			asmQ2AVX2(q.kq, &qx.x[i*stride], b, &tile[0], panelWidth, scale, qsum, bias, &qx.scale[i], &qx.zero[i])
			for r := i; r < min(i+2, m); r++ {
				copy(dst[r*n+p*panelWidth:][:cols], tile[(r-i)*panelWidth:])
			}
		}
	}
	return true
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

// quantizeSigned writes round(w[j]·inv) into q[j]; |w[j]·inv| ≤ 127. The
// unsigned kernel serves with a zero of 0: its low eight bits of the
// rounded value are the int8.
func quantizeSigned(q []int8, w []float32, inv float32) {
	n := len(w) &^ 15
	if !avx512() || n == 0 {
		genericQuantizeSigned(q, w, inv)
		return
	}
	_ = q[len(w)-1]
	asmQuantize((*uint8)(unsafe.Pointer(&q[0])), &w[0], n, 0, inv)
	genericQuantizeSigned(q[n:len(w)], w[n:], inv)
}
