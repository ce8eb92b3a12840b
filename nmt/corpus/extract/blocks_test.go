package extract

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readBlocks(t *testing.T, path string, read func(r *os.File) ([]Block, error)) []Block {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := read(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func htmlFile(f *os.File) ([]Block, error) { return HTMLBlocks(f) }
func xmlFile(f *os.File) ([]Block, error)  { return XMLBlocks(f) }

func TestHTMLBlocksLibreOffice(t *testing.T) {
	got := readBlocks(t, "lo/en-US/text/find.html", htmlFile)
	want := []Block{
		{"", "LibreOffice 7.4 Help"}, // <header> is no block: the id is not the paragraph's
		{"hd_id3154", "Find Bar"},
		{"par_id3150", "The Find toolbar can be used to quickly search the contents of LibreOffice documents."},
		{"par_id3151", "Enter the text to be searched. Press Enter to perform the search."},
		{"par_id3152", "Untranslated paragraph."},
		{"par_id3153", "Icon & Name"},
		{"par_id3155", "Twice"},
		{"par_id3155", "Twice again"},
		{"par_id3156", "Only in English"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("HTMLBlocks =\n%q\nwant\n%q", got, want)
	}
}

func TestPairByID(t *testing.T) {
	en := readBlocks(t, "lo/en-US/text/find.html", htmlFile)
	es := readBlocks(t, "lo/es/text/find.html", htmlFile)
	got := PairByID(en, es)
	want := []Pair{ // in English order; untranslated, doubled and one-sided ids left out
		{"Find Bar", "Barra de búsqueda"},
		{"The Find toolbar can be used to quickly search the contents of LibreOffice documents.", "Puede servirse de la barra de herramientas Buscar para localizar texto con rapidez en el contenido de los documentos de LibreOffice."},
		{"Enter the text to be searched. Press Enter to perform the search.", "Introduzca el texto que deberá buscarse. Presione Intro para efectuar la búsqueda."},
		{"Icon & Name", "Icono y nombre"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PairByID =\n%q\nwant\n%q", got, want)
	}
}

func TestPairByOrderGimp(t *testing.T) {
	en := readBlocks(t, "gimp/en/create.html", htmlFile)
	es := readBlocks(t, "gimp/es/create.html", htmlFile)
	got := PairByOrder(en, es)
	want := []Pair{
		{"2.4. Create HTML Files", "2.4. Crear archivos HTML"},
		{"Once XML files have been validated, run make html-en.", "Una vez que los archivos XML se han validado, ejecute make html-en."},
		{"reduce screenshot area", "reduzca el área de captura"},
		{"Export images in the PNG format.", "Exportar imágenes en formato PNG."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PairByOrder =\n%q\nwant\n%q", got, want)
	}
	en = readBlocks(t, "gimp/en/mismatch.html", htmlFile)
	es = readBlocks(t, "gimp/es/mismatch.html", htmlFile)
	if got := PairByOrder(en, es); got != nil {
		t.Errorf("pages of 2 and 1 blocks paired: %q", got)
	}
}

func TestXMLBlocksMallard(t *testing.T) {
	en := readBlocks(t, "mallard/C/mouse.page", xmlFile)
	es := readBlocks(t, "mallard/es/mouse.page", xmlFile)
	got := PairByOrder(en, es)
	want := []Pair{ // credits are outside every block; the screen is code
		{"If you have to wiggle or click the mouse before it responds.", "Si tiene que mover o pulsar el ratón antes de que empiece a responder."},
		{"Mouse reacts with delay before it starts working", "El ratón sufre un retardo antes de empezar a funcionar"},
		{"Wireless mice may need to “wake up” before they start working. Click Settings.", "Los ratones inalámbricos a veces necesitan «despertarse» antes de empezar a funcionar. Pulse Configuración."},
		{"Press CtrlC.", "Pulse CtrlC."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Mallard pairs =\n%q\nwant\n%q", got, want)
	}
}

func TestBlocksHardText(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"text outside any block", nil},
		{"<p>cafe\u0301 &amp; 😀</p>", []string{"cafe\u0301 & 😀"}},
		{"<p dir=rtl>مرحبا <b>بالعالم</b></p><p>東京</p>", []string{"مرحبا بالعالم", "東京"}},
		{"<p>one<br>two</p>", []string{"one", "two"}},
		{"<p>unclosed <li>item</p></li>", []string{"unclosed", "item"}},
		{"<p>bad \xff byte</p>", []string{"bad \xff byte"}},
		{"<ul><li>a</li></ol><li>b</li></ul>", []string{"a", "b"}},
	}
	for _, tt := range tests {
		b, err := HTMLBlocks(strings.NewReader(tt.in))
		if err != nil {
			t.Fatalf("HTMLBlocks(%q): %v", tt.in, err)
		}
		var got []string
		for _, x := range b {
			got = append(got, x.Text)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("HTMLBlocks(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestXMLBlocksError(t *testing.T) {
	_, err := XMLBlocks(strings.NewReader("<page><p>unterminated"))
	if err == nil || !strings.HasPrefix(err.Error(), "xml: ") {
		t.Errorf("XMLBlocks of a cut document: err = %v, want an xml: error", err)
	}
}
