package model

import "github.com/translated/translated/nmt/tensor"

// embedding is a token embedding matrix [V, D]: rows of its own, or the
// weight matrix of the output projection it is tied to, read from there so
// that a tied matrix is held once (in the projection's packed layout, int8
// or float32).
type embedding struct {
	rows []float32      // [V, D]; nil when tied
	tied *tensor.Linear // the output projection whose weights these are
}

// lookup writes row id of the matrix into dst ([D]).
func (e *embedding) lookup(dst []float32, id int) {
	if e.tied != nil {
		e.tied.WeightRow(dst, id)
		return
	}
	d := len(dst)
	copy(dst, e.rows[id*d:(id+1)*d])
}

// values returns a copy of the matrix, [V, D] row-major (dequantized when
// it is an int8 projection's).
func (e *embedding) values() []float32 {
	if e.tied == nil {
		return append([]float32(nil), e.rows...)
	}
	w := make([]float32, e.tied.Out()*e.tied.In())
	e.tied.Weight(w)
	return w
}

// embed writes row = table[id]·scale + pos: a token's input to the first
// layer, its embedding scaled, plus its position.
func embed(row []float32, table *embedding, id int, scale float32, pos []float32) {
	table.lookup(row, id)
	for j := range row {
		row[j] = row[j]*scale + pos[j]
	}
}
