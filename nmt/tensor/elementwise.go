package tensor

import "fmt"

// AddTo sets dst[i] = x[i] + y[i]; dst may be x or y. Each element is one
// float32 addition, in assembly or in Go alike, so the bits do not depend
// on which runs (training reproduces runs bit for bit).
func AddTo(dst, x, y []float32) {
	checkElementwise("AddTo", dst, x, y)
	addTo(dst, x, y)
}

// MulTo sets dst[i] = x[i]·y[i]; dst may be x or y. Each element is one
// float32 multiplication, in assembly or in Go alike.
func MulTo(dst, x, y []float32) {
	checkElementwise("MulTo", dst, x, y)
	mulTo(dst, x, y)
}

// ScaleAdd sets x[i] = x[i]·a + b: a multiplication, then an addition
// (never fused), in assembly or in Go alike.
func ScaleAdd(x []float32, a, b float32) { scaleAdd(x, a, b) }

func checkElementwise(name string, dst, x, y []float32) {
	if len(x) != len(dst) || len(y) != len(dst) {
		panic(fmt.Sprintf("tensor.%s: lengths %d, %d and %d", name, len(dst), len(x), len(y)))
	}
}

func genericAddTo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

func genericMulTo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

func genericScaleAdd(x []float32, a, b float32) {
	for i, v := range x {
		x[i] = v*a + b
	}
}
