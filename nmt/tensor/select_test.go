package tensor

import (
	"math/rand/v2"
	"testing"
)

// TestSelectInto changes a selection in place as a running shortlist does
// (appending outputs, rewriting it shorter from 0, growing past its room)
// and checks every state against the whole map bit for bit, float32 and
// int8, with and without a bias.
func TestSelectInto(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	const m, n, k = 5, 90, 37
	w, b, x := randSlice(r, n*k), randSlice(r, n), randSlice(r, m*k)
	steps := []struct {
		at   int
		rows []int
	}{
		{0, []int{3, 0, 69, 17}},
		{4, []int{18, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 2}},
		{18, []int{89, 88, 87, 86, 85, 84, 83, 82, 81, 80, 79, 78, 77, 76, 75, 74, 73, 72, 71, 70}},
		{0, []int{5, 6}},
		{2, []int{7}},
		{1, []int{60, 61, 62, 63, 64, 65, 66, 67, 68, 1, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}},
	}
	for _, l := range []*Linear{NewLinear(w, b, n, k), NewLinearInt8(w, b, n, k), NewLinear(w, nil, n, k)} {
		full := make([]float32, m*n)
		l.Apply(full, x, m)
		var s *Linear
		var want []int
		for si, st := range steps {
			s = l.SelectInto(s, st.at, st.rows)
			want = append(want[:st.at], st.rows...)
			if s.Out() != len(want) {
				t.Fatalf("int8 %v, step %d: %d outputs, want %d", l.Int8(), si, s.Out(), len(want))
			}
			part := make([]float32, m*len(want))
			s.Apply(part, x, m)
			for i := 0; i < m; i++ {
				for c, row := range want {
					if part[i*len(want)+c] != full[i*n+row] {
						t.Fatalf("int8 %v, step %d: row %d output %d = %g, whole map %g", l.Int8(), si, i, row, part[i*len(want)+c], full[i*n+row])
					}
				}
			}
		}
	}
}

// TestSelectIntoInPlace checks that a selection with room is changed
// without allocating.
func TestSelectIntoInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	const n, k = 64, 16
	l := NewLinearInt8(randSlice(r, n*k), randSlice(r, n), n, k)
	s := l.SelectInto(nil, 0, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	rows := []int{40, 41, 42}
	if allocs := testing.AllocsPerRun(20, func() {
		if l.SelectInto(s, 5, rows) != s {
			t.Fatal("a selection with room was copied")
		}
	}); allocs != 0 {
		t.Errorf("SelectInto allocated %.0f times with room", allocs)
	}
}
