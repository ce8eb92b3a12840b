package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemm checks gemm, including the row-split path taken by large
// products, against a float64 triple loop for every transposition.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range []struct{ m, n, k int }{{3, 4, 5}, {300, 96, 80}, {257, 130, 70}} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a := randSlice(rng, sz.m*sz.k)
				b := randSlice(rng, sz.k*sz.n)
				c := randSlice(rng, sz.m*sz.n)
				want := make([]float64, len(c))
				for i := 0; i < sz.m; i++ {
					for j := 0; j < sz.n; j++ {
						var s float64
						for p := 0; p < sz.k; p++ {
							av := a[i*sz.k+p]
							if ta {
								av = a[p*sz.m+i]
							}
							bv := b[p*sz.n+j]
							if tb {
								bv = b[j*sz.k+p]
							}
							s += float64(av) * float64(bv)
						}
						want[i*sz.n+j] = 0.5*s + 2*float64(c[i*sz.n+j])
					}
				}
				gemm(ta, tb, sz.m, sz.n, sz.k, 0.5, a, b, 2, c)
				for i := range c {
					if math.Abs(float64(c[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
						t.Fatalf("%v transA=%v transB=%v: c[%d] = %g, want %g", sz, ta, tb, i, c[i], want[i])
					}
				}
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}
