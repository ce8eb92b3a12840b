package spm

import (
	"errors"
	"unicode/utf8"

	"github.com/translated/translated/tokenize"
)

// segment is one piece of the best segmentation: normalized bytes
// [start, end) and the piece id (the unknown id for a character no piece
// covers).
type segment struct {
	start, end int
	id         int
}

// Encode splits text into pieces. Ids are piece indices of the model. Spans
// are byte offsets into text (see tokenize.Token); a token made from part
// of a normalization rule's output, or a byte piece, covers the whole
// input character it came from. Runs of unknown characters become one
// token with the unknown id whose Piece is the normalized characters it
// stands for, as in the reference; with byte fallback each unknown
// character becomes its UTF-8 byte pieces instead.
//
// Invalid UTF-8 is an error (the reference would read each bad byte as
// U+FFFD).
func (m *Model) Encode(text string) ([]tokenize.Token, error) {
	if !utf8.ValidString(text) {
		return nil, errors.New("spm: input is not valid UTF-8")
	}
	n := m.norm.normalize(text)
	return m.tokens(&n, m.segment(n.text)), nil
}

// tokens turns a segmentation into tokens with input spans.
func (m *Model) tokens(n *normalized, segs []segment) []tokenize.Token {
	out := make([]tokenize.Token, 0, len(segs))
	prevUnk := false
	runStart := 0 // where the current run of unknown characters starts
	for _, s := range segs {
		from, to := n.span(s.start, s.end)
		w := n.text[s.start:s.end]
		unk := s.id == m.unkID
		switch {
		case unk && m.byteFallback:
			for i := 0; i < len(w); i++ {
				id := m.byteID[w[i]]
				out = append(out, tokenize.Token{ID: id, Piece: m.pieces[id].piece, Start: from, End: to})
			}
		case unk && prevUnk:
			last := &out[len(out)-1]
			last.Piece = n.text[runStart:s.end]
			last.End = max(last.End, to)
		default:
			out = append(out, tokenize.Token{ID: s.id, Piece: w, Start: from, End: to})
			runStart = s.start
		}
		prevUnk = unk
	}
	return out
}

// bestPath is the best segmentation of a prefix of the normalized text,
// known by its last piece.
type bestPath struct {
	score float32
	start int // where the last piece starts; -1 while no path is known
	id    int
}

// segment finds the segmentation of s with the highest total score
// (Viterbi over all pieces matching at each character). The arithmetic
// follows the reference exactly, since ties and near-ties decide pieces:
// path scores are stored as float32, candidates through known pieces are
// compared in float64, candidates through an unknown character in float32.
func (m *Model) segment(s string) []segment {
	if s == "" {
		return nil
	}
	best := make([]bestPath, len(s)+1)
	for i := range best {
		best[i].start = -1
	}
	best[0].start = 0
	unkScore := m.minScore - unkPenalty
	for start := 0; start < len(s); {
		here := best[start].score
		charLen := min(utf8SeqLen(s[start]), len(s)-start)
		coversChar := false
		node := int32(0)
		for end := start + 1; end <= len(s); end++ {
			if node = m.segments.next(node, s[end-1]); node < 0 {
				break
			}
			id := int(m.segments.value[node])
			if id < 0 || m.pieces[id].typ == typeUnused {
				continue
			}
			score := float64(m.pieces[id].score)
			if m.pieces[id].typ == typeUserDefined {
				score = float64(float32(end-start)*m.maxScore) - 0.1
			}
			cand := score + float64(here)
			if t := &best[end]; t.start < 0 || cand > float64(t.score) {
				*t = bestPath{score: float32(cand), start: start, id: id}
			}
			if end-start == charLen {
				coversChar = true
			}
		}
		if !coversChar {
			cand := unkScore + here
			if t := &best[start+charLen]; t.start < 0 || cand > t.score {
				*t = bestPath{score: cand, start: start, id: m.unkID}
			}
		}
		start += charLen
	}

	var segs []segment
	for end := len(s); end > 0; end = best[end].start {
		segs = append(segs, segment{start: best[end].start, end: end, id: best[end].id})
	}
	for i, j := 0, len(segs)-1; i < j; i, j = i+1, j-1 {
		segs[i], segs[j] = segs[j], segs[i]
	}
	return segs
}

// utf8SeqLen is the length of a UTF-8 sequence judged by its first byte
// alone, as the reference's segmenter steps through text: 1 for ASCII and
// for stray continuation bytes.
func utf8SeqLen(b byte) int {
	switch {
	case b < 0xC0:
		return 1
	case b < 0xE0:
		return 2
	case b < 0xF0:
		return 3
	}
	return 4
}
