package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkLinear measures x·Wᵀ + b for the shapes of a d_model 256 model:
// m = 1 is one decoding step (matrix-vector), larger m the encoder and
// batched decoding. It reports GFLOP/s.
func BenchmarkLinear(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range []struct{ m, n, k int }{
		{1, 768, 256}, {1, 1024, 256}, {1, 256, 1024}, {1, 8000, 256},
		{16, 768, 256}, {16, 8000, 256}, {30, 1024, 256}, {480, 768, 256}, {480, 1024, 256}, {480, 256, 1024},
	} {
		l := NewLinear(randSlice(r, s.n*s.k), randSlice(r, s.n), s.n, s.k)
		x := randSlice(r, s.m*s.k)
		dst := make([]float32, s.m*s.n)
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("m%d_n%d_k%d/threads%d", s.m, s.n, s.k, th), func(b *testing.B) {
				saved := Threads()
				SetThreads(th)
				defer SetThreads(saved)
				for b.Loop() {
					l.Apply(dst, x, s.m)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

func BenchmarkLogSoftmax8000(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	x := randSlice(r, 8000)
	y := make([]float32, len(x))
	s := make([]float32, len(x))
	for b.Loop() {
		copy(y, x)
		LogSoftmax(y, s)
	}
}
