package train

import (
	"sync"

	"gonum.org/v1/gonum/blas/blas32"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The matrix products of training (gemm and the attention products) run on
// the BLAS chosen when the package is built: OpenBLAS through cgo
// (blas_cgo.go), or gonum's pure-Go BLAS when cgo is off (blas_nocgo.go).
// Both compute the same products; the pure-Go one is slower.

var useBLASOnce sync.Once

// useBLAS points gorgonia and this package's kernels at the build's BLAS.
// Only the first call does anything; every graph build makes it.
func useBLAS() {
	useBLASOnce.Do(func() {
		// Graph values are dropped after every run (see bucketGraph.run);
		// without the tensor pool a dropped header is never handed out
		// again while another node still holds it.
		tensor.DontUsePool()
		setBLAS(buildBLAS())
	})
}

// setBLAS routes gorgonia's products and this package's (through blas32)
// to b. Nothing may train while it runs.
func setBLAS(b gorgonia.BLAS) {
	gorgonia.Use(b)
	blas32.Use(b)
}

// BLAS names the library that runs the matrix products of training:
// "openblas" when built with cgo, "gonum" (pure Go) without.
func BLAS() string { return blasName }
