package spm

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/translated/translated/tokenize"
)

// Model is a loaded SentencePiece unigram model. Its ids are the piece
// indices of the .spm file. A Model is immutable and safe for concurrent
// use; it implements tokenize.Tokenizer.
type Model struct {
	pieces   []protoPiece
	normal   map[string]int // NORMAL, USER_DEFINED and UNUSED pieces
	reserved map[string]int // CONTROL, UNKNOWN and BYTE pieces
	segments *trie          // what the segmenter may match: the normal set
	unkID    int

	byteFallback bool
	byteID       [256]int // id of <0xNN>, when byteFallback

	// minScore and maxScore span the scores of NORMAL pieces. An unknown
	// character costs minScore - unkPenalty; a user-defined piece of n
	// bytes scores n*maxScore - 0.1, which beats any normal segmentation.
	minScore, maxScore float32

	norm       *normalizer
	denorm     *normalizer // nil: decoded text is not rewritten
	unkSurface string
	trainer    trainerSpec
}

// unkPenalty is how much worse than the worst piece an unknown character
// scores.
const unkPenalty = 10

// flagMin is the smallest normal float32 (C's FLT_MIN), the reference's
// starting point for the maximum score.
const flagMin = float32(0x1p-126)

// Load reads a .spm model file.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Parse loads a model from the bytes of a .spm file. It refuses anything
// but a unigram model and checks what the reference checks on loading: no
// empty or duplicate piece, exactly one <unk>, and all 256 byte pieces
// when byte fallback is on.
func Parse(b []byte) (*Model, error) {
	p, err := parseModelProto(b)
	if err != nil {
		return nil, fmt.Errorf("spm: not a SentencePiece model: %w", err)
	}
	if p.trainer.modelType != modelUnigram {
		return nil, fmt.Errorf("spm: model type %s is not supported, only unigram", modelTypeName(p.trainer.modelType))
	}
	m := &Model{
		pieces:       p.pieces,
		normal:       make(map[string]int, len(p.pieces)),
		reserved:     make(map[string]int),
		unkID:        -1,
		byteFallback: p.trainer.byteFallback,
		unkSurface:   p.trainer.unkSurface,
		trainer:      p.trainer,
	}
	if err := m.indexPieces(); err != nil {
		return nil, fmt.Errorf("spm: %w", err)
	}
	if m.norm, err = newNormalizer(p.normalizer, m.userDefinedTrie(), p.trainer.treatWhitespaceAsSuffix); err != nil {
		return nil, fmt.Errorf("spm: normalizer_spec: %w", err)
	}
	if p.hasDenormalizer && len(p.denormalizer.charsMap) > 0 {
		if m.denorm, err = newNormalizer(p.denormalizer, nil, false); err != nil {
			return nil, fmt.Errorf("spm: denormalizer_spec: %w", err)
		}
	}
	return m, nil
}

func newNormalizer(spec normalizerSpec, userDefined *trie, wsAsSuffix bool) (*normalizer, error) {
	n := &normalizer{spec: spec, userDefined: userDefined, wsAsSuffix: wsAsSuffix}
	if len(spec.charsMap) > 0 {
		rules, err := parseCharsMap(spec.charsMap)
		if err != nil {
			return nil, err
		}
		n.rules = rules
	}
	return n, nil
}

// indexPieces fills the piece maps, the segmenter's trie, the unknown id,
// the byte ids and the score range.
func (m *Model) indexPieces() error {
	var keys []trieKey
	var haveByte [256]bool
	m.minScore, m.maxScore = float32(math.MaxFloat32), flagMin
	for i, p := range m.pieces {
		if p.piece == "" {
			return fmt.Errorf("piece %d is empty", i)
		}
		if strings.IndexByte(p.piece, 0) >= 0 {
			return fmt.Errorf("piece %d contains a NUL byte", i)
		}
		set := m.reserved
		if p.typ == typeNormal || p.typ == typeUserDefined || p.typ == typeUnused {
			set = m.normal
			keys = append(keys, trieKey{p.piece, int32(i)})
		}
		if _, dup := set[p.piece]; dup {
			return fmt.Errorf("piece %q is defined twice", p.piece)
		}
		set[p.piece] = i
		switch p.typ {
		case typeNormal:
			m.minScore = min(m.minScore, p.score)
			m.maxScore = max(m.maxScore, p.score)
		case typeUnknown:
			if m.unkID >= 0 {
				return fmt.Errorf("two unknown pieces, %d and %d", m.unkID, i)
			}
			m.unkID = i
		case typeByte:
			if !m.byteFallback {
				return fmt.Errorf("byte piece %q although byte_fallback is off", p.piece)
			}
			v, ok := pieceByte(p.piece)
			if !ok {
				return fmt.Errorf("byte piece %q is not of the form <0xNN>", p.piece)
			}
			haveByte[v] = true
			m.byteID[v] = i
		}
	}
	if m.unkID < 0 {
		return errors.New("no unknown piece")
	}
	if m.byteFallback {
		for v, ok := range haveByte {
			if !ok {
				return fmt.Errorf("byte_fallback is on but byte piece <0x%02X> is missing", v)
			}
		}
	}
	if len(keys) == 0 {
		return errors.New("no normal piece")
	}
	m.segments = newTrie(keys)
	return nil
}

// userDefinedTrie returns the trie of the user-defined pieces, nil when
// there are none.
func (m *Model) userDefinedTrie() *trie {
	var keys []trieKey
	for i, p := range m.pieces {
		if p.typ == typeUserDefined {
			keys = append(keys, trieKey{p.piece, int32(i)})
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return newTrie(keys)
}

func modelTypeName(t int32) string {
	switch t {
	case modelBPE:
		return "BPE"
	case modelWord:
		return "word"
	case modelChar:
		return "char"
	}
	return fmt.Sprint(t)
}

// pieceByte parses a byte piece "<0xNN>" (upper-case hex digits).
func pieceByte(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexDigit(s[3])
	lo, ok2 := hexDigit(s[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// bytePiece is the piece of byte v: "<0xNN>".
func bytePiece(v byte) string {
	const hex = "0123456789ABCDEF"
	return "<0x" + string(hex[v>>4]) + string(hex[v&15]) + ">"
}

// VocabSize is the number of pieces.
func (m *Model) VocabSize() int { return len(m.pieces) }

// ID returns the id of a piece. As in the reference, control, unknown and
// byte pieces are looked up first; a piece that is not in the model is
// reported as missing (the reference would answer the unknown id).
func (m *Model) ID(piece string) (int, bool) {
	if id, ok := m.reserved[piece]; ok {
		return id, true
	}
	id, ok := m.normal[piece]
	return id, ok
}

// pieceID is the reference's PieceToId: unknown pieces map to <unk>.
func (m *Model) pieceID(piece string) int {
	if id, ok := m.ID(piece); ok {
		return id
	}
	return m.unkID
}

// Piece returns the piece of an id, "" when out of range.
func (m *Model) Piece(id int) string {
	if id < 0 || id >= len(m.pieces) {
		return ""
	}
	return m.pieces[id].piece
}

// Score returns the log-probability the model gives a piece, 0 when the id
// is out of range.
func (m *Model) Score(id int) float32 {
	if id < 0 || id >= len(m.pieces) {
		return 0
	}
	return m.pieces[id].score
}

// UnkID is the id of the unknown piece.
func (m *Model) UnkID() int { return m.unkID }

// IsControl reports whether id is a control piece (<s>, </s>, ...), which
// the encoder never produces and the decoder skips.
func (m *Model) IsControl(id int) bool { return m.is(id, typeControl) }

// IsUnknown reports whether id is the unknown piece.
func (m *Model) IsUnknown(id int) bool { return m.is(id, typeUnknown) }

// IsByte reports whether id is a byte piece <0xNN>.
func (m *Model) IsByte(id int) bool { return m.is(id, typeByte) }

func (m *Model) is(id int, t pieceType) bool {
	return id >= 0 && id < len(m.pieces) && m.pieces[id].typ == t
}

// Normalize returns text as the segmenter sees it: normalized, with spaces
// escaped as "▁" and the dummy prefix added. The concatenated pieces of
// Encode(text) spell exactly this string (byte pieces taken as their byte,
// unknown pieces as the characters they cover).
func (m *Model) Normalize(text string) string {
	return m.norm.normalize(text).text
}

var _ tokenize.Tokenizer = (*Model)(nil)
