package tensor

import "fmt"

// Dot returns Σ a[i]·b[i]; b must be at least as long as a.
func Dot(a, b []float32) float32 {
	if len(b) < len(a) {
		panic(fmt.Sprintf("tensor.Dot: lengths %d and %d", len(a), len(b)))
	}
	return dot(a, b)
}

// Axpy adds alpha·x to dst; x must be at least as long as dst.
func Axpy(dst []float32, alpha float32, x []float32) {
	if len(x) < len(dst) {
		panic(fmt.Sprintf("tensor.Axpy: lengths %d and %d", len(dst), len(x)))
	}
	axpy(dst, alpha, x)
}

// Scale multiplies dst by alpha.
func Scale(dst []float32, alpha float32) {
	for i := range dst {
		dst[i] *= alpha
	}
}

// Add adds x to dst element-wise; x must be at least as long as dst.
func Add(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] += v
	}
}

// Zero sets dst to zeros.
func Zero(dst []float32) {
	clear(dst)
}
