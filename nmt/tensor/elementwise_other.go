//go:build !amd64 || purego

package tensor

func addTo(dst, x, y []float32) { genericAddTo(dst, x, y) }
func mulTo(dst, x, y []float32) { genericMulTo(dst, x, y) }

func scaleAdd(x []float32, a, b float32) { genericScaleAdd(x, a, b) }

func adamStep(w, m, v, g []float32, c AdamCoeffs) { genericAdamStep(w, m, v, g, c) }
