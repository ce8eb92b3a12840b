package align

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/png"
	"io"
	"reflect"
	"strings"
	"testing"
)

// rtlInput aligns a Spanish sentence with a pointed Hebrew one, one token
// per word, with a long label and a quote that needs CSV quoting.
func rtlInput(t testing.TB) Input {
	src := `¿Dónde está el niño "Kirjath-jearim-of-the-extraordinarily-long-names"?`
	tgt := "אֵיפֹה הַיֶּלֶד, 1,000?"
	srcWords, tgtWords := Segment(src), Segment(tgt)
	tok := func(ws []Word) []Token {
		out := make([]Token, len(ws))
		for i, w := range ws {
			out[i] = Token{ID: 10 + i, Piece: w.Text, Start: w.Start, End: w.End}
		}
		return out
	}
	S := len(srcWords) + 1
	attn := make([][][][]float32, len(tgtWords))
	// Target word j looks mostly at source word map[j], a little at the end.
	focus := []int{1, 4, 3, 8, 8}
	for j := range attn {
		row := make([]float32, S)
		for i := range row {
			row[i] = 0.02
		}
		row[focus[j]] = 1 - 0.02*float32(S-1)
		attn[j] = [][][]float32{{row}}
	}
	return Input{
		ID:           `Ruth "RTL", 1`,
		SourceText:   src,
		SourceTokens: tok(srcWords),
		TargetText:   tgt,
		TargetTokens: tok(tgtWords),
		Attention:    attn,
	}
}

// exportPairs is the fixed set every golden export is made of: subword
// attention, right-to-left text with a long label, and a word-level IBM1
// alignment.
func exportPairs(t testing.TB) []*Alignment {
	king, err := Extract(kingInput(t), Options{Selector: OneHead(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	rtl, err := Extract(rtlInput(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ibm, err := TrainIBM1(toyPairs(), 0).Align("the green house", "la casa verde", Intersection)
	if err != nil {
		t.Fatal(err)
	}
	return []*Alignment{king, rtl, ibm}
}

func TestExportGolden(t *testing.T) {
	pairs := exportPairs(t)
	tests := []struct {
		format Format
		opt    ExportOptions
		name   string
	}{
		{FormatJSON, ExportOptions{}, "export.json"},
		{FormatPharaoh, ExportOptions{}, "export.align"},
		{FormatCSV, ExportOptions{}, "export.csv"},
		{FormatTSV, ExportOptions{}, "export.tsv"},
		{FormatCSV, ExportOptions{Level: SubwordLevel}, "export.subword.csv"},
		{FormatSVG, ExportOptions{}, "export.svg"},
		{FormatSVG, ExportOptions{Level: SubwordLevel}, "export.subword.svg"},
		{FormatPNG, ExportOptions{}, "export.png"},
		{FormatHTML, ExportOptions{Title: "Golden <test> & co"}, "export.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.format, pairs, tt.opt); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	pairs := exportPairs(t)
	var buf bytes.Buffer
	if err := Write(&buf, FormatJSON, pairs, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, pairs) {
		for k := range pairs {
			if !reflect.DeepEqual(got[k], pairs[k]) {
				t.Fatalf("pair %d differs after a round trip:\n got %+v\nwant %+v", k, got[k], pairs[k])
			}
		}
		t.Fatalf("round trip gave %d pairs, want %d", len(got), len(pairs))
	}
	var empty bytes.Buffer
	if err := Write(&empty, FormatJSON, nil, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadJSON(&empty); err != nil || len(got) != 0 {
		t.Fatalf("empty document: %v, %v", got, err)
	}
}

func TestReadJSONErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatJSON, exportPairs(t)[:1], ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct{ name, doc, wantErr string }{
		{"not json", "{", "unexpected EOF"},
		{"trailing", good + "{}", "data after the document"},
		{"version", strings.Replace(good, `"version": 1`, `"version": 2`, 1), `version 2, want "translated-alignment" version 1`},
		{"short row", strings.Replace(good, "[0.75,0,0.25],", "[0.75,0],", 1), "word_matrix: row 0 has 2 values, want 3"},
		{"link arity", strings.Replace(good, `"links": [[0,0],`, `"links": [[0,0,1],`, 1), "link 0 has 3 numbers, want 2"},
		{"link range", strings.Replace(good, `"links": [[0,0],`, `"links": [[7,0],`, 1), "link 7-0 outside 3 source × 4 target words"},
		{"word text", strings.Replace(good, `{"text":"king’s"`, `{"text":"kings"`, 1), `source word 1 is "kings" but its span holds "king’s"`},
		{"char span", strings.Replace(good, `"char_start":4,"char_end":10}`, `"char_start":4,"char_end":11}`, 1), "character span [4,11) does not match bytes"},
		{"weight", strings.Replace(good, "[0.75,0,0.25],", "[7.5,0,0.25],", 1), "word matrix row 0 column 0 is 7.5"},
		{"eos alone", strings.Replace(good, `"subword_matrix": [`, `"subword_matrix": null, "x": [`, 1), "source_eos without subword_matrix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.doc == good {
				t.Fatal("the edit did not apply")
			}
			_, err := ReadJSON(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatJSON, exportPairs(f), ExportOptions{}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format":"translated-alignment","version":1,"pairs":[{"source":{"text":"a"},"target":{"text":"b"},"word_matrix":[]}]}`))
	f.Add([]byte(`{"format":"translated-alignment","version":1,"pairs":null}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		pairs, err := ReadJSON(bytes.NewReader(doc))
		if err != nil {
			return
		}
		// Whatever reads must export in every format (png, whose drawing is
		// slow under coverage instrumentation, shares its layout with svg).
		for _, format := range Formats() {
			if format == FormatPNG {
				continue
			}
			if err := Write(&bytes.Buffer{}, format, pairs, ExportOptions{}); err != nil {
				t.Fatalf("%s export of a valid document: %v", format, err)
			}
		}
	})
}

func TestPharaoh(t *testing.T) {
	tests := []struct {
		line    string
		want    []Link
		wantErr string
	}{
		{"", nil, ""},
		{"0-0 1-2\t2-1  ", []Link{{0, 0}, {1, 2}, {2, 1}}, ""},
		{"0-0 0-0", nil, `"0-0" appears twice`},
		{"0-", nil, `"0-" is not i-j`},
		{"a-1", nil, "not i-j"},
		{"1-2-3", nil, "not i-j"},
		{"-1-2", nil, "not i-j"},
		{"1:2", nil, `"1:2" is not i-j`},
		{"1234567890-1", nil, "not i-j"},
		{"+1-2", nil, "not i-j"},
	}
	for _, tt := range tests {
		got, err := ParsePharaoh(tt.line)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePharaoh(%q) error %v, want %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePharaoh(%q) = %v, %v; want %v", tt.line, got, err, tt.want)
		}
	}
	var buf bytes.Buffer
	pairs := exportPairs(t)
	if err := Write(&buf, FormatPharaoh, pairs, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	all, err := ReadPharaoh(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for k, a := range pairs {
		if !reflect.DeepEqual(all[k], a.Links) {
			t.Errorf("pair %d: read back %v, want %v", k, all[k], a.Links)
		}
	}
	if _, err := ReadPharaoh(strings.NewReader("0-0\n1-x\n")); err == nil || !strings.HasPrefix(err.Error(), "line 2: ") {
		t.Errorf("ReadPharaoh error %v, want one naming line 2", err)
	}
}

func FuzzParsePharaoh(f *testing.F) {
	for _, s := range []string{"", "0-0 1-2 2-1", "0-0 0-0", "1-", "١-٢", "999999999-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		links, err := ParsePharaoh(line)
		if err != nil {
			return
		}
		again, err := ParsePharaoh(PharaohString(links))
		if err != nil || !reflect.DeepEqual(again, links) {
			t.Fatalf("%q → %v → %q → %v, %v", line, links, PharaohString(links), again, err)
		}
	})
}

func TestWriteErrors(t *testing.T) {
	pairs := exportPairs(t)
	if err := Write(&bytes.Buffer{}, Format("pdf"), pairs, ExportOptions{}); err == nil || !strings.Contains(err.Error(), `unknown format "pdf"`) {
		t.Errorf("unknown format: %v", err)
	}
	bad := *pairs[0]
	bad.Links = []Link{{0, 99}}
	if err := Write(&bytes.Buffer{}, FormatJSON, []*Alignment{pairs[1], &bad}, ExportOptions{}); err == nil || !strings.Contains(err.Error(), "pair 1: align: link 0-99") {
		t.Errorf("invalid pair: %v", err)
	}
	if err := Write(&bytes.Buffer{}, FormatSVG, []*Alignment{nil}, ExportOptions{}); err == nil {
		t.Error("nil pair accepted")
	}
	for _, name := range []string{"JSON", "html", "Pharaoh"} {
		if _, err := ParseFormat(name); err != nil {
			t.Errorf("ParseFormat(%q): %v", name, err)
		}
	}
	if _, err := ParseFormat("gif"); err == nil {
		t.Error("ParseFormat(gif) succeeded")
	}
	if l, err := ParseLevel("subword"); err != nil || l != SubwordLevel || l.String() != "subword" {
		t.Errorf("ParseLevel: %v %v", l, err)
	}
	if _, err := ParseLevel("char"); err == nil {
		t.Error("ParseLevel(char) succeeded")
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 24, "short"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"Jose\u0301Jose\u0301", 6, "Jose\u0301J…"},
		{"e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301e\u0301"},
		{"שָׁלוֹםשָׁלוֹם", 4, "שָׁלוֹ…"},
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.n); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	if got := displayText("a\x00b\x7f\xffc\u0085"); got != "a\u2400b\u2421\uFFFDc\uFFFD" {
		t.Errorf("displayText = %q", got)
	}
	if !isRTL("«שלום»") || isRTL("abc שלום") || !isRTL("123 مرحبا") || isRTL("") {
		t.Error("isRTL")
	}
	if got := pngText("אבג", true); got != "גבא" {
		t.Errorf("pngText reversed %q", got)
	}
}

// bigAlignment is a 60×60 word alignment with long, accented and
// right-to-left words.
func bigAlignment(t testing.TB) *Alignment {
	a, err := Extract(bigInput(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func bigInput(t testing.TB) Input {
	vocab := []string{"corazón", "Kirjath-jearim-extraordinarily-long", "שָׁלוֹם", "niño", "Beth-lehem-judah", "مرحبا", "éxodo", "the"}
	var src, tgt []string
	for i := range 60 {
		src = append(src, vocab[i%len(vocab)])
		tgt = append(tgt, vocab[(i*3+1)%len(vocab)])
	}
	in := Input{SourceText: strings.Join(src, " "), TargetText: strings.Join(tgt, " ")}
	sw, tw := Segment(in.SourceText), Segment(in.TargetText)
	if len(sw) != 60 || len(tw) != 60 {
		t.Fatalf("segmented into %d and %d words", len(sw), len(tw))
	}
	for i, w := range sw {
		in.SourceTokens = append(in.SourceTokens, Token{ID: i, Piece: w.Text, Start: w.Start, End: w.End})
	}
	for j, w := range tw {
		in.TargetTokens = append(in.TargetTokens, Token{ID: j, Piece: w.Text, Start: w.Start, End: w.End})
		row := make([]float32, 61)
		row[j] = 0.6
		row[(j+7)%60] = 0.3
		row[60] = 0.1
		in.Attention = append(in.Attention, [][][]float32{{row}})
	}
	return in
}

func BenchmarkExtract60(b *testing.B) {
	in := bigInput(b)
	for range b.N {
		if _, err := Extract(in, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWritePNG60(b *testing.B) {
	pairs := []*Alignment{bigAlignment(b)}
	for range b.N {
		if err := Write(io.Discard, FormatPNG, pairs, ExportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPNGReadable60 draws a 60×60 heatmap and checks that every row and
// column label left ink inside its own band of the label area and none
// inside the matrix, and that every cell carries its colour.
func TestPNGReadable60(t *testing.T) {
	a := bigAlignment(t)
	var buf bytes.Buffer
	if err := Write(&buf, FormatPNG, []*Alignment{a}, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	face, err := newFace(heatFont)
	if err != nil {
		t.Fatal(err)
	}
	l := layoutHeatmap(viewOf(a, WordLevel), pngMeasure(face))
	if b := img.Bounds(); b.Dx() < int(l.width) || b.Dy() < int(l.height) || l.m.Rows != 60 {
		t.Fatalf("image %v for a %v×%v layout", b, l.width, l.height)
	}
	if l.labelW > heatMaxLabel*heatFont || l.labelH > heatMaxLabel*heatFont {
		t.Fatalf("label area %v×%v: long labels were not cut", l.labelW, l.labelH)
	}
	left, top := int(l.left), int(l.top)
	ink := func(r image.Rectangle) bool {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if c, _, _, _ := img.At(x, y).RGBA(); c < 0x8000 {
					return true
				}
			}
		}
		return false
	}
	for j := range 60 {
		band := image.Rect(heatMargin, top+j*heatCell+2, left-heatGap+1, top+(j+1)*heatCell-2)
		if !ink(band) {
			t.Errorf("row label %d (%q) left no ink in %v", j, l.rowLabels[j].text, band)
		}
	}
	for i := range 60 {
		band := image.Rect(left+i*heatCell+2, heatMargin+heatTitleH, left+(i+1)*heatCell-2, top-heatGap+1)
		if !ink(band) {
			t.Errorf("column label %d (%q) left no ink in %v", i, l.colLabels[i].text, band)
		}
	}
	// The strongest cell of each row is dark; an empty cell is white.
	for j := range 60 {
		x, y := left+j*heatCell+heatCell/2, top+j*heatCell+heatCell/2
		if c, _, _, _ := img.At(x, y).RGBA(); c > 0x9000 {
			t.Errorf("cell %d,%d (weight %v) is too light", j, j, l.m.At(j, j))
		}
	}
	if r, g, b, _ := img.At(left+30*heatCell+heatCell/2, top+2*heatCell+heatCell/2).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
		t.Errorf("an empty cell is not white: %v %v %v", r>>8, g>>8, b>>8)
	}
}

func TestSVGWellFormed60(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatSVG, []*Alignment{bigAlignment(t)}, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	checkXML(t, buf.Bytes())
	if n := strings.Count(buf.String(), "<rect x="); n != 3600 {
		t.Errorf("%d cells, want 3600", n)
	}
	if !strings.Contains(buf.String(), `Kirjath-jearim-extraord…<title>Kirjath-jearim-extraordinarily-long</title>`) {
		t.Error("a long label is not cut with its full text as a tooltip")
	}
	if !strings.Contains(buf.String(), `direction="rtl"`) {
		t.Error("right-to-left labels are not marked")
	}
}

// checkXML fails unless doc is well-formed XML.
func checkXML(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
	}
}
