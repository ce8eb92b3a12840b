package tensor

import (
	"fmt"
	"math"
)

// Max returns the largest element of x (-Inf for an empty x).
func Max(x []float32) float32 { return maxOf(x) }

// FirstAbove returns the index of the first element of x above t, or
// len(x) when none is; NaN is never above t, and nothing is above a NaN t.
// A search for the few values that beat a threshold skips the rest of a
// row with it many values at a time.
func FirstAbove(x []float32, t float32) int { return firstAbove(x, t) }

// Softmax replaces x by exp(x - max) / Σ exp(x - max).
func Softmax(x []float32) {
	if len(x) == 0 {
		return
	}
	m := Max(x)
	sum := expSum(x, x, m)
	Scale(x, 1/sum)
}

// ExpSum sets dst[i] = exp(x[i] − shift) and returns their sum, the one
// Softmax divides by; dst may be x.
func ExpSum(dst, x []float32, shift float32) float32 {
	if len(x) != len(dst) {
		panic(fmt.Sprintf("tensor.ExpSum: lengths %d and %d", len(dst), len(x)))
	}
	return expSum(dst, x, shift)
}

// Sum returns Σ x, accumulated in float64.
func Sum(x []float32) float64 { return addSum(x, nil) }

// LogSoftmax replaces x by x - max - log Σ exp(x - max). scratch, when not
// nil, receives the exponentials exp(x - max) (it must be at least len(x)
// long); nil skips storing them, with the same result.
func LogSoftmax(x, scratch []float32) {
	if len(x) == 0 {
		return
	}
	m := Max(x)
	if scratch != nil {
		scratch = scratch[:len(x)]
	}
	sum := expSum(scratch, x, m)
	addConst(x, -(m + float32(math.Log(float64(sum)))))
}

// Argmax returns the index of the largest element, the first on ties, and
// -1 for an empty x.
func Argmax(x []float32) int {
	best := -1
	for i, v := range x {
		if best < 0 || v > x[best] {
			best = i
		}
	}
	return best
}
