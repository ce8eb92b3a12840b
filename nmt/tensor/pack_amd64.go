//go:build amd64 && !purego

package tensor

//go:noescape
func asmPackPanel(dst, src *float32, k, blocks int)

// packPanel transposes 16 rows of k values (src) into one panel (dst: for
// each column j, the 16 rows' values side by side): with AVX-512 16
// columns at a time in registers, the rest as genericPackPanel does.
func packPanel(dst, src []float32, k int) {
	blocks := k / panelWidth
	if !avx512() || blocks == 0 {
		genericPackPanel(dst, src, k, 0)
		return
	}
	_ = dst[panelWidth*k-1]
	_ = src[panelWidth*k-1]
	asmPackPanel(&dst[0], &src[0], k, blocks)
	genericPackPanel(dst, src, k, blocks*panelWidth)
}
