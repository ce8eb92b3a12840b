// Package blascompare holds only a benchmark, built with the blascompare
// tag: the engine's matrix kernels against gonum's pure-Go BLAS and OpenBLAS
// (cgo) on the engine's shapes. The numbers chose the kernels; see
// docs/engine.md.
//
//	OPENBLAS_NUM_THREADS=1 go test -tags blascompare -bench . ./nmt/tensor/blascompare
package blascompare
