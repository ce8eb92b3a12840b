//go:build amd64 && !purego

package tensor

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used (getrusage
// RUSAGE_THREAD), 0 where unavailable.
func threadCPU() time.Duration {
	var u syscall.Rusage
	const rusageThread = 1
	if syscall.Getrusage(rusageThread, &u) != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// withoutAVX512 runs f with the AVX-512 kernels off (the AVX2 ones on).
func withoutAVX512(f func()) {
	saved := noAVX512
	noAVX512 = true
	defer func() { noAVX512 = saved }()
	f()
}

// TestAVX512MatchesAVX2 checks that the AVX-512 products give the AVX2
// products' bits, on shapes that use every tile (12, 8, 4, 2 and 1 rows,
// eight-panel single rows, odd panel counts, a partial last panel).
func TestAVX512MatchesAVX2(t *testing.T) {
	if !avx512() {
		t.Skip("no AVX-512 here")
	}
	r := rand.New(rand.NewPCG(21, 22))
	for _, s := range []struct{ m, n, k int }{
		{1, 128, 7}, {1, 200, 64}, {1, 1000, 33}, {2, 48, 5}, {3, 64, 16}, {12, 32, 9},
		{13, 96, 40}, {27, 130, 17}, {31, 512, 64}, {64, 80, 3},
		{8, 64, 20}, {20, 96, 33}, {23, 130, 7}, {32, 160, 48}, {44, 64, 256},
	} {
		for _, withBias := range []bool{false, true} {
			var b []float32
			if withBias {
				b = randSlice(r, s.n)
			}
			l := NewLinear(randSlice(r, s.n*s.k), b, s.n, s.k)
			x := randSlice(r, s.m*s.k)
			got, want := make([]float32, s.m*s.n), make([]float32, s.m*s.n)
			l.Apply(got, x, s.m)
			withoutAVX512(func() { l.Apply(want, x, s.m) })
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%+v bias=%v: element %d = %g with AVX-512, %g with AVX2", s, withBias, i, got[i], want[i])
				}
			}
		}
	}
}

// TestAVX2Kernels runs the kernel tests with the AVX-512 kernels off, so
// that the AVX2 path stays checked on CPUs that have both.
func TestAVX2Kernels(t *testing.T) {
	if !avx512() {
		t.Skip("the AVX2 kernels already run by default here")
	}
	withoutAVX512(func() {
		t.Run("LinearApply", TestLinearApply)
		t.Run("LinearThreads", TestLinearThreads)
	})
}

// BenchmarkLinearOPUS measures the products of an OPUS-MT-size model
// (d_model 512, ffn 2048, vocabulary 58,101) at the row counts of decoding
// (1: batch 1 greedy, 8, 32: batch 8 × beam 4) and of the encoder (192:
// 8 sentences of 24 tokens), on one thread and on two; "kernels" tells
// which instruction set ran (int8: the int8 map with VNNI, int8-avx2: with
// the AVX2 integer kernel). It reports
// GFLOP/s (multiply-adds counted twice, whatever their type).
func BenchmarkLinearOPUS(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, nk := range []struct{ n, k int }{{1536, 512}, {512, 512}, {2048, 512}, {512, 2048}, {58101, 512}} {
		w, bias := randSlice(r, nk.n*nk.k), randSlice(r, nk.n)
		f32, i8 := NewLinear(w, bias, nk.n, nk.k), NewLinearInt8(w, bias, nk.n, nk.k)
		for _, m := range []int{1, 8, 32, 192} {
			if nk.n == 58101 && m == 192 {
				continue
			}
			x := randSlice(r, m*nk.k)
			dst := make([]float32, m*nk.n)
			for _, kernels := range []string{"avx512", "avx2", "int8", "int8-avx2"} {
				l := f32
				if strings.HasPrefix(kernels, "int8") {
					l = i8
				}
				for _, th := range []int{1, 2} {
					b.Run(fmt.Sprintf("m%d_n%d_k%d/%s/threads%d", m, nk.n, nk.k, kernels, th), func(b *testing.B) {
						saved := Threads()
						SetThreads(th)
						defer SetThreads(saved)
						savedOff, savedVNNI := noAVX512, hasVNNI
						noAVX512, hasVNNI = kernels == "avx2", hasVNNI && kernels != "int8-avx2"
						defer func() { noAVX512, hasVNNI = savedOff, savedVNNI }()
						runtime.LockOSThread()
						defer runtime.UnlockOSThread()
						cpu := threadCPU()
						for b.Loop() {
							l.Apply(dst, x, m)
						}
						flops := 2 * float64(m*nk.n*nk.k) * float64(b.N)
						b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
						if th == 1 {
							// On a shared machine the rate per second of this
							// thread's own CPU time shows the kernel, not the load.
							b.ReportMetric(flops/(threadCPU()-cpu).Seconds()/1e9, "GFLOP/cpu-s")
						}
					})
				}
			}
		}
	}
}

// TestInt8AVX2 runs the int8 tests with the VNNI kernels off, so that the
// AVX2 integer kernel is checked against the plain computation too.
func TestInt8AVX2(t *testing.T) {
	if !hasVNNI || !avx2() {
		t.Skip("the AVX2 int8 kernel already runs by default here, or cannot run")
	}
	saved := hasVNNI
	hasVNNI = false
	defer func() { hasVNNI = saved }()
	t.Run("LinearInt8Exact", TestLinearInt8Exact)
	t.Run("LinearInt8Threads", TestLinearInt8Threads)
	t.Run("Select", TestSelect)
}

// TestPackPanelMatchesGeneric checks the AVX-512 transposition of 16 rows
// into a panel against the Go one, bit for bit, for widths with and
// without a remainder of columns.
func TestPackPanelMatchesGeneric(t *testing.T) {
	if !avx512() {
		t.Skip("no AVX-512 here")
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, k := range []int{1, 15, 16, 17, 48, 100, 512} {
		src := randSlice(r, panelWidth*k)
		got, want := make([]float32, len(src)), make([]float32, len(src))
		packPanel(got, src, k)
		genericPackPanel(want, src, k, 0)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("k %d: value %d = %g, want %g", k, i, got[i], want[i])
			}
		}
	}
}
