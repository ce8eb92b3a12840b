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

// DotRows sets dst[j] = q · rows[j*stride : j*stride+len(q)] for every j
// < len(dst): one query against a strided set of keys.
func DotRows(dst, q, rows []float32, stride int) {
	if len(dst) > 0 && (stride < len(q) || len(rows) < (len(dst)-1)*stride+len(q)) {
		panic(fmt.Sprintf("tensor.DotRows: %d rows of %d with stride %d need %d values, got %d", len(dst), len(q), stride, (len(dst)-1)*stride+len(q), len(rows)))
	}
	dotRows(dst, q, rows, stride)
}

// WeightedSum sets dst = Σ_j w[j]·rows[j*stride : j*stride+len(dst)]: the
// attention-weighted sum of a strided set of values.
func WeightedSum(dst, w, rows []float32, stride int) {
	if len(w) > 0 && (stride < len(dst) || len(rows) < (len(w)-1)*stride+len(dst)) {
		panic(fmt.Sprintf("tensor.WeightedSum: %d rows of %d with stride %d need %d values, got %d", len(w), len(dst), stride, (len(w)-1)*stride+len(dst), len(rows)))
	}
	if len(w) == 0 {
		clear(dst)
		return
	}
	axpyRows(dst, w, rows, stride)
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

// DotGather sets dst[j] = q · base[offs[j] : offs[j]+len(q)] for every j <
// len(dst): one query against keys found through their offsets (a
// key/value cache whose rows are not evenly spaced). Equally spaced
// offsets give DotRows's results bit for bit.
func DotGather(dst, q, base []float32, offs []int) {
	checkGather("DotGather", len(dst), len(q), base, offs)
	dotGather(dst, q, base, offs)
}

// WeightedSumGather sets dst = Σ_j w[j]·base[offs[j] : offs[j]+len(dst)]:
// the attention-weighted sum of values found through their offsets.
// Equally spaced offsets give WeightedSum's results bit for bit.
func WeightedSumGather(dst, w, base []float32, offs []int) {
	checkGather("WeightedSumGather", len(w), len(dst), base, offs)
	if len(w) == 0 {
		clear(dst)
		return
	}
	axpyGather(dst, w, base, offs)
}

// checkGather panics unless offs holds n offsets of rows of width values
// inside base.
func checkGather(name string, n, width int, base []float32, offs []int) {
	if len(offs) < n {
		panic(fmt.Sprintf("tensor.%s: %d offsets for %d rows", name, len(offs), n))
	}
	for _, o := range offs[:n] {
		if o < 0 || o+width > len(base) {
			panic(fmt.Sprintf("tensor.%s: a row of %d at offset %d lies outside %d values", name, width, o, len(base)))
		}
	}
}
