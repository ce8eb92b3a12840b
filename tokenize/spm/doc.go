// Package spm reads SentencePiece unigram models (the .spm / .model files
// of OPUS-MT and other Marian models) and encodes text with them exactly as
// the reference implementation does: the model's normalization (its
// precompiled character map, whitespace rules, dummy prefix and "▁"
// escaping), Viterbi segmentation over the scored pieces, merged unknown
// characters, byte fallback, and decoding back to text. Every token carries
// the byte span of the input it came from.
//
// Model implements tokenize.Tokenizer with the piece indices of the .spm
// file as ids. Marian pairs a source and a target model with the vocab.json
// of a MarianMT checkpoint, whose ids are the ones the network uses.
//
// Only unigram models are supported (not SentencePiece BPE, word or char
// models), and only encoding and decoding: no training, no sampling, no
// n-best segmentation.
package spm
