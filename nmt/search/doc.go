// Package search turns next-token scores into translations: greedy decoding,
// beam search with length penalty and n-best lists, and forced decoding of a
// given target. It drives any Scorer (the transformer in package model, or a
// fake in tests) and keeps, for every output token, its log-probability and
// the cross-attention of every layer and head, following the beam's
// back-pointers so that each hypothesis carries its own attention history.
//
// Decode runs greedy or beam search over a batch of sentences, laid out as
// scorer rows, with the masking rules (pad and banned ids, minimum length,
// EOS forced at the length limit) applied as one list of processors, and can
// stream each sentence's tokens as soon as they can no longer change. Force
// scores a given target (for alignment and reranking), in one pass when the
// scorer is also a Forcer. Batch is the search they are made of, open to
// sentences that join and leave between steps (continuous batching), for a
// scorer that can add rows while others decode. Options documents every setting,
// its default and its formula; Options.Validate explains a bad one.
//
// It does not tokenize and does not know about weights.
package search
