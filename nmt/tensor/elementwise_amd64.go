//go:build amd64 && !purego

package tensor

//go:noescape
func asmAddTo(dst, x, y *float32, n int)

//go:noescape
func asmMulTo(dst, x, y *float32, n int)

//go:noescape
func asmScaleAdd(x *float32, n int, a, b float32)

func addTo(dst, x, y []float32) { binary8(dst, x, y, asmAddTo, genericAddTo) }
func mulTo(dst, x, y []float32) { binary8(dst, x, y, asmMulTo, genericMulTo) }

// binary8 runs asm on the leading multiple of 8 values and generic on the
// rest (on all of them without AVX2).
func binary8(dst, x, y []float32, asm func(dst, x, y *float32, n int), generic func(dst, x, y []float32)) {
	n := len(dst) &^ 7
	if !useAVX2.Load() || n == 0 {
		generic(dst, x, y)
		return
	}
	asm(&dst[0], &x[0], &y[0], n)
	generic(dst[n:], x[n:], y[n:])
}

func scaleAdd(x []float32, a, b float32) {
	n := len(x) &^ 7
	if !useAVX2.Load() || n == 0 {
		genericScaleAdd(x, a, b)
		return
	}
	asmScaleAdd(&x[0], n, a, b)
	genericScaleAdd(x[n:], a, b)
}
