package model

import (
	"context"
	"fmt"
	"math"

	"github.com/translated/translated/nmt/tensor"
)

// Restrict gives sentence s (numbered as Source reports) a vocabulary
// shortlist: from the next step on, its rows' log-probabilities are those
// of the tokens ids (ascending, without repeats, the end-of-sentence token
// among them) normalised among themselves, −Inf for every other token,
// whatever the other sentences keep. It is the vocabulary shortlist of
// Marian (lexical shortlists): ids usually hold the tokens likely to
// translate the sentence's source tokens and the most frequent ones. nil
// gives the sentence the whole vocabulary again.
//
// A step computes the output layer for the union of the lists of the
// sentences being decoded only (the whole vocabulary when one of them has
// no list), and each row's logits are those of the whole layer exactly,
// so a sentence's log-probabilities do not depend on the other sentences.
// The union's rows of the output projection are copied as sentences join
// (only the tokens new to it) and, now and then, as they leave; the
// Decoder keeps ids, which the caller must not change.
func (d *Decoder) Restrict(s int, ids []int) error {
	if s < d.firstSource || s >= d.firstSource+len(d.sources) || d.sources[s-d.firstSource].kv == nil {
		return fmt.Errorf("model: Restrict of sentence %d, which is not being decoded", s)
	}
	if err := d.checkShortlist(ids); err != nil {
		return err
	}
	d.restrict(&d.sources[s-d.firstSource], ids)
	return nil
}

// SetShortlist restricts every sentence joined so far, and every sentence
// joining later, to ids, as Restrict does; nil gives them all the whole
// vocabulary again.
func (d *Decoder) SetShortlist(ids []int) error {
	if err := d.checkShortlist(ids); err != nil {
		return err
	}
	if ids != nil {
		ids = append([]int(nil), ids...)
	}
	d.short.all = ids
	for i := range d.sources {
		if d.sources[i].kv != nil {
			d.restrict(&d.sources[i], ids)
		}
	}
	return nil
}

// checkShortlist validates a sentence's list of tokens.
func (d *Decoder) checkShortlist(ids []int) error {
	if ids == nil {
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
	return nil
}

// shortlist is the output layer of the sentences' shortlists (Restrict):
// the union of their lists, in slots, with tokens no sentence keeps any
// more left in place until they are many (stale).
type shortlist struct {
	all    []int          // SetShortlist's list, given to every joining sentence; nil: none
	live   int            // sentences being decoded (not forgotten)
	kept   int            // … of which restricted
	ids    []int          // the token of each slot: the output layer's outputs
	slot   []int32        // [V] a token's slot + 1; 0: none
	refs   []int32        // [V] restricted sentences keeping the token
	stale  int            // slots whose token no sentence keeps
	out    *tensor.Linear // the rows of ids of the output projection
	logits []float32      // [rows, len(ids)] scratch
	spare  []int          // compact's scratch
}

// restrict sets src's list to ids (nil: none), counting the tokens in and
// out of the union and adding the new ones to the output layer.
func (d *Decoder) restrict(src *source, ids []int) {
	s := &d.short
	d.release(src)
	if ids == nil {
		return
	}
	if s.refs == nil {
		v := d.m.cfg.DecoderVocabSize
		s.refs, s.slot = make([]int32, v), make([]int32, v)
	}
	src.keep = ids
	s.kept++
	at := len(s.ids)
	for _, id := range ids {
		s.refs[id]++
		switch {
		case s.refs[id] > 1:
		case s.slot[id] != 0:
			s.stale--
		default:
			s.ids = append(s.ids, id)
			s.slot[id] = int32(len(s.ids))
		}
	}
	if len(s.ids) > at {
		s.out = d.m.output.SelectInto(s.out, at, s.ids[at:])
	}
}

// release takes src's list, if any, out of the union's counts.
func (d *Decoder) release(src *source) {
	s := &d.short
	if src.keep == nil {
		return
	}
	for _, id := range src.keep {
		if s.refs[id]--; s.refs[id] == 0 {
			s.stale++
		}
	}
	src.keep = nil
	s.kept--
}

// forget counts a sentence that no row reads any more out of the
// shortlist.
func (d *Decoder) forget(src *source) {
	d.release(src)
	d.short.live--
}

// compact drops the stale slots once they are over a quarter of the
// output layer, which costs a copy of its rows: about what a step of four
// rows spends on that quarter.
func (s *shortlist) compact(m *Model) {
	if s.stale == 0 || 4*s.stale <= len(s.ids) {
		return
	}
	kept := s.spare[:0]
	for _, id := range s.ids {
		if s.refs[id] > 0 {
			kept = append(kept, id)
			s.slot[id] = int32(len(kept))
		} else {
			s.slot[id] = 0
		}
	}
	s.spare, s.ids, s.stale = s.ids, kept, 0
	if len(kept) > 0 {
		s.out = m.output.SelectInto(s.out, 0, kept)
	}
}

// shortJob turns each row's logits into the log-probabilities of its own
// list, −Inf elsewhere, over the whole vocabulary of out.
type shortJob struct {
	d      *Decoder
	logits []float32 // [rows, n] the union's logits; nil: out holds the whole vocabulary's
	n      int
	out    []float32 // [rows, V]
	v      int
	w      int // the longest list: each row's share of gather
}

// A restricted row of logProbs is −Inf but for its list's few hundred
// tokens, and writing the thousands of −Inf of every row at every step
// was a sixth of a batched step's time. So the Decoder remembers which
// tokens of each row of the caller's buffer it left finite (written)
// and, when the next step is given the same buffer, sets only those back
// to −Inf. Callers write nothing but −Inf into the
// buffer between steps (the search's masking), as Next documents.
type shortRows struct {
	base    *float32  // the first value of the last step's logProbs; nil: none known
	written [][]int   // [row] the only tokens of the row not −Inf; nil: not known
	negInf  []float32 // [V] −Inf, copied over unknown rows
	gather  []float32 // [rows, w] each row's own logits, then log-probabilities
}

// forget drops what is known of the caller's buffer: the next step
// writes every value of its rows.
func (r *shortRows) forget() { r.base = nil }

// begin readies r for a step of rows rows into out.
func (r *shortRows) begin(out []float32, rows, v, w int) {
	if len(r.negInf) != v {
		r.negInf = make([]float32, v)
		for i := range r.negInf {
			r.negInf[i] = float32(math.Inf(-1))
		}
	}
	if len(out) == 0 || r.base != &out[0] {
		clear(r.written)
		r.base = nil
		if len(out) > 0 {
			r.base = &out[0]
		}
	}
	if len(r.written) < rows {
		r.written = append(r.written, make([][]int, rows-len(r.written))...)
	}
	if len(r.gather) < rows*w {
		r.gather = make([]float32, 2*rows*w)
	}
}

func (j *shortJob) Range(lo, hi int) {
	sr := &j.d.shortRows
	slot := j.d.short.slot
	negInf := float32(math.Inf(-1))
	for r := lo; r < hi; r++ {
		row := j.out[r*j.v : (r+1)*j.v]
		keep := j.d.source(r).keep
		if keep == nil { // the whole vocabulary, its logits in row
			tensor.LogSoftmax(row, nil)
			sr.written[r] = nil
			continue
		}
		// The row's own tokens' logits, in token order, normalised.
		own := sr.gather[r*j.w : r*j.w+len(keep)]
		if j.logits == nil {
			for i, id := range keep {
				own[i] = row[id]
			}
		} else {
			src := j.logits[r*j.n : (r+1)*j.n]
			for i, id := range keep {
				own[i] = src[slot[id]-1]
			}
		}
		tensor.LogSoftmax(own, nil)
		if sr.written[r] != nil {
			for _, id := range sr.written[r] {
				row[id] = negInf
			}
		} else {
			copy(row, sr.negInf)
		}
		for i, id := range keep {
			row[id] = own[i]
		}
		sr.written[r] = keep
	}
}

// nextShort is Next while some sentence is restricted: the union's logits
// (the whole vocabulary's while some sentence is not restricted), then
// each row's log-probabilities over its own list.
func (d *Decoder) nextShort(ctx context.Context, tokens []int, logProbs, attn []float32) error {
	s := &d.short
	rows, v := len(tokens), d.m.cfg.DecoderVocabSize
	w := 0
	for r := range rows {
		w = max(w, len(d.source(r).keep))
	}
	d.shortRows.begin(logProbs, rows, v, w)
	d.shortJob = shortJob{d: d, out: logProbs, v: v, w: w}
	if s.kept < s.live {
		if err := d.logits(ctx, tokens, logProbs, attn); err != nil {
			d.shortRows.forget()
			return err
		}
		clear(d.shortRows.written) // every value of the rows is a logit now
	} else {
		s.compact(d.m)
		x, err := d.states(ctx, tokens, logProbs, attn)
		if err != nil || x == nil {
			return err
		}
		n := len(s.ids)
		if len(s.logits) < rows*n {
			s.logits = make([]float32, max(max(rows, d.cache.rows)*n, 2*len(s.logits)))
		}
		s.out.Apply(s.logits[:rows*n], x, rows) // [rows, n]
		d.shortJob.logits, d.shortJob.n = s.logits, n
	}
	// A row reads and writes its own list a few times (and the whole row
	// only when it is not known): a few nanoseconds a token.
	tensor.ParallelFor(rows, 4*w, &d.shortJob)
	return nil
}
