// Package tensor holds the hot numeric kernels of the inference engine:
// matrix products against packed weight matrices, dot products, softmax and
// log-softmax, layer normalisation and activations.
//
// Every function writes into a destination given first (dst-first, as in
// gonum) and allocates nothing, so a decoding loop that owns its buffers runs
// without garbage. Shapes are passed as plain ints and checked; a mismatch is
// a programmer error and panics.
//
// On amd64 with AVX2 and FMA the matrix product, dot product, axpy, the
// exponential, attention and layer norm kernels run in assembly
// (kernel_amd64.s), and so do the kernels only training uses, bit for bit
// their Go loops: the swish gradient (swishgrad_amd64.s), element-wise
// sums, products and ScaleAdd (elementwise_amd64.s) and the Adam update
// (adam_amd64.s); with AVX-512 (detected with golang.org/x/sys/cpu,
// features_amd64.go) the matrix products take wider tiles
// (kernel512_amd64.s) with the same sums in the same order, so the bits do
// not change; elsewhere, and with the purego build tag, the pure Go kernels
// in kernel_generic.go compute the same sums in the same order. Features
// reports which run; UseAssembly switches between assembly and Go at run
// time (for tests; it is safe for concurrent use).
//
// A Linear may hold int8 weights instead (NewLinearInt8, linear_int8.go):
// one scale per output, the inputs quantized per row at each product, exact
// integer sums by AVX-512 VNNI (kernelq_amd64.s), AVX2 (kernelq2_amd64.s)
// or Go, all three giving the same bits. LinearBuilder packs a map row by
// row as a checkpoint is read, 16 rows into a panel at a time (an AVX-512
// transposition in pack_amd64.s, a blocked Go loop elsewhere), on every
// thread, into memory asked for as huge pages on Linux (pages_linux.go),
// a fault reading rows that lie in a mapped file cut short returned as
// ErrFault rather than crashing the process;
// Select copies some of its outputs (a vocabulary shortlist's output
// layer). FirstAbove finds the first value above a threshold, 16 at a
// time (a search skipping the tokens that cannot enter its beam). ParallelFor splits other work (the
// rows of attention, of the log-softmax) over the same helper goroutines as
// the products. A split product or ParallelFor is cut into a few pieces
// that its caller and the helpers take one at a time, so that a helper the
// system runs late holds up no more than the piece it took; helpers look
// for work a little while before they sleep when work comes often
// (parallel.go).
//
// Nothing here knows about transformers: the model code lives in nmt/model.
package tensor
