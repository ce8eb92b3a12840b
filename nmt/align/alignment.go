package align

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Token is one subword of a text as the model saw it.
type Token struct {
	ID        int    `json:"id"`         // vocabulary id
	Piece     string `json:"piece"`      // vocabulary entry
	Start     int    `json:"start"`      // byte offset in the text where the token starts
	End       int    `json:"end"`        // byte offset just past it (Start == End for a zero-width token)
	CharStart int    `json:"char_start"` // the same span in code points
	CharEnd   int    `json:"char_end"`
	Word      int    `json:"word"` // index of the word the token belongs to, -1 for none
}

// Text is one side of a sentence pair: the text as given, its subword
// tokens (without the end-of-sentence token) and its words.
type Text struct {
	Text   string  `json:"text"`
	Tokens []Token `json:"tokens"` // empty for word-level aligners such as IBM Model 1
	Words  []Word  `json:"words"`
}

// Link is one hard link between a source word and a target word, written
// "Source-Target" in Pharaoh format.
type Link struct {
	Source int // index into the source words
	Target int // index into the target words
}

// String returns the Pharaoh form "i-j".
func (l Link) String() string { return fmt.Sprintf("%d-%d", l.Source, l.Target) }

// Matrix is a dense row-major matrix of alignment weights. In an Alignment
// rows are target units and columns source units.
type Matrix struct {
	Rows, Cols int
	Data       []float32 // len Rows*Cols; Data[r*Cols+c]
}

// NewMatrix returns a zero rows×cols matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// At returns the weight at row r, column c.
func (m Matrix) At(r, c int) float32 { return m.Data[r*m.Cols+c] }

// Row returns row r (aliasing the matrix).
func (m Matrix) Row(r int) []float32 { return m.Data[r*m.Cols : (r+1)*m.Cols] }

// Alignment is one aligned sentence pair.
type Alignment struct {
	// ID labels the pair in exports (a verse reference, a line number); may be empty.
	ID string
	// Method says how the alignment was made, e.g. "attention layer=2,head=1"
	// or "ibm1"; informative only.
	Method string
	// Source and Target are the two texts, tokens and words.
	Source, Target Text
	// Subword is the soft matrix [len(Target.Tokens)][len(Source.Tokens)];
	// every row sums to 1 over the real source tokens (the end-of-sentence
	// column removed and the row renormalized), or is all zero. Nil for
	// word-level aligners.
	Subword *Matrix
	// SourceEOS holds, per target token, the weight the source
	// end-of-sentence column received before it was removed. Nil when
	// Subword is nil.
	SourceEOS []float32
	// Word is the soft matrix [len(Target.Words)][len(Source.Words)], every
	// row summing to 1 or all zero.
	Word Matrix
	// Links are the hard links, sorted by source then target word.
	Links []Link
	// Score is the total log-probability of the target under the model
	// (0 when unknown), TokenLogProbs the log-probability of each target
	// token (nil when unknown).
	Score         float64
	TokenLogProbs []float32
}

// Validate checks that the alignment is internally consistent: spans inside
// the texts, token-to-word indices, matrix shapes, links in range.
func (a *Alignment) Validate() error {
	for _, side := range []struct {
		name string
		t    *Text
	}{{"source", &a.Source}, {"target", &a.Target}} {
		if err := side.t.validate(side.name); err != nil {
			return err
		}
	}
	if a.Subword != nil {
		if err := a.Subword.validate("subword matrix", len(a.Target.Tokens), len(a.Source.Tokens)); err != nil {
			return err
		}
		if len(a.SourceEOS) != len(a.Target.Tokens) {
			return fmt.Errorf("align: source_eos has %d values for %d target tokens", len(a.SourceEOS), len(a.Target.Tokens))
		}
		for t, v := range a.SourceEOS {
			if !(v >= 0 && v <= 1+1e-3) {
				return fmt.Errorf("align: source_eos of target token %d is %v, want a share in [0,1]", t, v)
			}
		}
	}
	if err := a.Word.validate("word matrix", len(a.Target.Words), len(a.Source.Words)); err != nil {
		return err
	}
	for _, l := range a.Links {
		if l.Source < 0 || l.Source >= len(a.Source.Words) || l.Target < 0 || l.Target >= len(a.Target.Words) {
			return fmt.Errorf("align: link %s outside %d source × %d target words", l, len(a.Source.Words), len(a.Target.Words))
		}
	}
	if a.TokenLogProbs != nil && len(a.TokenLogProbs) != len(a.Target.Tokens) {
		return fmt.Errorf("align: %d token log-probabilities for %d target tokens", len(a.TokenLogProbs), len(a.Target.Tokens))
	}
	for t, v := range a.TokenLogProbs {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v > 0 {
			return fmt.Errorf("align: log-probability of target token %d is %v, want a finite value ≤ 0", t, v)
		}
	}
	if math.IsNaN(a.Score) || math.IsInf(a.Score, 0) || a.Score > 0 {
		return fmt.Errorf("align: score %v, want a finite log-probability ≤ 0", a.Score)
	}
	return nil
}

func (t *Text) validate(side string) error {
	if !utf8.ValidString(t.Text) {
		return fmt.Errorf("align: %s text is not valid UTF-8", side)
	}
	for i, tok := range t.Tokens {
		if tok.Start < 0 || tok.End < tok.Start || tok.End > len(t.Text) {
			return fmt.Errorf("align: %s token %d span [%d,%d) outside the %d-byte text", side, i, tok.Start, tok.End, len(t.Text))
		}
		if tok.Word < -1 || tok.Word >= len(t.Words) {
			return fmt.Errorf("align: %s token %d names word %d of %d", side, i, tok.Word, len(t.Words))
		}
	}
	for i, w := range t.Words {
		if w.Start < 0 || w.End <= w.Start || w.End > len(t.Text) {
			return fmt.Errorf("align: %s word %d span [%d,%d) outside the %d-byte text", side, i, w.Start, w.End, len(t.Text))
		}
		if t.Text[w.Start:w.End] != w.Text {
			return fmt.Errorf("align: %s word %d is %q but its span holds %q", side, i, w.Text, t.Text[w.Start:w.End])
		}
	}
	return nil
}

func (m *Matrix) validate(name string, rows, cols int) error {
	if m.Rows != rows || m.Cols != cols {
		return fmt.Errorf("align: %s is %d×%d, want %d×%d", name, m.Rows, m.Cols, rows, cols)
	}
	if len(m.Data) != rows*cols {
		return fmt.Errorf("align: %s holds %d values, want %d", name, len(m.Data), rows*cols)
	}
	for k, v := range m.Data {
		if !(v >= 0 && v <= 1+1e-3) { // also false for NaN
			return fmt.Errorf("align: %s row %d column %d is %v, want a weight in [0,1]", name, k/cols, k%cols, v)
		}
	}
	return nil
}

// NewText segments text into words and attaches tokens to them: each
// token belongs to the word its byte span overlaps most (the first such
// word on a tie), or to none (-1) when it overlaps no word (a lone space
// marker, a zero-width token). Character spans are filled in. Tokens may be
// nil. It fails on invalid UTF-8 and on spans outside the text.
func NewText(text string, tokens []Token) (Text, error) {
	if !utf8.ValidString(text) {
		return Text{}, fmt.Errorf("align: text is not valid UTF-8")
	}
	words := Segment(text)
	if words == nil {
		words = []Word{}
	}
	offs := charOffsets(text)
	toks := make([]Token, len(tokens))
	for i, tok := range tokens {
		if tok.Start < 0 || tok.End < tok.Start || tok.End > len(text) {
			return Text{}, fmt.Errorf("align: token %d (%q) span [%d,%d) outside the %d-byte text", i, tok.Piece, tok.Start, tok.End, len(text))
		}
		tok.CharStart = charIndex(offs, tok.Start)
		tok.CharEnd = charIndexCeil(offs, tok.End)
		tok.Word = mostOverlapped(words, tok.Start, tok.End)
		toks[i] = tok
	}
	return Text{Text: text, Tokens: toks, Words: words}, nil
}

// mostOverlapped returns the index of the word sharing most bytes with
// [start,end), or -1.
func mostOverlapped(words []Word, start, end int) int {
	best, bestBytes := -1, 0
	for i, w := range words {
		if w.Start >= end {
			break
		}
		if n := min(end, w.End) - max(start, w.Start); n > bestBytes {
			best, bestBytes = i, n
		}
	}
	return best
}

// charIndex returns the code point index of the character holding byte off.
func charIndex(offs []int, off int) int {
	lo, hi := 0, len(offs)-1
	for lo < hi { // largest c with offs[c] <= off
		mid := (lo + hi + 1) / 2
		if offs[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// charIndexCeil returns the smallest code point index whose start is at or
// after byte off.
func charIndexCeil(offs []int, off int) int {
	c := charIndex(offs, off)
	if offs[c] < off {
		c++
	}
	return c
}
