// Package search turns next-token scores into translations: greedy decoding,
// beam search with length penalty and n-best lists, and forced decoding of a
// given target. It drives any Scorer (the transformer in package model, or a
// fake in tests) and keeps, for every output token, its log-probability and
// the cross-attention of every layer and head, following the beam's
// back-pointers so that each hypothesis carries its own attention history.
//
// It does not tokenize and does not know about weights.
package search
