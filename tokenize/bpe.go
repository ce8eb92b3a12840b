package tokenize

import (
	"errors"
	"fmt"
	"strings"
)

// The special tokens of every vocabulary the trainer writes, at fixed ids.
const (
	PadID = 0 // "<pad>": padding, also the decoder start token
	EOSID = 1 // "</s>": end of sentence, appended by the model
	UnkID = 2 // "<unk>": reserved; byte-level BPE never needs it
)

// SpecialTokens lists the special pieces in id order.
var SpecialTokens = []string{"<pad>", "</s>", "<unk>"}

// firstByteID is the id of the byte-level symbol of byte 0; byte b has id
// firstByteID+b.
const firstByteID = 3

// BPEOptions configures TrainBPE.
type BPEOptions struct {
	// VocabSize is the number of ids wanted, the 3 specials and the 256 byte
	// symbols included; training stops earlier when no pair is frequent
	// enough. Default 8000; at least 259.
	VocabSize int
	// MinFrequency: a pair seen fewer times than this (counting every
	// occurrence in the training lines) is never merged. Default 2.
	MinFrequency int
}

func (o BPEOptions) withDefaults() BPEOptions {
	if o.VocabSize == 0 {
		o.VocabSize = 8000
	}
	if o.MinFrequency == 0 {
		o.MinFrequency = 2
	}
	return o
}

// Validate reports the first invalid field in one sentence.
func (o BPEOptions) Validate() error {
	o = o.withDefaults()
	switch {
	case o.VocabSize < firstByteID+256:
		return fmt.Errorf("tokenize: VocabSize %d is below 259, the 3 special tokens and 256 byte symbols", o.VocabSize)
	case o.VocabSize > 1<<24:
		return fmt.Errorf("tokenize: VocabSize %d is above the limit of 16777216", o.VocabSize)
	case o.MinFrequency < 1:
		return fmt.Errorf("tokenize: MinFrequency %d must be at least 1", o.MinFrequency)
	}
	return nil
}

// BPE is a trained byte-level BPE vocabulary: the pieces by id and the
// merges in the order they were learned (a merge's index is its rank).
// Write it with WriteJSON; encode with it through Tokenizer.
type BPE struct {
	Vocab  []string    // id → piece: specials, 256 byte symbols, merged pieces
	Merges [][2]string // learned merges, highest priority first
}

// VocabSize is the number of ids.
func (b *BPE) VocabSize() int { return len(b.Vocab) }

// Tokenizer returns an encoder for this vocabulary: the one that Load
// gives for the file WriteJSON writes.
func (b *BPE) Tokenizer() (*HF, error) {
	data, err := b.JSON()
	if err != nil {
		return nil, err
	}
	return Parse(data, "trained BPE")
}

// errNoLines is returned by TrainBPE when no line has any text.
var errNoLines = errors.New("tokenize: no training text (every line is empty)")

// validatePieces checks that no learned piece repeats a special token or
// another piece; it guards the invariants WriteJSON relies on.
func (b *BPE) validatePieces() error {
	seen := make(map[string]int, len(b.Vocab))
	for id, p := range b.Vocab {
		if prev, ok := seen[p]; ok {
			return fmt.Errorf("tokenize: piece %q has ids %d and %d", p, prev, id)
		}
		seen[p] = id
	}
	for i, m := range b.Merges {
		if _, ok := seen[m[0]+m[1]]; !ok || strings.Contains(m[0]+m[1], " ") {
			return fmt.Errorf("tokenize: merge %d (%q %q) makes no vocabulary piece", i, m[0], m[1])
		}
	}
	return nil
}
