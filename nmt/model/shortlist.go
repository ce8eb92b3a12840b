package model

import (
	"fmt"
	"math"

	"github.com/translated/translated/nmt/tensor"
)

// SetShortlist restricts the decoder's output layer to the target tokens
// ids (ascending, without repeats): from the next step on, Next computes
// the logits of these tokens only, normalises them among themselves and
// gives every other token a log-probability of −Inf. It is the vocabulary
// shortlist of Marian (lexical shortlists): ids usually hold the tokens
// likely to translate the batch's source tokens and the most frequent ones,
// and must hold the end-of-sentence token. nil restores the whole
// vocabulary. The selected rows of the output projection are copied here,
// once per call.
func (d *Decoder) SetShortlist(ids []int) error {
	if ids == nil {
		d.short = nil
		return nil
	}
	c := &d.m.cfg
	eos := false
	for i, id := range ids {
		if id < 0 || id >= c.DecoderVocabSize || (i > 0 && id <= ids[i-1]) {
			return fmt.Errorf("model: shortlist id %d at %d is outside the vocabulary of %d or not ascending", id, i, c.DecoderVocabSize)
		}
		eos = eos || id == c.EOSTokenID
	}
	if !eos {
		return fmt.Errorf("model: the shortlist lacks the end-of-sentence token %d", c.EOSTokenID)
	}
	d.short = &shortlist{ids: append([]int(nil), ids...), out: d.m.output.Select(ids)}
	return nil
}

// shortlist is the restricted output layer of SetShortlist.
type shortlist struct {
	ids    []int          // the tokens, ascending
	out    *tensor.Linear // their rows of the output projection
	logits []float32      // [rows, len(ids)] scratch
}

// scatterJob turns the shortlist's logits of rows into log-probabilities
// and writes them over the whole vocabulary, −Inf elsewhere.
type scatterJob struct {
	s      *shortlist
	out    []float32 // [rows, V]
	v      int
	negInf float32
}

func (j *scatterJob) Range(lo, hi int) {
	n := len(j.s.ids)
	for r := lo; r < hi; r++ {
		src := j.s.logits[r*n : (r+1)*n]
		tensor.LogSoftmax(src, nil)
		row := j.out[r*j.v : (r+1)*j.v]
		for i := range row {
			row[i] = j.negInf
		}
		for i, id := range j.s.ids {
			row[id] = src[i]
		}
	}
}

// shortLogits computes the shortlist's logits of rows rows of x and, split
// over goroutines, the log-probabilities of the whole vocabulary into out.
func (d *Decoder) shortLogits(x, out []float32, rows int) {
	s := d.short
	n := len(s.ids)
	if len(s.logits) < rows*n {
		s.logits = make([]float32, max(rows, d.cache.rows)*n)
	}
	s.out.Apply(s.logits[:rows*n], x, rows) // [rows, len(ids)]
	v := d.m.cfg.DecoderVocabSize
	d.scatter = scatterJob{s: s, out: out, v: v, negInf: float32(math.Inf(-1))}
	tensor.ParallelFor(rows, 3*n+v, &d.scatter)
}
