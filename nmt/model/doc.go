// Package model holds a MarianMT transformer encoder-decoder: its
// configuration, its weights as loaded from a checkpoint directory, and its
// forward pass (encoder over a padded batch; decoder one step at a time with a
// self-attention cache of one block per step chained by back-pointers and
// cross-attention keys and values computed once per sentence, or over whole
// given targets in one pass for forced decoding). Weights load as float32
// or int8 (LoadOptions), read from the checkpoint piece by piece; a
// decoder's rows may start at different times (Join) and each sentence may
// keep its own vocabulary shortlist (Restrict, SetShortlist), the output
// layer computing their union only.
//
// A *Model is immutable after loading and safe for concurrent use; all
// per-request state lives in the values its methods return. Search (greedy,
// beam) is not here: package search drives a model through the search.Scorer
// and search.Forcer interfaces, which the Decoder satisfies without this
// package importing search (Dims declares the same struct as search.Dims).
package model
