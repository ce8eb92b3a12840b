// Package nmt is the domain core of translated: a Translator that takes
// plain requests (texts and decoding options), tokenizes them, runs the
// transformer (package model) under a search strategy (package search) and
// returns translations with per-token scores and cross-attention.
//
// It has no gRPC and no file formats of its own; the server, the CLI and the
// exporters are thin adapters around it. Its sub-packages form one chain of
// dependencies: tensor (kernels) → model (layers and weights) → search
// (decoding) → nmt (translator); train, metrics and align sit beside it.
package nmt
