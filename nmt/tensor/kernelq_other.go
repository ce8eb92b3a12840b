//go:build !amd64 || purego

package tensor

func (l *Linear) tilesInt8(c []float32, ldc int, qx *quantized, i, rows, p, count int) {
	l.genericTilesInt8(c, ldc, qx, i, rows, p, count)
}

func minMax(x []float32) (lo, hi float32) { return genericMinMax(x) }
func quantizeScaled(dst []uint8, x []float32, zero, inv float32) {
	genericQuantize(dst, x, zero, inv)
}

// widePanelsInt8 leaves every panel to the one-panel kernel.
func (l *Linear) widePanelsInt8(dst []float32, qx *quantized, m, p, end int) int { return p }
