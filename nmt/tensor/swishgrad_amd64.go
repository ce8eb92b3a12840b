//go:build amd64 && !purego

package tensor

//go:noescape
func asmSwishGrad(dst, grad, x, y *float32, n int)

func swishGrad(dst, g, x, y []float32) {
	n := len(x) &^ 7
	if !useAVX2.Load() || n == 0 {
		genericSwishGrad(dst, g, x, y)
		return
	}
	asmSwishGrad(&dst[0], &g[0], &x[0], &y[0], n)
	genericSwishGrad(dst[n:], g[n:], x[n:], y[n:])
}
