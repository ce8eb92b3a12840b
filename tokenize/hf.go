package tokenize

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrInvalidUTF8 is wrapped by the error Encode returns for text that is
// not valid UTF-8 (test with errors.Is).
var ErrInvalidUTF8 = errors.New("text is not valid UTF-8")

// HF is a byte-level BPE tokenizer read from a Hugging Face tokenizer.json
// (Load, Parse). It implements Tokenizer and is safe for concurrent use.
//
// Encoding, step by step:
//  1. invalid UTF-8 is an error (the text never reaches the BPE model);
//  2. NFC normalization (when the file asks for it), remembering where each
//     normalized byte came from;
//  3. a space is put in front (add_prefix_space), always, so that every
//     word, the first one too, starts with the 'Ġ' marker — also when the
//     text already starts with a space, unlike the Hugging Face library,
//     which skips it then; that keeps decode(encode(x)) == x for such text;
//  4. the ByteLevel split into words (see preTokenize), words capped at
//     MaxWordBytes;
//  5. each word's bytes merged by rank (see mergeWord).
//
// Special tokens are never produced by Encode: "<pad>" or "</s>" typed in
// the text are ordinary characters and encode as such. Added tokens of a
// foreign file that are not special are treated the same way.
type HF struct {
	name        string // the file, for messages
	nfc         bool   // the file's normalizer is NFC
	prefixSpace bool   // the file's add_prefix_space

	pieces  []string       // id → piece ("" for an unused id)
	ids     map[string]int // piece → id, special and added tokens included
	special []bool         // id → special token
	byteID  [256]int32     // byte → id of its byte-level symbol
	rules   map[symPair]mergeRule
	cache   wordCache
}

var _ Tokenizer = (*HF)(nil)

// Encode returns the tokens of text, without special tokens. Token.Start
// and Token.End are byte offsets into text exactly as passed (before
// normalization): text[Start:End] is what the token came from, widened to
// whole characters and to whole normalization segments (a token inside
// "e" + U+0301 spans both). The leading space that Encode adds belongs to
// the first token; a token made only of it has Start == End == 0. Tokens
// are in text order; Start and End never decrease.
func (h *HF) Encode(text string) ([]Token, error) {
	return h.encode(text, h.word)
}

// EncodeDropout encodes text as Encode does, except that every merge is
// skipped with probability p (BPE-dropout): the same text comes out in
// varied, finer segmentations of the same vocabulary, and a model trained
// on them learns to compose words from their parts. rng makes the choices;
// p = 0 is Encode, p = 1 leaves every word in byte-level symbols. Decode
// gives the text back whatever the segmentation. For training data only:
// translation uses Encode.
func (h *HF) EncodeDropout(text string, p float64, rng *rand.Rand) ([]Token, error) {
	switch {
	case !(p >= 0 && p <= 1):
		return nil, fmt.Errorf("tokenize: BPE-dropout must be between 0 and 1, got %g", p)
	case p == 0:
		return h.Encode(text)
	}
	drop := func() bool { return rng.Float64() < p }
	return h.encode(text, func(w string) []wordToken { return h.merge(w, drop) })
}

// encode is Encode with the word segmentation given.
func (h *HF) encode(text string, word func(string) []wordToken) ([]Token, error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("tokenize: %w (first bad byte at offset %d)", ErrInvalidUTF8, firstInvalid(text))
	}
	if text == "" {
		return nil, nil
	}
	nt := normalized{text: text}
	if h.nfc {
		nt = normalizeNFC(text)
	}
	work, shift := nt.text, 0
	if h.prefixSpace {
		work, shift = " "+nt.text, 1
	}
	toks := make([]Token, 0, len(work)/4+1)
	var spans [64]span
	pos := 0
	for _, s := range preTokenize(work, spans[:0]) {
		for _, wt := range word(work[s.start:s.end]) {
			ns, ne := pos-shift, pos+int(wt.n)-shift
			pos += int(wt.n)
			var start, end int
			if ne > 0 {
				start, end = nt.origSpan(max(ns, 0), ne)
			}
			toks = append(toks, Token{ID: int(wt.id), Piece: h.pieces[wt.id], Start: start, End: end})
		}
	}
	return toks, nil
}

// word returns the tokens of one pre-tokenized word, from the cache when
// it was seen recently.
func (h *HF) word(w string) []wordToken {
	if toks, ok := h.cache.get(w); ok {
		return toks
	}
	toks := h.merge(w, nil)
	h.cache.put(w, toks)
	return toks
}

// merge segments one word, skipping merges that drop asks to skip (see
// mergeWord).
func (h *HF) merge(w string, drop func() bool) []wordToken {
	toks := mergeWord(w, &h.byteID, h.rules, drop)
	for i := 0; i < len(toks); i++ {
		if h.special[toks[i].id] {
			// A foreign vocabulary whose merges spell a special token:
			// spell it with byte symbols instead.
			toks = h.spellOut(toks, i, w)
		}
	}
	return toks
}

// spellOut replaces token i of w's tokens by one token per byte.
func (h *HF) spellOut(toks []wordToken, i int, w string) []wordToken {
	at := 0
	for _, t := range toks[:i] {
		at += int(t.n)
	}
	bytes := make([]wordToken, toks[i].n)
	for k := range bytes {
		bytes[k] = wordToken{id: h.byteID[w[at+k]], n: 1}
	}
	out := append(append(append([]wordToken{}, toks[:i]...), bytes...), toks[i+1:]...)
	return out
}

// Decode turns ids back into text: special tokens and ids out of range are
// skipped, the byte-level pieces become bytes, the space that Encode put in
// front is removed, byte sequences that are not UTF-8 become U+FFFD, and
// the result is NFC (when the file's normalizer is NFC). For valid x,
// Decode(ids of Encode(x)) == NFC(x).
func (h *HF) Decode(ids []int) string {
	buf := make([]byte, 0, 8*len(ids))
	for _, id := range ids {
		if id < 0 || id >= len(h.pieces) || h.special[id] {
			continue
		}
		buf = fromByteLevel(buf, h.pieces[id])
	}
	if h.prefixSpace && len(buf) > 0 && buf[0] == ' ' {
		buf = buf[1:]
	}
	s := string(buf)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if h.nfc {
		s = norm.NFC.String(s)
	}
	return s
}

// VocabSize is the number of ids: one more than the largest id.
func (h *HF) VocabSize() int { return len(h.pieces) }

// ID returns the id of a piece (in the byte-level alphabet: " the" is
// "Ġthe"), special tokens included.
func (h *HF) ID(piece string) (int, bool) {
	id, ok := h.ids[piece]
	return id, ok
}

// Piece returns the piece of an id, "" when out of range or unused.
func (h *HF) Piece(id int) string {
	if id < 0 || id >= len(h.pieces) {
		return ""
	}
	return h.pieces[id]
}

// IsSpecial reports whether id is a special token (Decode skips those).
func (h *HF) IsSpecial(id int) bool {
	return id >= 0 && id < len(h.special) && h.special[id]
}

// AddPrefixSpace reports whether Encode puts a space in front of the text.
func (h *HF) AddPrefixSpace() bool { return h.prefixSpace }

// String names the file the tokenizer came from.
func (h *HF) String() string { return h.name }

// firstInvalid returns the offset of the first byte of s that is not part
// of valid UTF-8.
func firstInvalid(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(s)
}
