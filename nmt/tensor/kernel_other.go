//go:build !amd64 || purego

package tensor

func kernel6x1(k int, a, panel, bias, c []float32, ldc int) {
	genericRows(6, k, a, panel, bias, c, ldc)
}

func kernel4x1(k int, a, panel, bias, c []float32, ldc int) {
	genericRows(4, k, a, panel, bias, c, ldc)
}

func kernel2x1(k int, a, panel, bias, c []float32, ldc int) {
	genericRows(2, k, a, panel, bias, c, ldc)
}

func kernel1x1(k int, a, panel, bias, c []float32) {
	genericRows(1, k, a, panel, bias, c, panelWidth)
}

func kernel1x4(k int, a, panels []float32, pstride int, bias, c []float32) {
	genericRow4(k, a, panels, pstride, bias, c)
}

func dot(a, b []float32) float32                     { return genericDot(a, b) }
func axpy(dst []float32, alpha float32, x []float32) { genericAxpy(dst, alpha, x) }
func expSum(dst, src []float32, shift float32) float32 {
	return genericExpSum(dst, src, shift)
}
func silu(dst, x []float32)                 { genericSiLU(dst, x) }
func maxOf(x []float32) float32             { return genericMax(x) }
func firstAbove(x []float32, t float32) int { return genericFirstAbove(x, t) }
func addConst(x []float32, c float32)       { genericAddConst(x, c) }

// UseAssembly reports false: this build has only the Go kernels (an
// architecture without assembly kernels, or the purego build tag).
func UseAssembly(on bool) bool { return false }

// Accelerated reports which kernels run: always "go" in this build.
func Accelerated() string { return "go" }

func dotRows(dst, q, keys []float32, stride int)    { genericDotRows(dst, q, keys, stride) }
func axpyRows(dst, w, values []float32, stride int) { genericAxpyRows(dst, w, values, stride) }

func addSum(x, y []float32) float64           { return genericAddSum(x, y) }
func sqDev(x []float32, mean float64) float64 { return genericSqDev(x, mean) }
func normAffine(x, gamma, beta []float32, mean, inv float32) {
	genericNormAffine(x, gamma, beta, mean, inv)
}
