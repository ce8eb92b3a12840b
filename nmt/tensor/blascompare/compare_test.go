//go:build blascompare

package blascompare

// Measures the matrix-product options on the engine's shapes, single
// threaded: this package's kernels (assembly and pure Go), gonum's pure-Go
// BLAS, and OpenBLAS through cgo. Needs Debian libopenblas-dev:
//
//	OPENBLAS_NUM_THREADS=1 go test -tags blascompare -run X -bench Compare ./nmt/tensor
//
// (cgo.go links OpenBLAS under the same tag; a package with cgo cannot hold
// Go assembly, hence this separate package.)

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/netlib/blas/netlib"

	"github.com/translated/translated/nmt/tensor"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

type sgemmer interface {
	Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int)
}

func BenchmarkCompare(b *testing.B) {
	saved := tensor.Threads()
	tensor.SetThreads(1) // every contender on one core
	defer tensor.SetThreads(saved)
	r := rand.New(rand.NewPCG(1, 1))
	shapes := []struct{ m, n, k int }{
		{1, 768, 256}, {1, 1024, 256}, {1, 256, 1024}, {1, 8000, 256},
		{16, 768, 256}, {16, 8000, 256}, {30, 1024, 256}, {480, 768, 256}, {480, 256, 1024},
	}
	impls := []struct {
		name string
		blas sgemmer
	}{{"gonum", gonum.Implementation{}}, {"openblas", netlib.Implementation{}}}
	for _, s := range shapes {
		w, bias, x := randSlice(r, s.n*s.k), randSlice(r, s.n), randSlice(r, s.m*s.k)
		dst := make([]float32, s.m*s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		name := fmt.Sprintf("m%d_n%d_k%d", s.m, s.n, s.k)
		b.Run(name+"/"+tensor.Accelerated(), func(b *testing.B) {
			l := tensor.NewLinear(w, bias, s.n, s.k)
			for b.Loop() {
				l.Apply(dst, x, s.m)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		for _, im := range impls {
			b.Run(name+"/"+im.name, func(b *testing.B) {
				for b.Loop() {
					// y = x·Wᵀ + b, with the bias copied in first (beta 1).
					for i := 0; i < s.m; i++ {
						copy(dst[i*s.n:(i+1)*s.n], bias)
					}
					if s.m == 1 {
						im.blas.Sgemv(blas.NoTrans, s.n, s.k, 1, w, s.k, x, 1, 1, dst, 1)
					} else {
						im.blas.Sgemm(blas.NoTrans, blas.Trans, s.m, s.n, s.k, 1, x, s.k, w, s.k, 1, dst, s.n)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
