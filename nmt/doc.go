// Package nmt is the domain core of translated: a Translator that takes
// plain requests (texts and decoding options), tokenizes them, runs the
// transformer (package model) under a search strategy (package search) and
// returns translations with per-token scores and cross-attention. Plan
// makes every check of a request and tells what it will decode (its
// sentences and search options) without decoding, so that a server can
// weigh a request before it gives it a worker. Evaluate translates a test
// set and scores it (corpus BLEU and chrF2). Bench measures the engine's
// speed on synthetic sentences (translate-cli bench); BuildShortlist
// learns a vocabulary shortlist, which WithShortlist makes the searches
// use. A Batcher (NewBatcher) decodes the sentences of concurrent
// Translate calls together, in running decoders (lanes) that sentences
// join and leave between steps (continuous batching), up to a set number
// of lanes stepping in parallel for one set of search options, each
// sentence getting what Translate gives it alone.
//
// It has no gRPC and no file formats of its own; the server, the CLI and the
// exporters are thin adapters around it. Its sub-packages form one chain of
// dependencies: tensor (kernels) → model (layers and weights) → nmt
// (translator), with search (decoding) beside model: model satisfies the
// interfaces search is written against without importing it, and nmt joins
// the two. train, metrics and align sit beside the chain;
// docs/architecture.md lists what each package imports.
package nmt
