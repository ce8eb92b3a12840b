//go:build !amd64 || purego

package tensor

// pairsInt8 leaves every panel to the Go kernel: it reports false.
func (l *Linear) pairsInt8(dst []float32, qx *quantized, m, p0, p1 int) bool { return false }

func minMax(x []float32) (lo, hi float32) { return genericMinMax(x) }
func quantizeScaled(dst []uint8, x []float32, zero, inv float32) {
	genericQuantize(dst, x, zero, inv)
}

func quantizeSigned(q []int8, w []float32, inv float32) { genericQuantizeSigned(q, w, inv) }
