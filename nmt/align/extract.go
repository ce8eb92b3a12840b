package align

import (
	"fmt"
	"math"
)

// Input is what a translator knows about one hypothesis once it is decoded
// (or force-decoded): both texts, their subword tokens and the
// cross-attention of every decoder step.
type Input struct {
	ID string // label for exports; may be empty

	SourceText   string
	SourceTokens []Token // ID, Piece, Start, End; without the end-of-sentence token
	TargetText   string
	TargetTokens []Token // ID, Piece, Start, End; without the end-of-sentence token

	// Attention is [T][layers][heads][S]: for each decoder step, the
	// cross-attention of every layer and head over the S source positions
	// (S ≥ len(SourceTokens)+1: the real tokens, then the source
	// end-of-sentence token, then padding, which is ignored). Step t is the
	// step that predicted TargetTokens[t]; T is len(TargetTokens), or one
	// more when the step that predicted the target end-of-sentence token is
	// included (its row is used only by shifted selectors).
	Attention [][][][]float32

	// Score and TokenLogProbs are copied to the Alignment; TokenLogProbs
	// is nil or has one value per target token (a trailing value for the
	// end-of-sentence step is dropped).
	Score         float64
	TokenLogProbs []float32
}

// Options choose how Extract reduces attention to links.
type Options struct {
	// Selector picks the heads; the zero value averages all of them.
	Selector Selector
	// Symmetrize combines the two argmax directions; the zero value is
	// GrowDiagFinalAnd.
	Symmetrize Symmetrization
}

// Extract builds the alignment of one sentence pair from cross-attention:
//
//  1. For each target token t, the selected heads of step t (step t+1 with
//     a shifted selector, when that step exists) are averaged into one
//     weight per source position.
//  2. The source end-of-sentence column is removed: its share of the row is
//     kept in SourceEOS and the remaining weights are renormalized to sum
//     to 1 (a row with no weight left stays zero). Padding is ignored.
//  3. The subword matrix is aggregated into the word matrix (WordMatrix).
//  4. Hard links come from the word matrix (HardLinks).
func Extract(in Input, opt Options) (*Alignment, error) {
	src, err := NewText(in.SourceText, in.SourceTokens)
	if err != nil {
		return nil, fmt.Errorf("align: source: %w", err)
	}
	tgt, err := NewText(in.TargetText, in.TargetTokens)
	if err != nil {
		return nil, fmt.Errorf("align: target: %w", err)
	}
	refs, err := checkAttention(in, opt.Selector)
	if err != nil {
		return nil, err
	}
	n := len(src.Tokens)
	sub := NewMatrix(len(tgt.Tokens), n)
	eos := make([]float32, len(tgt.Tokens))
	for t := range tgt.Tokens {
		step := t
		if opt.Selector.shift && t+1 < len(in.Attention) {
			step = t + 1
		}
		eos[t], err = reduceStep(sub.Row(t), in.Attention[step], refs, n)
		if err != nil {
			return nil, fmt.Errorf("align: attention of target token %d (step %d): %w", t, step, err)
		}
	}
	a := &Alignment{
		ID:        in.ID,
		Method:    "attention " + opt.Selector.String(),
		Source:    src,
		Target:    tgt,
		Subword:   &sub,
		SourceEOS: eos,
		Score:     in.Score,
	}
	if in.TokenLogProbs != nil {
		if len(in.TokenLogProbs) != len(tgt.Tokens) && len(in.TokenLogProbs) != len(tgt.Tokens)+1 {
			return nil, fmt.Errorf("align: %d token log-probabilities for %d target tokens", len(in.TokenLogProbs), len(tgt.Tokens))
		}
		a.TokenLogProbs = append([]float32(nil), in.TokenLogProbs[:len(tgt.Tokens)]...)
	}
	a.Word = WordMatrix(sub, src, tgt)
	a.Links = HardLinks(a.Word, opt.Symmetrize)
	return a, nil
}

// checkAttention validates the shape of in.Attention and resolves the
// selector against it.
func checkAttention(in Input, sel Selector) ([]HeadRef, error) {
	T, want := len(in.Attention), len(in.TargetTokens)
	if T != want && T != want+1 {
		return nil, fmt.Errorf("align: attention has %d steps for %d target tokens (want %d, or %d with the end-of-sentence step)", T, want, want, want+1)
	}
	if T == 0 {
		return nil, nil // nothing to reduce, nothing to check the selector against
	}
	layers := len(in.Attention[0])
	if layers == 0 || len(in.Attention[0][0]) == 0 {
		return nil, fmt.Errorf("align: attention step 0 has no layers or no heads")
	}
	heads := len(in.Attention[0][0])
	need := len(in.SourceTokens) + 1
	for t, step := range in.Attention {
		if len(step) != layers {
			return nil, fmt.Errorf("align: attention step %d has %d layers, step 0 has %d", t, len(step), layers)
		}
		for l, layer := range step {
			if len(layer) != heads {
				return nil, fmt.Errorf("align: attention step %d layer %d has %d heads, want %d", t, l, len(layer), heads)
			}
			for h, row := range layer {
				if len(row) < need {
					return nil, fmt.Errorf("align: attention step %d layer %d head %d covers %d source positions, want at least %d (%d tokens and the end-of-sentence token)", t, l, h, len(row), need, need-1)
				}
			}
		}
	}
	return sel.resolve(layers, heads)
}

// reduceStep averages the selected heads of one step into dst (the n real
// source tokens), removes the end-of-sentence column at n and renormalizes.
// It returns the end-of-sentence share of the row.
func reduceStep(dst []float32, step [][][]float32, refs []HeadRef, n int) (float32, error) {
	var sum, eos float64
	for s := 0; s <= n; s++ {
		var v float64
		for _, r := range refs {
			w := float64(step[r.Layer][r.Head][s])
			if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
				return 0, fmt.Errorf("layer %d head %d position %d holds %v", r.Layer, r.Head, s, w)
			}
			v += w
		}
		v /= float64(len(refs))
		sum += v
		if s == n {
			eos = v
			break
		}
		dst[s] = float32(v)
	}
	if sum == 0 {
		return 0, nil
	}
	real := sum - eos
	for s := range dst {
		if real > 0 {
			dst[s] = float32(float64(dst[s]) / real)
		} else {
			dst[s] = 0
		}
	}
	return float32(eos / sum), nil
}

// WordMatrix aggregates a subword matrix [target tokens × source tokens]
// into a word matrix [target words × source words]:
//
//	W[j][i] = mean over the tokens t of target word j of
//	          Σ over the tokens s of source word i of sub[t][s]
//
// then each row is renormalized to sum to 1. Summing over source pieces
// keeps the mass a word receives whatever number of pieces it was cut
// into; averaging over target pieces gives each target word one
// distribution. Tokens that belong to no word (Token.Word == -1) are
// left out; a word with no tokens gets a zero row or column.
func WordMatrix(sub Matrix, src, tgt Text) Matrix {
	w := NewMatrix(len(tgt.Words), len(src.Words))
	for t, tt := range tgt.Tokens {
		j := tt.Word
		if j < 0 {
			continue
		}
		row := w.Row(j)
		for s, st := range src.Tokens {
			if st.Word >= 0 {
				row[st.Word] += sub.At(t, s)
			}
		}
	}
	for j := range w.Rows {
		normalizeRow(w.Row(j)) // the mean of the pieces' rows, as they each sum to 1
	}
	return w
}

// normalizeRow scales row to sum to 1, or leaves it zero.
func normalizeRow(row []float32) {
	var sum float64
	for _, v := range row {
		sum += float64(v)
	}
	if sum <= 0 {
		return
	}
	for i, v := range row {
		row[i] = float32(float64(v) / sum)
	}
}
