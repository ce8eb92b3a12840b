//go:build amd64 && !purego

package tensor

import (
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasAVX2FMA reports whether the assembly kernels can run here: the CPU
// has AVX2 and FMA, and the operating system saves the YMM registers
// (golang.org/x/sys/cpu counts AVX2 only when it does).
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX2 selects the assembly kernels. It is set at start-up and changed
// only through UseAssembly; every kernel call loads it, which on amd64 is a
// plain move, as cheap as reading an ordinary variable.
var useAVX2 atomic.Bool

func init() {
	useAVX2.Store(hasAVX2FMA && os.Getenv("TRANSLATED_KERNELS") != "go")
}

// UseAssembly switches the assembly kernels off (false) or back on (true,
// when the CPU has them) and returns the previous setting. It is meant for
// tests and for ruling out a kernel fault. It is safe to call at any time,
// but a product running meanwhile may mix the two kernels, whose sums
// differ in the last bits: call it between products. The
// TRANSLATED_KERNELS=go environment variable switches them off at start-up.
func UseAssembly(on bool) bool {
	return useAVX2.Swap(on && hasAVX2FMA)
}

// Accelerated reports which kernels run: "avx2" or "go".
func Accelerated() string {
	if useAVX2.Load() {
		return "avx2"
	}
	return "go"
}

// The assembly kernels take raw pointers; the wrappers below check every
// bound first so that no kernel reads or writes outside its slices.

//go:noescape
func asmRows6(k int, a *float32, b *float32, bias *float32, c *float32, ldc int)

//go:noescape
func asmRows4(k int, a *float32, b *float32, bias *float32, c *float32, ldc int)

//go:noescape
func asmRows2(k int, a *float32, b *float32, bias *float32, c *float32, ldc int)

//go:noescape
func asmRows1(k int, a *float32, b *float32, bias *float32, c *float32)

//go:noescape
func asmRow4(k int, a *float32, b *float32, pstride int, bias *float32, c *float32)

//go:noescape
func asmDot(a, b *float32, n int) float32

//go:noescape
func asmAxpy(dst, x *float32, n int, alpha float32)

//go:noescape
func asmExpSum(dst, src *float32, n int, shift float32) float32

//go:noescape
func asmSiLU(dst, x *float32, n int)

//go:noescape
func asmDotRows(dst, q, keys *float32, n, hd, stride int)

//go:noescape
func asmAxpyRows64(dst, w, values *float32, n, stride int)

//go:noescape
func asmAxpyRows8(dst, w, values *float32, n, stride int)

//go:noescape
func asmAddSum(x, y *float32, n int) float64

//go:noescape
func asmSqDev(x *float32, n int, mean float64) float64

//go:noescape
func asmNormAffine(x, gamma, beta *float32, n int, mean, inv float32)

//go:noescape
func asmMax(x *float32, n int) float32

//go:noescape
func asmAddConst(x *float32, n int, c float32)

//go:noescape
func asmFirstAbove(x *float32, n int, t float32) int

// biasPtr checks that bias covers n values and returns its start, or nil.
func biasPtr(bias []float32, n int) *float32 {
	if bias == nil {
		return nil
	}
	_ = bias[n-1]
	return unsafe.SliceData(bias)
}

func rowsChecked(rows, k int, a, panel, bias, c []float32, ldc int) {
	_ = a[rows*k-1]
	_ = panel[k*panelWidth-1]
	_ = c[(rows-1)*ldc+panelWidth-1]
}

func kernel6x1(k int, a, panel, bias, c []float32, ldc int) {
	if !useAVX2.Load() {
		genericRows(6, k, a, panel, bias, c, ldc)
		return
	}
	rowsChecked(6, k, a, panel, bias, c, ldc)
	asmRows6(k, &a[0], &panel[0], biasPtr(bias, panelWidth), &c[0], ldc)
}

func kernel4x1(k int, a, panel, bias, c []float32, ldc int) {
	if !useAVX2.Load() {
		genericRows(4, k, a, panel, bias, c, ldc)
		return
	}
	rowsChecked(4, k, a, panel, bias, c, ldc)
	asmRows4(k, &a[0], &panel[0], biasPtr(bias, panelWidth), &c[0], ldc)
}

func kernel2x1(k int, a, panel, bias, c []float32, ldc int) {
	if !useAVX2.Load() {
		genericRows(2, k, a, panel, bias, c, ldc)
		return
	}
	rowsChecked(2, k, a, panel, bias, c, ldc)
	asmRows2(k, &a[0], &panel[0], biasPtr(bias, panelWidth), &c[0], ldc)
}

func kernel1x1(k int, a, panel, bias, c []float32) {
	if !useAVX2.Load() {
		genericRows(1, k, a, panel, bias, c, panelWidth)
		return
	}
	rowsChecked(1, k, a, panel, bias, c, panelWidth)
	asmRows1(k, &a[0], &panel[0], biasPtr(bias, panelWidth), &c[0])
}

func kernel1x4(k int, a, panels []float32, pstride int, bias, c []float32) {
	if !useAVX2.Load() {
		genericRow4(k, a, panels, pstride, bias, c)
		return
	}
	_ = a[k-1]
	_ = panels[3*pstride+k*panelWidth-1]
	_ = c[4*panelWidth-1]
	asmRow4(k, &a[0], &panels[0], pstride, biasPtr(bias, 4*panelWidth), &c[0])
}

func dot(a, b []float32) float32 {
	if !useAVX2.Load() || len(a) == 0 {
		return genericDot(a, b)
	}
	_ = b[len(a)-1]
	return asmDot(&a[0], &b[0], len(a))
}

func axpy(dst []float32, alpha float32, x []float32) {
	if !useAVX2.Load() || len(dst) == 0 {
		genericAxpy(dst, alpha, x)
		return
	}
	_ = x[len(dst)-1]
	asmAxpy(&dst[0], &x[0], len(dst), alpha)
}

// expSum sets dst[i] = exp(src[i] - shift) and returns the sum; with a nil
// dst it returns the sum of len(src) exponentials alone.
func expSum(dst, src []float32, shift float32) float32 {
	var dp *float32
	if dst != nil {
		src = src[:len(dst)]
	}
	n := len(src) &^ 7
	if !useAVX2.Load() || n == 0 {
		return genericExpSum(dst, src, shift)
	}
	if dst != nil {
		dp, dst = &dst[0], dst[n:]
	}
	sum := asmExpSum(dp, &src[0], n, shift)
	return sum + genericExpSum(dst, src[n:], shift)
}

func silu(dst, x []float32) {
	n := len(x) &^ 7
	if !useAVX2.Load() || n == 0 {
		genericSiLU(dst, x)
		return
	}
	asmSiLU(&dst[0], &x[0], n)
	genericSiLU(dst[n:], x[n:])
}

func maxOf(x []float32) float32 {
	n := len(x) &^ 7
	if !useAVX2.Load() || n == 0 {
		return genericMax(x)
	}
	return max(asmMax(&x[0], n), genericMax(x[n:]))
}

func firstAbove(x []float32, t float32) int {
	n := len(x) &^ 15
	if !useAVX2.Load() || n == 0 {
		return genericFirstAbove(x, t)
	}
	if i := asmFirstAbove(&x[0], n, t); i < n {
		return i
	}
	return n + genericFirstAbove(x[n:], t)
}

func addConst(x []float32, c float32) {
	n := len(x) &^ 7
	if !useAVX2.Load() || n == 0 {
		genericAddConst(x, c)
		return
	}
	asmAddConst(&x[0], n, c)
	genericAddConst(x[n:], c)
}

func dotRows(dst, q, keys []float32, stride int) {
	n, hd := len(dst), len(q)
	if !useAVX2.Load() || n == 0 || hd == 0 || hd%8 != 0 {
		genericDotRows(dst, q, keys, stride)
		return
	}
	_ = keys[(n-1)*stride+hd-1]
	asmDotRows(&dst[0], &q[0], &keys[0], n, hd, stride)
}

func axpyRows(dst, w, values []float32, stride int) {
	n, hd := len(w), len(dst)
	if !useAVX2.Load() || n == 0 || hd%8 != 0 {
		genericAxpyRows(dst, w, values, stride)
		return
	}
	_ = values[(n-1)*stride+hd-1]
	c := 0
	for ; c+64 <= hd; c += 64 {
		asmAxpyRows64(&dst[c], &w[0], &values[c], n, stride)
	}
	for ; c < hd; c += 8 {
		asmAxpyRows8(&dst[c], &w[0], &values[c], n, stride)
	}
}

func addSum(x, y []float32) float64 {
	n := len(x) &^ 7
	if !useAVX2.Load() || n == 0 {
		return genericAddSum(x, y)
	}
	var yp *float32
	if y != nil {
		_ = y[len(x)-1]
		yp = &y[0]
		y = y[n:]
	}
	return asmAddSum(&x[0], yp, n) + genericAddSum(x[n:], y)
}

func sqDev(x []float32, mean float64) float64 {
	n := len(x) &^ 7
	if !useAVX2.Load() || n == 0 {
		return genericSqDev(x, mean)
	}
	return asmSqDev(&x[0], n, mean) + genericSqDev(x[n:], mean)
}

func normAffine(x, gamma, beta []float32, mean, inv float32) {
	n := len(x) &^ 7
	if !useAVX2.Load() || n == 0 {
		genericNormAffine(x, gamma, beta, mean, inv)
		return
	}
	_, _ = gamma[len(x)-1], beta[len(x)-1]
	asmNormAffine(&x[0], &gamma[0], &beta[0], n, mean, inv)
	genericNormAffine(x[n:], gamma[n:], beta[n:], mean, inv)
}
