// Package train trains a MarianMT transformer encoder-decoder with gorgonia.
//
// The model is built as a gorgonia expression graph whose forward pass
// computes exactly what package model serves (post-LN blocks, sinusoidal
// positions, scaled shared embeddings tied to the output projection). The
// hot and numerically delicate pieces (embedding lookup, layer norm fused
// with the residual sum and its dropout, masked attention, activation,
// dropout and the fused output projection with label-smoothed
// cross-entropy, which projects only the rows a loss counts) are custom
// gorgonia ops with hand-written derivatives; gorgonia's symbolic
// differentiation chains them with its own matrix products and sums. Graph
// shapes are fixed, so batches are bucketed to a few (batch, length) shapes
// and one graph is compiled per shape, once.
//
// Both cores work on a step: the kernels split their work over goroutines
// (parallelFor, parallelRows) by rows, columns or elements, never inside a
// sum, so a step's bits do not depend on how many there are
// (TestParallelStepsExact); gorgonia's own sums of the gradients a node
// receives from several consumers run on splitEngine, split the same way.
// Only the dropout masks are drawn on one goroutine, in order.
//
// The matrix products run on OpenBLAS when the package is built with cgo
// (blas_cgo.go) and on gonum's pure-Go BLAS without (blas_nocgo.go); BLAS
// names which. The two train alike within rounding (TestBLASParity).
//
// Parameters live in plain []float32 slices shared by every bucket graph;
// Adam, gradient clipping and the learning-rate schedule run outside the
// graph so that the whole trainer state (weights, moments, step, data
// position) can be written to a checkpoint and restored bit for bit.
//
// Guided alignment (SetGuide) adds a second loss that trains one
// cross-attention head to follow word links, which BuildGuideLinks and
// LoadGuideLinks compute from human links (Strong's numbers) and IBM Model
// 1 and map to subword tokens; InitFrom starts a run from another
// checkpoint's weights (fine-tuning).
//
// Run carries out a whole run as a Config describes it, which is what the
// train command does: it takes the run directory (LockRun), reads and
// splits the corpus, learns or reads the vocabulary, builds or reads the
// model, adds the BPE-dropout copies, turns guided alignment on, trains,
// and keeps train.log.
//
// What is not here: the BPE algorithm (package tokenize), inference and
// decoding (packages model and search), scoring (package metrics).
package train
