package train

import (
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/translated/translated/tokenize"
)

// readTokenizer reads and parses a tokenizer.json for a fresh start and
// checks that its special tokens sit where the trainer's config puts them.
func readTokenizer(path string) ([]byte, *tokenize.HF, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenize.Parse(data, path)
	if err != nil {
		return nil, nil, err
	}
	for piece, want := range map[string]int{"<pad>": tokenize.PadID, "</s>": tokenize.EOSID} {
		if id, ok := tok.ID(piece); !ok || id != want {
			return nil, nil, fmt.Errorf("%s: %s must be id %d, as in the vocabularies the trainer learns", path, piece, want)
		}
	}
	return data, tok, nil
}

// trainTokenizer learns the joint BPE vocabulary from every distinct
// source and target line of the training pairs.
func trainTokenizer(ex []Example, vocab int) ([]byte, error) {
	seen := make(map[string]bool, 2*len(ex))
	var lines []string
	for _, e := range ex {
		for _, s := range []string{e.Source, e.Target} {
			if !seen[s] {
				seen[s] = true
				lines = append(lines, s)
			}
		}
	}
	bpe, err := tokenize.TrainBPE(lines, tokenize.BPEOptions{VocabSize: vocab})
	if err != nil {
		return nil, err
	}
	return bpe.JSON()
}

// dropoutPairs encodes copies of the training examples with BPE-dropout at
// rate p, copy k with its own random stream of seed.
func dropoutPairs(ex []Example, tok *tokenize.HF, p float64, copies int, seed uint64, eos int) ([]Pair, error) {
	if copies < 1 {
		return nil, fmt.Errorf("--bpe-copies must be at least 1, got %d", copies)
	}
	var out []Pair
	for k := 0; k < copies; k++ {
		rng := rand.New(rand.NewPCG(seed, uint64(k)+1))
		encode := func(s string) ([]int, error) { return tokenIDs(tok.EncodeDropout(s, p, rng)) }
		pairs, err := Encode(ex, encode, eos)
		if err != nil {
			return nil, fmt.Errorf("--bpe-dropout: %v", err)
		}
		out = append(out, pairs...)
	}
	return out, nil
}

// tokenIDs keeps the ids of an encoding.
func tokenIDs(toks []tokenize.Token, err error) ([]int, error) {
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(toks))
	for i, t := range toks {
		ids[i] = t.ID
	}
	return ids, nil
}
