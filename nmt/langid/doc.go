// Package langid tells which language a text is written in, among the
// languages of a small model of character n-gram frequencies: for every
// language, how often each of a few thousand strings of 1 to 5 letters
// (" de ", "the", "ción") occurs in its training text. A text's n-grams
// are scored by naive Bayes with Lidstone smoothing, and the scores of
// the candidate languages become confidences by a softmax with a
// temperature fitted on held-out lines.
//
// It works on anything from three words to a book, and on any string:
// digits, punctuation, URLs, emoji, case and invalid UTF-8 are normalized
// away (see Detect). The shipped model (profiles.tsv, embedded; see
// Default) lists its languages; it is rebuilt from the parallel corpora
// by cmd/langid, and a new language comes with a new corpus
// (docs/langid.md).
//
// The package reads nothing but its embedded model, and holds no corpus
// reading or file handling: cmd/langid does that. An Identifier is
// immutable and safe for concurrent use.
package langid
