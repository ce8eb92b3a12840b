package extract

import (
	"reflect"
	"testing"
)

// The Spanish manual has a translator's note more in section 2 and leaves
// the last paragraph in English: section 2's paragraph is left out, the
// rest is paired.
func TestPairByAnchorsManual(t *testing.T) {
	en := readBlocks(t, "anchors/en/manual.html", htmlFile)
	es := readBlocks(t, "anchors/es/manual.html", htmlFile)
	if got := PairByOrder(en, es); got != nil {
		t.Fatalf("PairByOrder paired pages of %d and %d blocks: %q", len(en), len(es), got)
	}
	got := PairByAnchors(en, es)
	want := []Pair{
		{"1. Introduction", "1. Introducción"},
		{"This manual explains the editor.", "Este manual explica el editor."},
		{"Read it in order.", "Léalo en orden."},
		{"2. Setting up", "2. Instalación"},
		{"2.1. Options", "2.1. Opciones"},
		{"Options live in one file.", "Las opciones están en un archivo."},
		{"3. Version 6", "3. Versión 6"},
		{"Version 6 changed the file format.", "La versión 6 cambió el formato de archivo."},
		{"4. Feedback", "4. Comentarios"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PairByAnchors =\n%q\nwant\n%q", got, want)
	}
}

func TestAnchorChain(t *testing.T) {
	b := func(id, text string) Block { return Block{ID: id, Text: text} }
	tests := []struct {
		name   string
		en, es []Block
		want   [][2]int
		nPairs int
	}{
		{"no ids: by order", []Block{b("", "a"), b("", "b")}, []Block{b("", "x"), b("", "y")}, [][2]int{}, 2},
		{"no ids, counts differ", []Block{b("", "a")}, []Block{b("", "x"), b("", "y")}, [][2]int{}, 0},
		{
			// b and c swap places in Spanish: one of them is no anchor
			// (the longest chain keeps a, c, d) and b has no partner.
			"out of order",
			[]Block{b("a", "A"), b("b", "B"), b("c", "C"), b("d", "D")},
			[]Block{b("a", "Á"), b("c", "Ç"), b("b", "Ḃ"), b("d", "Ď")},
			[][2]int{{0, 0}, {2, 1}, {3, 3}}, 3,
		},
		{
			// The same id on headings of different numbers is no anchor.
			"digits differ",
			[]Block{b("s", "2. Setup"), b("", "p")},
			[]Block{b("", "nota"), b("s", "3. Uso"), b("", "q")},
			[][2]int{}, 0,
		},
		{
			// Only the first block of an id is its anchor.
			"repeated id",
			[]Block{b("d", "T"), b("d", "p1"), b("d", "p2")},
			[]Block{b("d", "Ť"), b("d", "q1"), b("d", "q2")},
			[][2]int{{0, 0}}, 3,
		},
		{"empty", nil, nil, [][2]int{}, 0},
		{"one side empty", []Block{b("a", "A")}, nil, [][2]int{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := anchorChain(tc.en, tc.es); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("anchorChain = %v, want %v", got, tc.want)
			}
			got := PairByAnchors(tc.en, tc.es)
			if len(got) != tc.nPairs {
				t.Errorf("PairByAnchors gave %d pairs %q, want %d", len(got), got, tc.nPairs)
			}
			checkPairs(t, got)
		})
	}
}
