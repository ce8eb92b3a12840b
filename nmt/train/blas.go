package train

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import (
	"sync"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

var useBLASOnce sync.Once

// useOpenBLAS routes gorgonia's matrix products and this package's own
// kernels to OpenBLAS (Debian libopenblas-dev) instead of gonum's pure-Go
// BLAS, which is about three times slower here. OpenBLAS runs one thread
// per call: the kernels split their products over goroutines themselves
// (see gemm), which avoids OpenBLAS's spinning worker threads on a busy
// machine.
func useOpenBLAS() {
	useBLASOnce.Do(func() {
		C.openblas_set_num_threads(1)
		// Graph values are dropped after every run (see bucketGraph.run);
		// without the tensor pool a dropped header is never handed out
		// again while another node still holds it.
		tensor.DontUsePool()
		gorgonia.Use(netlib.Implementation{})
		blas32.Use(netlib.Implementation{})
	})
}
