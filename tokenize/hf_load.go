package tokenize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sugarme/tokenizer/model/bpe"
	"github.com/sugarme/tokenizer/pretrained"
)

// maxID bounds the ids a tokenizer.json may use, so that a corrupt file
// cannot make Parse allocate gigabytes.
const maxID = 1 << 24

// Load reads a Hugging Face tokenizer.json holding a byte-level BPE model
// (the layout BPE.WriteJSON writes, and that of GPT-2 and RoBERTa). Every
// error names the file.
func Load(path string) (*HF, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err) // names the path
	}
	return Parse(data, path)
}

// Parse reads tokenizer.json bytes; name (a file name) prefixes errors.
//
// The file is checked field by field first, because the sugarme reader
// panics on values of the wrong type and skips merges it cannot resolve;
// then sugarme builds the BPE model (vocabulary and ranked merges) from the
// checked fields, and the tokenizer takes its tables from that model.
// Supported: model BPE without dropout, prefixes or suffixes; normalizer
// NFC or none; pre-tokenizer ByteLevel; decoder ByteLevel or none; any
// post-processor (ignored: Encode adds no special tokens).
func Parse(data []byte, name string) (h *HF, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("tokenize: %s: unreadable tokenizer.json: %v", name, r)
		}
	}()
	f, err := checkFile(data)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %s: %w", name, err)
	}
	model, err := buildModel(f)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %s: %w", name, err)
	}
	h, err = newHF(f, model)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %s: %w", name, err)
	}
	h.name = name
	return h, nil
}

// hfFile is the part of tokenizer.json that Parse reads, after checking.
type hfFile struct {
	nfc         bool
	prefixSpace bool
	vocab       map[string]int
	merges      [][2]string
	added       []addedToken
}

type addedToken struct {
	ID      int    `json:"id"`
	Content string `json:"content"`
	Special bool   `json:"special"`
}

// component is a normalizer, pre-tokenizer or decoder object.
type component struct {
	Type           string `json:"type"`
	AddPrefixSpace *bool  `json:"add_prefix_space"`
	UseRegex       *bool  `json:"use_regex"`
}

func checkFile(data []byte) (*hfFile, error) {
	var raw struct {
		AddedTokens   []addedToken    `json:"added_tokens"`
		Normalizer    *component      `json:"normalizer"`
		PreTokenizer  *component      `json:"pre_tokenizer"`
		PostProcessor json.RawMessage `json:"post_processor"`
		Decoder       *component      `json:"decoder"`
		Model         *struct {
			Type                    string            `json:"type"`
			Dropout                 *float64          `json:"dropout"`
			UnkToken                *string           `json:"unk_token"`
			ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
			EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
			Vocab                   map[string]int    `json:"vocab"`
			Merges                  []json.RawMessage `json:"merges"`
		} `json:"model"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a valid tokenizer.json: %v", err)
	}
	f := &hfFile{added: raw.AddedTokens}
	switch {
	case raw.Normalizer == nil:
	case raw.Normalizer.Type == "NFC":
		f.nfc = true
	default:
		return nil, fmt.Errorf("normalizer %q is not supported (want NFC or none)", raw.Normalizer.Type)
	}
	p := raw.PreTokenizer
	if p == nil || p.Type != "ByteLevel" {
		return nil, errors.New("pre_tokenizer must be ByteLevel (a byte-level BPE tokenizer)")
	}
	if p.UseRegex != nil && !*p.UseRegex {
		return nil, errors.New("pre_tokenizer ByteLevel with use_regex false is not supported")
	}
	f.prefixSpace = p.AddPrefixSpace != nil && *p.AddPrefixSpace
	if d := raw.Decoder; d != nil && d.Type != "ByteLevel" {
		return nil, fmt.Errorf("decoder %q is not supported (want ByteLevel or none)", d.Type)
	}
	if len(raw.PostProcessor) > 0 && raw.PostProcessor[0] != '{' && string(raw.PostProcessor) != "null" {
		return nil, errors.New("post_processor is not an object")
	}
	m := raw.Model
	switch {
	case m == nil:
		return nil, errors.New("no model")
	case m.Type != "BPE" && m.Type != "":
		return nil, fmt.Errorf("model %q is not supported (want BPE)", m.Type)
	case m.Dropout != nil && *m.Dropout != 0:
		return nil, errors.New("BPE dropout is not supported")
	case m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "",
		m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "":
		return nil, errors.New("BPE continuing_subword_prefix and end_of_word_suffix are not supported")
	}
	f.vocab = m.Vocab
	if err := checkVocab(f.vocab, f.added); err != nil {
		return nil, err
	}
	merges, err := checkMerges(m.Merges, f.vocab)
	if err != nil {
		return nil, err
	}
	f.merges = merges
	return f, nil
}

func checkVocab(vocab map[string]int, added []addedToken) error {
	if len(vocab) == 0 {
		return errors.New("model has an empty vocab")
	}
	byID := make(map[int]string, len(vocab))
	for p, id := range vocab {
		if id < 0 || id >= maxID {
			return fmt.Errorf("vocab id %d of %q is out of range [0, %d)", id, p, maxID)
		}
		if q, ok := byID[id]; ok {
			return fmt.Errorf("vocab id %d is given to both %q and %q", id, q, p)
		}
		byID[id] = p
	}
	for b := 0; b < 256; b++ {
		if _, ok := vocab[byteSymbol[b]]; !ok {
			return fmt.Errorf("vocab lacks the symbol %q of byte %d: not a byte-level BPE", byteSymbol[b], b)
		}
	}
	for _, a := range added {
		if a.ID < 0 || a.ID >= maxID || a.Content == "" {
			return fmt.Errorf("added token %q with id %d is invalid", a.Content, a.ID)
		}
		if id, ok := vocab[a.Content]; ok && id != a.ID {
			return fmt.Errorf("added token %q has id %d but the vocab gives %d", a.Content, a.ID, id)
		}
		if a.Special && len([]rune(a.Content)) == 1 {
			if _, isByte := runeByte[[]rune(a.Content)[0]]; isByte {
				return fmt.Errorf("special token %q is a byte symbol", a.Content)
			}
		}
		if q, ok := byID[a.ID]; ok && q != a.Content {
			return fmt.Errorf("added token %q has id %d, which the vocab gives to %q", a.Content, a.ID, q)
		}
	}
	return nil
}

// checkMerges reads merges written as "left right" or ["left", "right"]
// and checks that both sides and their join are in the vocabulary.
func checkMerges(raw []json.RawMessage, vocab map[string]int) ([][2]string, error) {
	merges := make([][2]string, len(raw))
	for i, r := range raw {
		var m [2]string
		var s string
		var pair []string
		switch {
		case json.Unmarshal(r, &s) == nil:
			l, rt, ok := strings.Cut(s, " ")
			if !ok || strings.Contains(rt, " ") {
				return nil, fmt.Errorf("merge %d %q is not two pieces separated by one space", i, s)
			}
			m = [2]string{l, rt}
		case json.Unmarshal(r, &pair) == nil && len(pair) == 2:
			m = [2]string{pair[0], pair[1]}
		default:
			return nil, fmt.Errorf("merge %d is neither \"a b\" nor [\"a\", \"b\"]", i)
		}
		if strings.Contains(m[0], " ") || strings.Contains(m[1], " ") || m[0] == "" || m[1] == "" {
			return nil, fmt.Errorf("merge %d %q has an empty piece or a space", i, m)
		}
		for _, p := range []string{m[0], m[1], m[0] + m[1]} {
			if _, ok := vocab[p]; !ok {
				return nil, fmt.Errorf("merge %d %q: %q is not in the vocab", i, m, p)
			}
		}
		merges[i] = m
	}
	return merges, nil
}

// buildModel hands the checked vocabulary and merges to sugarme in the
// layout it reads best, and returns the BPE model it builds.
func buildModel(f *hfFile) (*bpe.BPE, error) {
	merges := make([]string, len(f.merges))
	for i, m := range f.merges {
		merges[i] = m[0] + " " + m[1]
	}
	cfg := map[string]any{
		"model":         map[string]any{"type": "BPE", "vocab": f.vocab, "merges": merges},
		"pre_tokenizer": map[string]any{"type": "ByteLevel", "add_prefix_space": f.prefixSpace},
		"decoder":       map[string]any{"type": "ByteLevel"},
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	tk, err := pretrained.FromReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("sugarme: %v", err)
	}
	m, ok := tk.GetModel().(*bpe.BPE)
	if !ok {
		return nil, fmt.Errorf("sugarme built a %T, not a BPE model", tk.GetModel())
	}
	return m, nil
}

// newHF builds the tables of the tokenizer from sugarme's model and the
// file's added tokens.
func newHF(f *hfFile, m *bpe.BPE) (*HF, error) {
	size := 0
	for _, id := range *m.Vocab {
		size = max(size, id+1)
	}
	for _, a := range f.added {
		size = max(size, a.ID+1)
	}
	h := &HF{
		nfc:         f.nfc,
		prefixSpace: f.prefixSpace,
		pieces:      make([]string, size),
		ids:         make(map[string]int, size),
		special:     make([]bool, size),
		rules:       make(map[symPair]mergeRule, len(*m.Merges)),
	}
	for p, id := range *m.Vocab {
		h.pieces[id] = p
		h.ids[p] = id
	}
	for _, a := range f.added {
		h.pieces[a.ID] = a.Content
		h.ids[a.Content] = a.ID
		h.special[a.ID] = a.Special
	}
	for b := 0; b < 256; b++ {
		h.byteID[b] = int32((*m.Vocab)[byteSymbol[b]])
	}
	for pair, v := range *m.Merges {
		h.rules[symPair{int32(pair.C1), int32(pair.C2)}] = mergeRule{rank: int32(v.Rank), id: int32(v.NewId)}
	}
	if len(h.rules) == 0 && len(f.merges) > 0 {
		return nil, errors.New("sugarme read none of the merges")
	}
	return h, nil
}
