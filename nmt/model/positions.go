package model

import (
	"math"
	"sync"
	"sync/atomic"
)

// sinusoids builds the MarianMT position table [n, d]: for position p and
// j < d/2, column j is sin(p / 10000^(2j/d)) and column d/2 + j is the cosine
// of the same angle. The angles are computed in float64 and rounded once, as
// the Hugging Face implementation does with numpy.
func sinusoids(n, d int) []float32 {
	out := make([]float32, n*d)
	half := d / 2
	for p := 0; p < n; p++ {
		row := out[p*d : (p+1)*d]
		for j := 0; j < half; j++ {
			angle := float64(p) / math.Pow(10000, float64(2*j)/float64(d))
			row[j] = float32(math.Sin(angle))
			row[half+j] = float32(math.Cos(angle))
		}
	}
	return out
}

// positionTable holds the first rows of the sinusoidal table and grows on
// demand, so a configuration's max_position_embeddings costs nothing until
// sequences that long arrive. Reads are lock-free; growth replaces the table.
type positionTable struct {
	d     int
	mu    sync.Mutex
	table atomic.Pointer[[]float32]
}

// rows returns a table [≥n, d] of position rows 0..n-1.
func (t *positionTable) rows(n int) []float32 {
	if p := t.table.Load(); p != nil && len(*p) >= n*t.d {
		return *p
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.table.Load(); p != nil && len(*p) >= n*t.d {
		return *p
	}
	size := max(n, 64)
	if p := t.table.Load(); p != nil {
		size = max(size, 2*len(*p)/t.d)
	}
	s := sinusoids(size, t.d)
	t.table.Store(&s)
	return s
}
