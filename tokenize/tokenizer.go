package tokenize

// Token is one subword of an encoded text.
//
// For byte-level BPE (HF), a word's first token includes the space before
// the word ("Ġearth" spans " earth"), so the spans of a text's tokens cover
// it without gaps; the space that Encode adds in front of the text belongs
// to the first token, and a token made of that space alone has
// Start == End == 0.
type Token struct {
	ID    int    // vocabulary id
	Piece string // the vocabulary entry (for byte-level BPE, in its byte alphabet)
	Start int    // byte offset in the original, un-normalized input where the token starts
	End   int    // byte offset (exclusive) where it ends; Start == End only for zero-width tokens
}

// Tokenizer turns text into subword ids and back. Implementations are safe
// for concurrent use and never panic, whatever the input bytes.
//
// Spans are byte offsets into the text exactly as the caller passed it
// (before Unicode normalization), so that text[Start:End] is the source of
// the token; a token inside a multi-byte character covers the whole
// character.
type Tokenizer interface {
	// Encode returns the tokens of text without any special token (no
	// end-of-sentence: the model appends it). Invalid UTF-8 is an error.
	Encode(text string) ([]Token, error)
	// Decode turns ids back into text, skipping special tokens.
	Decode(ids []int) string
	// VocabSize is the number of ids.
	VocabSize() int
	// ID returns the id of a vocabulary entry, special tokens included.
	ID(piece string) (int, bool)
	// Piece returns the vocabulary entry of an id ("" when out of range).
	Piece(id int) string
}
