//go:build amd64 && !purego

package tensor

//go:noescape
func asmAdamStep(w, m, v, grad *float32, n int, scale, b1, c1, b2, c2, lr, rc2, eps float32)

func adamStep(w, m, v, g []float32, c AdamCoeffs) {
	n := len(w) &^ 7
	if !useAVX2.Load() || n == 0 {
		genericAdamStep(w, m, v, g, c)
		return
	}
	asmAdamStep(&w[0], &m[0], &v[0], &g[0], n, c.Scale, c.B1, 1-c.B1, c.B2, 1-c.B2, c.LR, c.RC2, c.Eps)
	genericAdamStep(w[n:], m[n:], v[n:], g[n:], c)
}
