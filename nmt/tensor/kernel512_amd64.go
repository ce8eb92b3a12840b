//go:build amd64 && !purego

package tensor

import "unsafe"

//go:noescape
func asm512Rows12(k int, a, b *float32, pstride int, c *float32, ldc int, bias *float32)

//go:noescape
func asm512Rows8(k int, a, b *float32, pstride int, c *float32, ldc int, bias *float32)

//go:noescape
func asm512Rows4(k int, a, b *float32, pstride int, c *float32, ldc int, bias *float32)

//go:noescape
func asm512Row8(k int, a, b *float32, pstride int, c, bias *float32)

// widePanels runs the AVX-512 kernels, when they run, over the full panels
// [p, end) of m rows (two panels at a time, or eight for a single row) and
// returns the first panel it left for the narrower kernels.
func (l *Linear) widePanels(dst, x []float32, m, p, end int) int {
	if !avx512() {
		return p
	}
	k, n, ps := l.k, l.n, l.k*panelWidth
	if m == 1 {
		for ; p+8 <= end; p += 8 {
			_ = x[k-1]
			_ = l.panels[(p+8)*ps-1]
			_ = dst[(p+8)*panelWidth-1]
			asm512Row8(k, &x[0], &l.panels[p*ps], 4*ps, &dst[p*panelWidth], l.biasPtr(p, 8)) // panel stride in bytes
		}
		return p
	}
	_ = x[m*k-1]
	_ = dst[(m-1)*n+end*panelWidth-1]
	for ; p+2 <= end; p += 2 {
		b, bias := &l.panels[p*ps], l.biasPtr(p, 2)
		i := 0
		for ; i+12 <= m; i += 12 {
			asm512Rows12(k, &x[i*k], b, 4*ps, &dst[i*n+p*panelWidth], n, bias)
		}
		// Eight rows left take one 8-row tile rather than two 4-row ones,
		// which would read the panels twice with too few sums in flight
		// to keep the multiply-adds busy.
		if i+8 <= m {
			asm512Rows8(k, &x[i*k], b, 4*ps, &dst[i*n+p*panelWidth], n, bias)
			i += 8
		}
		for ; i+4 <= m; i += 4 {
			asm512Rows4(k, &x[i*k], b, 4*ps, &dst[i*n+p*panelWidth], n, bias)
		}
		// The last rows (under four) take the AVX2 tiles, whose sums are
		// the same.
		for q := p; q < p+2 && i < m; q++ {
			applyPanel(k, x[i*k:], m-i, l.panels[q*ps:(q+1)*ps], l.biasAt(q), dst[i*n+q*panelWidth:], n)
		}
	}
	return p
}

// biasPtr is the bias of panels p to p+count-1, nil when the map has none.
func (l *Linear) biasPtr(p, count int) *float32 {
	if l.bias == nil {
		return nil
	}
	return unsafe.SliceData(l.bias[p*panelWidth : (p+count)*panelWidth])
}
