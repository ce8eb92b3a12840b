package spm

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/translated/translated/tokenize"
)

// Marian is the tokenizer of a MarianMT checkpoint such as the OPUS-MT
// models: source.spm segments the input, target.spm turns output pieces
// back into text, and vocab.json gives every piece the id the network
// uses. It implements tokenize.Tokenizer with vocab.json ids; it is
// immutable and safe for concurrent use.
//
// Encoding follows the Hugging Face MarianTokenizer:
//   - the ids come from vocab.json, not from the .spm files: each piece's
//     text is looked up there, and a piece that vocab.json lacks gets the
//     <unk> id and keeps its text as Piece (a run of characters the source
//     model does not know is one such piece);
//   - no begin-of-sentence token is added, and Encode does not append
//     </s> either: the caller appends EOSID() to the source ids;
//   - a multi-target model expects a language token such as ">>spa<<"
//     first; EncodeFor prepends one, and Encode also accepts one typed at
//     the start of the text (see Encode).
//
// Special tokens typed in the text ("</s>", "<pad>") are ordinary text
// here; the Hugging Face tokenizer would turn them into their ids.
type Marian struct {
	source, target *Model
	ids            map[string]int // vocab.json
	pieces         []string       // id → piece, "" where vocab.json has no such id
	unkID, eosID   int
	padID          int      // -1 when vocab.json has no <pad>
	languages      []string // language tokens (">>xxx<<"), sorted
}

// The special pieces of a MarianMT vocabulary.
const (
	marianEOS = "</s>"
	marianUnk = "<unk>"
	marianPad = "<pad>"
)

// LoadMarian reads source.spm, target.spm and vocab.json from a MarianMT
// checkpoint directory. Checkpoints with separate source and target
// vocabularies (a target_vocab.json file) are refused.
func LoadMarian(dir string) (*Marian, error) {
	if _, err := os.Stat(filepath.Join(dir, "target_vocab.json")); err == nil {
		return nil, fmt.Errorf("%s: separate source and target vocabularies (target_vocab.json) are not supported", dir)
	}
	source, err := Load(filepath.Join(dir, "source.spm"))
	if err != nil {
		return nil, err
	}
	target, err := Load(filepath.Join(dir, "target.spm"))
	if err != nil {
		return nil, err
	}
	vocabPath := filepath.Join(dir, "vocab.json")
	b, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, err
	}
	m, err := NewMarian(source, target, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", vocabPath, err)
	}
	return m, nil
}

// NewMarian pairs source and target models with the bytes of a vocab.json
// (a JSON object from piece to id). The vocabulary must hold <unk> and
// </s>; ids must be distinct and not negative.
func NewMarian(source, target *Model, vocabJSON []byte) (*Marian, error) {
	if source == nil || target == nil {
		return nil, errors.New("spm: Marian needs both a source and a target model")
	}
	var ids map[string]int
	if err := json.Unmarshal(vocabJSON, &ids); err != nil {
		return nil, fmt.Errorf("spm: vocab.json is not an object of piece → integer id: %v", err)
	}
	m := &Marian{source: source, target: target, ids: ids, padID: -1}
	size := 0
	for piece, id := range ids {
		if id < 0 || id >= 1<<24 {
			return nil, fmt.Errorf("spm: vocab.json gives %q the id %d, outside [0, 2^24)", piece, id)
		}
		size = max(size, id+1)
	}
	m.pieces = make([]string, size)
	taken := make([]bool, size)
	for piece, id := range ids {
		if taken[id] {
			return nil, fmt.Errorf("spm: vocab.json gives id %d to both %q and %q", id, m.pieces[id], piece)
		}
		taken[id] = true
		m.pieces[id] = piece
		if isLanguageToken(piece) {
			m.languages = append(m.languages, piece)
		}
	}
	sort.Strings(m.languages)
	var ok bool
	if m.unkID, ok = ids[marianUnk]; !ok {
		return nil, fmt.Errorf("spm: vocab.json has no %s", marianUnk)
	}
	if m.eosID, ok = ids[marianEOS]; !ok {
		return nil, fmt.Errorf("spm: vocab.json has no %s", marianEOS)
	}
	if id, ok := ids[marianPad]; ok {
		m.padID = id
	}
	return m, nil
}

// isLanguageToken reports whether piece has the form ">>xxx<<".
func isLanguageToken(piece string) bool {
	return len(piece) > 4 && strings.HasPrefix(piece, ">>") && strings.HasSuffix(piece, "<<")
}

// EOSID is the id of </s>, which the caller appends to the source ids and
// which ends the output.
func (m *Marian) EOSID() int { return m.eosID }

// UnkID is the id of <unk>.
func (m *Marian) UnkID() int { return m.unkID }

// PadID is the id of <pad>, -1 when the vocabulary has none (the model's
// config.json names the pad id the decoder starts from).
func (m *Marian) PadID() int { return m.padID }

// VocabSize is one more than the largest id of vocab.json.
func (m *Marian) VocabSize() int { return len(m.pieces) }

// ID returns the vocab.json id of a piece.
func (m *Marian) ID(piece string) (int, bool) {
	id, ok := m.ids[piece]
	return id, ok
}

// Piece returns the vocab.json piece of an id, "" when there is none.
func (m *Marian) Piece(id int) string {
	if id < 0 || id >= len(m.pieces) {
		return ""
	}
	return m.pieces[id]
}

// Languages returns the language codes of a multi-target model (the "xxx"
// of its ">>xxx<<" tokens), sorted; nil for a single-target model.
func (m *Marian) Languages() []string {
	var codes []string
	for _, tok := range m.languages {
		codes = append(codes, tok[2:len(tok)-2])
	}
	return codes
}

// LanguageToken returns the token that selects the output language of a
// multi-target model: ">>lang<<" with its id, as a zero-width token at
// offset 0. lang may be given bare ("spa") or as the token (">>spa<<").
func (m *Marian) LanguageToken(lang string) (tokenize.Token, error) {
	piece := lang
	if !isLanguageToken(piece) {
		piece = ">>" + lang + "<<"
	}
	id, ok := m.ids[piece]
	if !ok || !isLanguageToken(piece) {
		if len(m.languages) == 0 {
			return tokenize.Token{}, fmt.Errorf("spm: the model has a single target language; it has no language token %s", piece)
		}
		return tokenize.Token{}, fmt.Errorf("spm: the model has no language token %s (it knows %d, e.g. %s)", piece, len(m.languages), m.languages[0])
	}
	return tokenize.Token{ID: id, Piece: piece}, nil
}

// EncodeFor encodes text for a multi-target model, with the language token
// of lang first (see LanguageToken). The text itself is taken literally:
// a language token typed at its start is not recognized.
func (m *Marian) EncodeFor(lang, text string) ([]tokenize.Token, error) {
	lt, err := m.LanguageToken(lang)
	if err != nil {
		return nil, err
	}
	toks, err := m.encode(m.source, text, 0)
	if err != nil {
		return nil, err
	}
	return append([]tokenize.Token{lt}, toks...), nil
}

// Encode splits source text into pieces of source.spm with vocab.json ids.
// Like the Hugging Face tokenizer, it reads a language token typed at the
// very start (">>spa<< text") as one token spanning those bytes, but only
// when vocab.json has that token; otherwise the text is encoded as it is.
// </s> is not appended.
func (m *Marian) Encode(text string) ([]tokenize.Token, error) {
	if strings.HasPrefix(text, ">>") {
		if end := strings.Index(text, "<<"); end > 0 {
			piece := text[:end+2]
			if id, ok := m.ids[piece]; ok && isLanguageToken(piece) {
				toks, err := m.encode(m.source, text[end+2:], end+2)
				if err != nil {
					return nil, err
				}
				return append([]tokenize.Token{{ID: id, Piece: piece, Start: 0, End: end + 2}}, toks...), nil
			}
		}
	}
	return m.encode(m.source, text, 0)
}

// EncodeTarget splits target-language text into pieces of target.spm with
// vocab.json ids, without </s>: the labels of forced decoding and of
// training.
func (m *Marian) EncodeTarget(text string) ([]tokenize.Token, error) {
	return m.encode(m.target, text, 0)
}

// encode encodes text with model and replaces piece indices by vocab.json
// ids; offsets are shifted by base.
func (m *Marian) encode(model *Model, text string, base int) ([]tokenize.Token, error) {
	toks, err := model.Encode(text)
	if err != nil {
		return nil, err
	}
	for i := range toks {
		t := &toks[i]
		id, ok := m.ids[t.Piece]
		if !ok {
			id = m.unkID
		}
		t.ID, t.Start, t.End = id, t.Start+base, t.End+base
	}
	return toks, nil
}

// Decode turns output ids into text as the Hugging Face tokenizer does with
// skip_special_tokens: </s>, <pad>, <unk> and language tokens are dropped,
// the other pieces are decoded by target.spm (a piece it does not know is
// copied as it is), "▁" becomes a space, and surrounding white space is
// trimmed. Ids outside the vocabulary are skipped.
func (m *Marian) Decode(ids []int) string {
	pieces := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == m.eosID || id == m.unkID || id == m.padID {
			continue
		}
		p := m.Piece(id)
		if p == "" || isLanguageToken(p) {
			continue
		}
		pieces = append(pieces, p)
	}
	text := strings.ReplaceAll(m.target.DecodePieces(pieces), spaceSymbol, " ")
	return strings.TrimFunc(text, isPythonSpace)
}

// isPythonSpace is Python's str.isspace, which str.strip() trims: Unicode
// white space plus the information separators U+001C to U+001F.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1C && r <= 0x1F)
}

var _ tokenize.Tokenizer = (*Marian)(nil)
