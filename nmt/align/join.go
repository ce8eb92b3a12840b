package align

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// TokenSpans places decoded tokens in the text they decode to: pieces[k]
// is the text token k adds (for example "▁casa" decoded to " casa"), and
// the result holds each token's byte span in text. Tokens are placed left
// to right; a piece is looked for at the current position, then with
// white space trimmed on both sides (detokenizers drop leading spaces and
// collapse runs of them). A piece that cannot be placed gets an empty span
// at the current position. Spans never leave the text.
func TokenSpans(text string, pieces []string) [][2]int {
	spans := make([][2]int, len(pieces))
	pos := 0
	for k, p := range pieces {
		spans[k] = [2]int{pos, pos}
		if p != "" && strings.HasPrefix(text[pos:], p) {
			spans[k] = [2]int{pos, pos + len(p)}
		} else if t := strings.TrimFunc(p, unicode.IsSpace); t != "" {
			at := len(text) - len(strings.TrimLeftFunc(text[pos:], unicode.IsSpace))
			if strings.HasPrefix(text[at:], t) {
				spans[k] = [2]int{at, at + len(t)}
			}
		}
		pos = spans[k][1]
	}
	return spans
}

// Join turns the alignments of consecutive sentence pairs of one text pair
// into one alignment of the whole texts, for a caller that splits texts
// into sentences before decoding. parts[k] aligns source[srcStarts[k]:]
// with target[tgtStarts[k]:] (its texts must appear there verbatim, in
// order, without overlapping). Words are those of the whole texts (Segment
// never joins across the white space between sentences); tokens, links
// and matrices are shifted into place, the matrices block-diagonal; Score
// is the sum, TokenLogProbs and the subword matrix are kept only when every
// part has them. ID and Method are set by the caller (Method defaults to
// that of the first part).
func Join(source, target string, parts []*Alignment, srcStarts, tgtStarts []int) (*Alignment, error) {
	if len(srcStarts) != len(parts) || len(tgtStarts) != len(parts) {
		return nil, fmt.Errorf("align: join: %d parts with %d source and %d target offsets", len(parts), len(srcStarts), len(tgtStarts))
	}
	src, err := NewText(source, nil)
	if err != nil {
		return nil, fmt.Errorf("align: join: source: %w", err)
	}
	tgt, err := NewText(target, nil)
	if err != nil {
		return nil, fmt.Errorf("align: join: target: %w", err)
	}
	a := &Alignment{Source: src, Target: tgt}
	srcMaps := make([][]int, len(parts))
	tgtMaps := make([][]int, len(parts))
	withSubword, withLogProbs := len(parts) > 0, len(parts) > 0
	for k, p := range parts {
		if p == nil {
			return nil, fmt.Errorf("align: join: part %d is nil", k)
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("align: join: part %d: %w", k, err)
		}
		if k == 0 {
			a.Method = p.Method
		}
		if srcMaps[k], err = placePart(&a.Source, &p.Source, srcStarts[k], prevEnd(parts, srcStarts, k, true)); err != nil {
			return nil, fmt.Errorf("align: join: part %d source: %w", k, err)
		}
		if tgtMaps[k], err = placePart(&a.Target, &p.Target, tgtStarts[k], prevEnd(parts, tgtStarts, k, false)); err != nil {
			return nil, fmt.Errorf("align: join: part %d target: %w", k, err)
		}
		withSubword = withSubword && p.Subword != nil
		withLogProbs = withLogProbs && p.TokenLogProbs != nil
		a.Score += p.Score
	}
	a.Word = NewMatrix(len(a.Target.Words), len(a.Source.Words))
	for k, p := range parts {
		for j, tj := range tgtMaps[k] {
			for i, si := range srcMaps[k] {
				a.Word.Data[tj*a.Word.Cols+si] = p.Word.At(j, i)
			}
		}
		for _, l := range p.Links {
			a.Links = append(a.Links, Link{Source: srcMaps[k][l.Source], Target: tgtMaps[k][l.Target]})
		}
		if withLogProbs {
			a.TokenLogProbs = append(a.TokenLogProbs, p.TokenLogProbs...)
		}
	}
	sortLinks(a.Links)
	if withSubword {
		a.joinSubword(parts)
	}
	return a, a.Validate()
}

// prevEnd returns the byte offset where part k-1's text ends in the whole
// text (0 for the first part).
func prevEnd(parts []*Alignment, starts []int, k int, source bool) int {
	if k == 0 {
		return 0
	}
	if source {
		return starts[k-1] + len(parts[k-1].Source.Text)
	}
	return starts[k-1] + len(parts[k-1].Target.Text)
}

// placePart appends part's tokens to whole, shifted by start, and returns
// the index in whole.Words of each of part's words.
func placePart(whole, part *Text, start, notBefore int) ([]int, error) {
	if start < notBefore || start+len(part.Text) > len(whole.Text) || whole.Text[start:start+len(part.Text)] != part.Text {
		return nil, fmt.Errorf("its text does not appear at byte %d (after byte %d)", start, notBefore)
	}
	index := make(map[int]int, len(whole.Words)) // byte start → word
	for i, w := range whole.Words {
		index[w.Start] = i
	}
	m := make([]int, len(part.Words))
	for i, w := range part.Words {
		j, ok := index[start+w.Start]
		if !ok || whole.Words[j].End != start+w.End {
			return nil, fmt.Errorf("word %d %q is not a word of the whole text", i, w.Text)
		}
		m[i] = j
	}
	offs := charOffsets(whole.Text)
	for _, t := range part.Tokens {
		t.Start += start
		t.End += start
		t.CharStart = charIndex(offs, t.Start)
		t.CharEnd = charIndexCeil(offs, t.End)
		if t.Word >= 0 {
			t.Word = m[t.Word]
		}
		whole.Tokens = append(whole.Tokens, t)
	}
	return m, nil
}

// joinSubword lays the parts' subword matrices on the diagonal.
func (a *Alignment) joinSubword(parts []*Alignment) {
	sub := NewMatrix(len(a.Target.Tokens), len(a.Source.Tokens))
	r0, c0 := 0, 0
	for _, p := range parts {
		for r := range p.Subword.Rows {
			copy(sub.Row(r0 + r)[c0:c0+p.Subword.Cols], p.Subword.Row(r))
		}
		a.SourceEOS = append(a.SourceEOS, p.SourceEOS...)
		r0 += p.Subword.Rows
		c0 += p.Subword.Cols
	}
	a.Subword = &sub
}

// sortLinks sorts links by source then target word.
func sortLinks(links []Link) {
	slices.SortFunc(links, func(x, y Link) int {
		if c := cmp.Compare(x.Source, y.Source); c != 0 {
			return c
		}
		return cmp.Compare(x.Target, y.Target)
	})
}
