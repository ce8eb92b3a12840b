//go:build cgo

package train

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
// char* openblas_get_corename(void);
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	"gorgonia.org/gorgonia"
)

const blasName = "openblas"

// buildBLAS is OpenBLAS (Debian libopenblas-dev), several times faster
// than gonum's pure-Go BLAS on the training products (docs/training.md).
// It runs one thread per call: the kernels split their products over
// goroutines themselves (see gemm), which avoids OpenBLAS's spinning
// worker threads on a busy machine.
func buildBLAS() gorgonia.BLAS {
	C.openblas_set_num_threads(1)
	return netlib.Implementation{}
}

// blasCore names the kernels OpenBLAS chose for this CPU.
func blasCore() string { return C.GoString(C.openblas_get_corename()) }
