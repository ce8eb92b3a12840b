package search

import "math"

var negInf = float32(math.Inf(-1))

// A processor masks next-token log-probabilities of one row before the
// search picks tokens from it. Masking writes −Inf; allowed tokens keep the
// model's value, so the log-probabilities recorded in a Hypothesis are the
// model's own. step is the number of tokens the row's hypothesis already has.
type processor interface {
	process(row []float32, step int, lim limits)
}

// processors is the ordered list applied to every row of every step.
type processors []processor

// newProcessors builds the list for o (with its defaults set).
func newProcessors(o Options) processors {
	return processors{
		banTokens(append([]int{o.Pad}, o.Banned...)),
		minLength{eos: o.EOS},
		forceEOS{eos: o.EOS},
	}
}

// apply runs every processor on row, in order.
func (ps processors) apply(row []float32, step int, lim limits) {
	for _, p := range ps {
		p.process(row, step, lim)
	}
}

// banTokens masks the pad id and the banned ids at every step.
type banTokens []int

func (b banTokens) process(row []float32, _ int, _ limits) {
	for _, id := range b {
		row[id] = negInf
	}
}

// minLength masks EOS while the hypothesis is shorter than the minimum.
type minLength struct{ eos int }

func (m minLength) process(row []float32, step int, lim limits) {
	if step < lim.minLen {
		row[m.eos] = negInf
	}
}

// forceEOS masks every token but EOS at the last position a sentence's
// length limit allows, so that every hypothesis ends with EOS.
type forceEOS struct{ eos int }

func (f forceEOS) process(row []float32, step int, lim limits) {
	if step < lim.maxLen-1 {
		return
	}
	eos := row[f.eos]
	for i := range row {
		row[i] = negInf
	}
	row[f.eos] = eos
}
