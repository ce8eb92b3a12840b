// Package tokenize turns text into subword ids with byte spans and back.
//
// It holds the Tokenizer interface, HF (a byte-level BPE tokenizer read
// from a Hugging Face tokenizer.json through github.com/sugarme/tokenizer,
// with NFC normalization and byte offsets into the caller's text) and
// TrainBPE, our own byte-level BPE trainer, which writes tokenizer.json.
//
// The SentencePiece unigram encoder of OPUS-MT models lives in
// tokenize/spm. No model code lives here.
//
// docs/tokenizer.md explains spans, normalization, special tokens, the
// training algorithm and the sugarme defects this package routes around.
package tokenize
