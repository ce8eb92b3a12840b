package tensor

import "math"

// The pure Go kernels. They define the arithmetic the assembly kernels
// reproduce: every output starts from its bias (or zero) and adds
// a[k]·w[k] for k in increasing order.

// genericRows computes rows×16 outputs of one panel: c[r*ldc+j] =
// bias[j] + Σ_k a[r*k+k']·panel[k'*16+j].
func genericRows(rows, k int, a, panel, bias, c []float32, ldc int) {
	for r := 0; r < rows; r++ {
		var acc [panelWidth]float32
		if bias != nil {
			copy(acc[:], bias[:panelWidth])
		}
		ar := a[r*k : r*k+k]
		for j, av := range ar {
			w := panel[j*panelWidth : j*panelWidth+panelWidth : j*panelWidth+panelWidth]
			for c := range acc {
				acc[c] += av * w[c]
			}
		}
		copy(c[r*ldc:r*ldc+panelWidth], acc[:])
	}
}

// genericRow4 computes one row against four consecutive panels.
func genericRow4(k int, a, panels []float32, pstride int, bias, c []float32) {
	for q := 0; q < 4; q++ {
		var b []float32
		if bias != nil {
			b = bias[q*panelWidth:]
		}
		genericRows(1, k, a, panels[q*pstride:], b, c[q*panelWidth:], panelWidth)
	}
}

func genericDot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func genericAxpy(dst []float32, alpha float32, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] += alpha * v
	}
}

// genericExpSum sets dst[i] = exp(src[i] - shift) and returns the sum; with
// a nil dst it returns the sum of len(src) exponentials alone.
func genericExpSum(dst, src []float32, shift float32) float32 {
	if dst != nil {
		src = src[:len(dst)]
	}
	var sum float64
	for i, v := range src {
		e := float32(math.Exp(float64(v - shift)))
		if dst != nil {
			dst[i] = e
		}
		sum += float64(e)
	}
	return float32(sum)
}

// genericSiLU sets dst[i] = x[i]·sigmoid(x[i]).
func genericSiLU(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v / (1 + float32(math.Exp(float64(-v))))
	}
}

// genericMax is the largest element, -Inf for none; NaNs are skipped.
func genericMax(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

func genericFirstAbove(x []float32, t float32) int {
	for i, v := range x {
		if v > t {
			return i
		}
	}
	return len(x)
}

func genericAddConst(x []float32, c float32) {
	for i := range x {
		x[i] += c
	}
}

func genericDotRows(dst, q, keys []float32, stride int) {
	hd := len(q)
	for j := range dst {
		dst[j] = genericDot(q, keys[j*stride:j*stride+hd])
	}
}

func genericAxpyRows(dst, w, values []float32, stride int) {
	clear(dst)
	hd := len(dst)
	for j, a := range w {
		genericAxpy(dst, a, values[j*stride:j*stride+hd])
	}
}

// genericAddSum adds y to x (unless y is nil) and returns Σ x in float64.
func genericAddSum(x, y []float32) float64 {
	var sum float64
	for i := range x {
		if y != nil {
			x[i] += y[i]
		}
		sum += float64(x[i])
	}
	return sum
}

func genericSqDev(x []float32, mean float64) float64 {
	var ss float64
	for _, v := range x {
		d := float64(v) - mean
		ss += d * d
	}
	return ss
}

func genericNormAffine(x, gamma, beta []float32, mean, inv float32) {
	for i, v := range x {
		x[i] = (v-mean)*inv*gamma[i] + beta[i]
	}
}

func genericDotGather(dst, q, base []float32, offs []int) {
	hd := len(q)
	for j := range dst {
		dst[j] = genericDot(q, base[offs[j]:offs[j]+hd])
	}
}

func genericAxpyGather(dst, w, base []float32, offs []int) {
	clear(dst)
	hd := len(dst)
	for j, a := range w {
		genericAxpy(dst, a, base[offs[j]:offs[j]+hd])
	}
}

// genericInt8 computes one row of quantized inputs (kq groups of four
// unsigned bytes, with their scale xs and zero x0) times one int8 panel:
// 16 outputs, each the exact integer sum dequantized as dequantize does.
func genericInt8(kq int, x []uint8, panel []int8, scale, qsum, bias []float32, xs, x0 float32, c []float32) {
	var acc [panelWidth]int32
	for j := 0; j < kq; j++ {
		xg := x[j*4 : j*4+4 : j*4+4]
		g := panel[j*panelWidth*4 : (j+1)*panelWidth*4 : (j+1)*panelWidth*4]
		for col := range acc {
			w := g[col*4 : col*4+4 : col*4+4]
			acc[col] += int32(xg[0])*int32(w[0]) + int32(xg[1])*int32(w[1]) + int32(xg[2])*int32(w[2]) + int32(xg[3])*int32(w[3])
		}
	}
	for col := range acc {
		var b float32
		if bias != nil {
			b = bias[col]
		}
		c[col] = dequantize(acc[col], qsum[col], scale[col], xs, x0, b)
	}
}

// genericMinMax is the smallest and the largest x[i], NaNs skipped (+Inf
// and −Inf for none).
func genericMinMax(x []float32) (lo, hi float32) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range x {
		lo, hi = span(lo, hi, v, v)
	}
	return lo, hi
}

// span widens [lo, hi] to hold [a, b]; NaNs leave it as it is.
func span(lo, hi, a, b float32) (float32, float32) {
	if a < lo {
		lo = a
	}
	if b > hi {
		hi = b
	}
	return lo, hi
}

// genericQuantize writes round((x[i] − zero)·inv) into dst[i], rounding
// half to even as the vector conversion does.
func genericQuantize(dst []uint8, x []float32, zero, inv float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = uint8(int32(math.RoundToEven(float64(float32(v-zero) * inv))))
	}
}

// genericQuantizeSigned writes round(w[j]·inv) (half to even), within
// [−127, 127], into q[j].
func genericQuantizeSigned(q []int8, w []float32, inv float32) {
	w = w[:len(q)]
	for j, v := range w {
		q[j] = int8(max(-127, min(127, math.RoundToEven(float64(v*inv)))))
	}
}
