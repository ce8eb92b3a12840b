//go:build !cgo

package train

import (
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
)

const blasName = "gonum"

// buildBLAS is gonum's pure-Go BLAS: without cgo OpenBLAS cannot be
// linked. It gives the same products within rounding, more slowly
// (docs/architecture.md).
func buildBLAS() gorgonia.BLAS { return gonum.Implementation{} }

// blasCore is empty: gonum has no CPU-specific kernels to choose.
func blasCore() string { return "" }
