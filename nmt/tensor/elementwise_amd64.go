//go:build amd64 && !purego

package tensor

//go:noescape
func asmAddTo(dst, x, y *float32, n int)

//go:noescape
func asmMulTo(dst, x, y *float32, n int)

//go:noescape
func asmScaleAdd(x *float32, n int, a, b float32)

func addTo(dst, x, y []float32) {
	n := len(dst) &^ 7
	if !useAVX2.Load() || n == 0 {
		genericAddTo(dst, x, y)
		return
	}
	asmAddTo(&dst[0], &x[0], &y[0], n)
	genericAddTo(dst[n:], x[n:], y[n:])
}

func mulTo(dst, x, y []float32) {
	n := len(dst) &^ 7
	if !useAVX2.Load() || n == 0 {
		genericMulTo(dst, x, y)
		return
	}
	asmMulTo(&dst[0], &x[0], &y[0], n)
	genericMulTo(dst[n:], x[n:], y[n:])
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
