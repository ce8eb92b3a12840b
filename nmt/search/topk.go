package search

import (
	"math"

	"github.com/translated/translated/nmt/tensor"
)

// cand is one extension: a live hypothesis (idx / Vocab) and a token
// (idx % Vocab), with the raw score it would have.
type cand struct {
	score float64
	idx   int
}

// worse orders candidates: lower score, then higher index, is worse.
func worse(a, b cand) bool { return a.score < b.score || a.score == b.score && a.idx > b.idx }

// topK keeps the k best candidates offered to it in a min-heap (the worst
// kept candidate at h[0]).
type topK struct {
	k int
	h []cand
}

// scan offers every allowed token of row, extending a hypothesis of score
// base; offset is the candidate index of token 0. Tokens at or below the
// cut (masked ones, at −Inf, among them) and NaN ones cannot enter and are
// skipped many at a time (tensor.FirstAbove).
func (t *topK) scan(row []float32, base float64, offset int) {
	for i := 0; ; i++ {
		i += tensor.FirstAbove(row[i:], t.threshold(base))
		if i >= len(row) {
			return
		}
		c := cand{base + float64(row[i]), offset + i}
		switch {
		case len(t.h) < t.k:
			t.h = append(t.h, c)
			t.up(len(t.h) - 1)
		case worse(t.h[0], c):
			t.h[0] = c
			t.down(0, len(t.h))
		}
	}
}

// threshold is the value a token must be above to enter: the cut, and
// never −Inf or below (a NaN cut lets in any token above −Inf).
func (t *topK) threshold(base float64) float32 {
	if cut := t.cut(base); cut >= negInf {
		return cut
	}
	return negInf
}

// cut returns a float32 value at or below which a token extending a
// hypothesis of score base cannot enter the heap: one float32 step below
// h[0].score − base, a margin far wider than the float64 rounding of the sum.
// (Later tokens have higher indices, so a tie with h[0] never enters.)
func (t *topK) cut(base float64) float32 {
	if len(t.h) < t.k {
		return negInf
	}
	return math.Nextafter32(float32(t.h[0].score-base), negInf)
}

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(t.h[i], t.h[p]) {
			return
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *topK) down(i, n int) {
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && worse(t.h[c+1], t.h[c]) {
			c++
		}
		if !worse(t.h[c], t.h[i]) {
			return
		}
		t.h[i], t.h[c] = t.h[c], t.h[i]
		i = c
	}
}

// sorted returns the kept candidates best first (a heap sort in place).
func (t *topK) sorted() []cand {
	for end := len(t.h) - 1; end > 0; end-- {
		t.h[0], t.h[end] = t.h[end], t.h[0]
		t.down(0, end)
	}
	return t.h
}
