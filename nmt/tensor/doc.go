// Package tensor holds the hot numeric kernels of the inference engine:
// matrix products against packed weight matrices, dot products, softmax and
// log-softmax, layer normalisation and activations.
//
// Every function writes into a destination given first (dst-first, as in
// gonum) and allocates nothing, so a decoding loop that owns its buffers runs
// without garbage. Shapes are passed as plain ints and checked; a mismatch is
// a programmer error and panics.
//
// On amd64 with AVX2 and FMA (detected with golang.org/x/sys/cpu) the
// matrix product, dot product, axpy, the exponential, attention and layer
// norm kernels run in assembly (kernel_amd64.s); elsewhere, and with the
// purego build tag, the pure Go kernels in kernel_generic.go compute the
// same sums in the same order. UseAssembly switches between the two at run
// time (for tests; it is safe for concurrent use).
//
// Nothing here knows about transformers: the model code lives in nmt/model.
package tensor
