package align

import (
	"reflect"
	"testing"
)

func TestSymmetrize(t *testing.T) {
	type sets struct{ a, b []Link }
	grow := sets{a: []Link{{0, 0}, {1, 1}, {2, 1}}, b: []Link{{0, 0}, {1, 1}, {1, 2}}}
	final := sets{a: []Link{{0, 0}, {0, 2}, {3, 1}, {9, 9}}, b: []Link{{0, 0}, {-1, 0}}}
	tests := []struct {
		name   string
		in     sets
		n      int
		method Symmetrization
		want   []Link
	}{
		{"grow intersection", grow, 3, Intersection, []Link{{0, 0}, {1, 1}}},
		{"grow union", grow, 3, Union, []Link{{0, 0}, {1, 1}, {1, 2}, {2, 1}}},
		{"grow grow-diag", grow, 3, GrowDiag, []Link{{0, 0}, {1, 1}, {1, 2}, {2, 1}}},
		{"final intersection", final, 4, Intersection, []Link{{0, 0}}},
		{"final grow-diag", final, 4, GrowDiag, []Link{{0, 0}}},
		{"final grow-diag-final-and", final, 4, GrowDiagFinalAnd, []Link{{0, 0}, {3, 1}}},
		{"final grow-diag-final", final, 4, GrowDiagFinal, []Link{{0, 0}, {0, 2}, {3, 1}}},
		{"final union", final, 4, Union, []Link{{0, 0}, {0, 2}, {3, 1}}},
		{"empty", sets{}, 0, GrowDiagFinalAnd, nil},
	}
	for _, tt := range tests {
		got := Symmetrize(tt.in.a, tt.in.b, tt.n, tt.n, tt.method)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestGrowDiagChain(t *testing.T) {
	// A diagonal run of union links grows from one intersection point, one
	// step at a time, as long as each step aligns a new word.
	a := []Link{{0, 0}, {1, 1}, {2, 2}, {3, 3}}
	b := []Link{{0, 0}}
	got := Symmetrize(a, b, 4, 4, GrowDiag)
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("got %v, want %v", got, a)
	}
}

func TestArgmaxLinks(t *testing.T) {
	w := Matrix{Rows: 3, Cols: 2, Data: []float32{
		0.9, 0.1,
		0.5, 0.5, // tie: lowest source index
		0, 0, // empty row: no link
	}}
	s, tg := ArgmaxLinks(w)
	if want := []Link{{0, 0}, {1, 1}}; !reflect.DeepEqual(s, want) {
		t.Errorf("source side %v, want %v", s, want)
	}
	if want := []Link{{0, 0}, {0, 1}}; !reflect.DeepEqual(tg, want) {
		t.Errorf("target side %v, want %v", tg, want)
	}
}

func TestSymmetrizationText(t *testing.T) {
	for _, m := range []Symmetrization{GrowDiagFinalAnd, Intersection, GrowDiag, GrowDiagFinal, Union} {
		var got Symmetrization
		b, _ := m.MarshalText()
		if err := got.UnmarshalText(b); err != nil || got != m {
			t.Errorf("%v: round trip gave %v, %v", m, got, err)
		}
	}
	if _, err := ParseSymmetrization("grow"); err == nil {
		t.Error(`ParseSymmetrization("grow") succeeded`)
	}
	if s := Symmetrization(42).String(); s != "Symmetrization(42)" {
		t.Errorf("String of an unknown value: %q", s)
	}
}
