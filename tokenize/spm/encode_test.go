package spm

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/translated/translated/tokenize"
)

type tok = tokenize.Token

// Pieces and ids of these cases agree with spm_encode (the golden tests
// cover them); the spans are ours: byte offsets into the input.
func TestEncodeSpans(t *testing.T) {
	cases := []struct {
		model, text string
		want        []tok
	}{
		{"nfkc", "", nil},
		{"nfkc", "   ", nil},
		// Leading spaces are dropped; the dummy prefix starts at the first
		// kept character; collapsed spaces belong to the next token.
		{"nfkc", "  Dios   es\tluz  ", []tok{
			{ID: 145, Piece: "▁Dios", Start: 2, End: 6},
			{ID: 96, Piece: "▁es", Start: 6, End: 11},
			{ID: 6, Piece: "▁", Start: 11, End: 12},
			{ID: 51, Piece: "l", Start: 12, End: 13},
			{ID: 19, Piece: "u", Start: 13, End: 14},
			{ID: 98, Piece: "z", Start: 14, End: 15},
		}},
		// NFD input composes to one piece that spans both code points.
		{"nfkc", "Jose\u0301 ½", []tok{
			{ID: 867, Piece: "▁José", Start: 0, End: 6},
			{ID: 6, Piece: "▁", Start: 6, End: 7},
			{ID: 0, Piece: "1⁄2", Start: 7, End: 9}, // unknown: NFKC of ½
		}},
		// A ligature split between two pieces: both cover all of it.
		{"nfkc", "ﬁne ﬂower", []tok{
			{ID: 566, Piece: "▁fin", Start: 0, End: 4},
			{ID: 15, Piece: "e", Start: 4, End: 5},
			{ID: 86, Piece: "▁f", Start: 5, End: 9},
			{ID: 135, Piece: "lo", Start: 6, End: 10},
			{ID: 56, Piece: "w", Start: 10, End: 11},
			{ID: 39, Piece: "er", Start: 11, End: 13},
		}},
		{"nfkc", "Ⅻ", []tok{
			{ID: 6, Piece: "▁", Start: 0, End: 0},
			{ID: 0, Piece: "X", Start: 0, End: 3},
			{ID: 347, Piece: "I", Start: 0, End: 3},
			{ID: 347, Piece: "I", Start: 0, End: 3},
		}},
		// A deleted control character belongs to the token around it.
		{"nfkc", "a\ab", []tok{{ID: 450, Piece: "▁ab", Start: 0, End: 3}}},
		{"nfkc", "ＡＢＣ", []tok{
			{ID: 71, Piece: "▁A", Start: 0, End: 3},
			{ID: 573, Piece: "B", Start: 3, End: 6},
			{ID: 975, Piece: "C", Start: 6, End: 9},
		}},
		// Unknown characters merge into one <unk> token with their text.
		{"nfkc", "日本 x", []tok{
			{ID: 6, Piece: "▁", Start: 0, End: 0},
			{ID: 0, Piece: "日本", Start: 0, End: 6},
			{ID: 6, Piece: "▁", Start: 6, End: 7},
			{ID: 469, Piece: "x", Start: 7, End: 8},
		}},
		// Byte fallback: every byte piece covers its whole character.
		{"bytes", "日本 x", []tok{
			{ID: 264, Piece: "▁", Start: 0, End: 0},
			{ID: 233, Piece: "<0xE6>", Start: 0, End: 3},
			{ID: 154, Piece: "<0x97>", Start: 0, End: 3},
			{ID: 168, Piece: "<0xA5>", Start: 0, End: 3},
			{ID: 233, Piece: "<0xE6>", Start: 3, End: 6},
			{ID: 159, Piece: "<0x9C>", Start: 3, End: 6},
			{ID: 175, Piece: "<0xAC>", Start: 3, End: 6},
			{ID: 264, Piece: "▁", Start: 6, End: 7},
			{ID: 713, Piece: "x", Start: 7, End: 8},
		}},
		{"bytes", "é😀", []tok{
			{ID: 702, Piece: "▁é", Start: 0, End: 2},
			{ID: 243, Piece: "<0xF0>", Start: 2, End: 6},
			{ID: 162, Piece: "<0x9F>", Start: 2, End: 6},
			{ID: 155, Piece: "<0x98>", Start: 2, End: 6},
			{ID: 131, Piece: "<0x80>", Start: 2, End: 6},
		}},
		// User-defined symbols win; whitespace is kept as typed.
		{"symbols", "foo@bar  x ", []tok{
			{ID: 4, Piece: "foo@bar", Start: 0, End: 7},
			{ID: 6, Piece: "▁▁", Start: 7, End: 9},
			{ID: 484, Piece: "x", Start: 9, End: 10},
			{ID: 10, Piece: "▁", Start: 10, End: 11},
		}},
		{"symbols", "a<sep>b", []tok{
			{ID: 29, Piece: "a", Start: 0, End: 1},
			{ID: 5, Piece: "<sep>", Start: 1, End: 6},
			{ID: 58, Piece: "b", Start: 6, End: 7},
		}},
	}
	models := map[string]*Model{}
	for _, c := range cases {
		m := models[c.model]
		if m == nil {
			m = loadTestModel(t, c.model)
			models[c.model] = m
		}
		got, err := m.Encode(c.text)
		if err != nil {
			t.Errorf("%s %q: %v", c.model, c.text, err)
			continue
		}
		if len(got) == 0 && len(c.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q:\n got %v\nwant %v", c.model, c.text, got, c.want)
		}
	}
}

// checkTokens verifies what holds for every encoding: spans inside the
// input, starts never decreasing, no span cutting a character, and the
// pieces spelling the normalized text.
func checkTokens(t *testing.T, m *Model, text string, toks []tokenize.Token) {
	t.Helper()
	var spelled strings.Builder
	prev := 0
	for i, tk := range toks {
		if tk.Start < prev || tk.Start > tk.End || tk.End > len(text) {
			t.Fatalf("%q: token %d %+v: bad span (previous start %d, input %d bytes)", text, i, tk, prev, len(text))
		}
		if !utf8.ValidString(text[tk.Start:tk.End]) {
			t.Fatalf("%q: token %d %+v cuts a character", text, i, tk)
		}
		prev = tk.Start
		if m.IsByte(tk.ID) {
			v, ok := pieceByte(tk.Piece)
			if !ok {
				t.Fatalf("%q: token %d: byte id with piece %q", text, i, tk.Piece)
			}
			spelled.WriteByte(v)
			continue
		}
		if !m.IsUnknown(tk.ID) && m.Piece(tk.ID) != tk.Piece {
			t.Fatalf("%q: token %d: id %d is piece %q, token says %q", text, i, tk.ID, m.Piece(tk.ID), tk.Piece)
		}
		spelled.WriteString(tk.Piece)
	}
	if norm := m.Normalize(text); spelled.String() != norm {
		t.Fatalf("%q: pieces spell %q, normalized text is %q", text, spelled.String(), norm)
	}
}

func TestEncodeInvariants(t *testing.T) {
	for _, name := range goldenModels {
		m := loadTestModel(t, name)
		for _, in := range goldenInputs {
			for _, line := range readLines(t, filepath.Join("testdata", in+".txt")) {
				toks, err := m.Encode(line)
				if err != nil {
					t.Fatalf("%s %q: %v", name, line, err)
				}
				checkTokens(t, m, line, toks)
			}
		}
	}
}

func TestEncodeInvalidUTF8(t *testing.T) {
	m := loadTestModel(t, "nfkc")
	for _, s := range []string{"ab\x80cd", "\xff", "caf\xc3", "\xed\xa0\x80"} {
		if toks, err := m.Encode(s); err == nil {
			t.Errorf("Encode(%q) = %v, want an error", s, toks)
		}
	}
}

// Hand-made models pin down the segmenter's rules one by one.
func TestSegmentRules(t *testing.T) {
	withPiece := func(p testPiece) []testPiece { return append(basicPieces(), p) }
	cases := []struct {
		name   string
		pieces []testPiece
		spec   testSpec
		text   string
		want   string // pieces joined by "|"
	}{
		{"best total score", basicPieces(), testSpec{}, "ab", "▁|ab"},
		// a+b ties with ab: the path found first (the longer piece) stays.
		{"ties keep the first path", []testPiece{{"<unk>", 0, typeUnknown}, {"▁", -2, typeNormal},
			{"a", -1, typeNormal}, {"b", -1, typeNormal}, {"ab", -2, typeNormal}}, testSpec{}, "ab", "▁|ab"},
		{"unused pieces are never produced", withPiece(testPiece{"▁ab", 0, typeUnused}), testSpec{}, "ab", "▁|ab"},
		{"the same piece when normal", withPiece(testPiece{"▁ab", -1, typeNormal}), testSpec{}, "ab", "▁ab"},
		{"user-defined pieces win", withPiece(testPiece{"bc", -100, typeUserDefined}), testSpec{}, "abc", "▁a|bc"},
		{"unknown runs merge", basicPieces(), testSpec{}, "axyb", "▁a|xy|b"},
		{"unknown runs end at known characters", basicPieces(), testSpec{}, "xaé", "▁|x|a|é"},
		{"byte fallback", byteTestPieces(), testSpec{byteFallback: true}, "axé", "▁a|<0x78>|<0xC3>|<0xA9>"},
		{"whitespace as suffix", basicPieces(), testSpec{wsAsSuffix: true}, " a  b ", "a|▁|b|▁"},
		{"no dummy prefix", basicPieces(), testSpec{noDummyPrefix: true}, "ab c", "ab|▁|c"},
		{"whitespace kept", basicPieces(), testSpec{keepWhitespace: true}, " a  b ", "▁|▁a|▁|▁|b|▁"},
		{"spaces not escaped", withPiece(testPiece{" ", -1, typeNormal}), testSpec{noEscape: true}, "a b", " |a| |b"},
	}
	for _, c := range cases {
		m, err := Parse(encodeModel(c.pieces, c.spec))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		toks, err := m.Encode(c.text)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var got []string
		for _, tk := range toks {
			got = append(got, tk.Piece)
		}
		if g := strings.Join(got, "|"); g != c.want {
			t.Errorf("%s: Encode(%q) = %s, want %s", c.name, c.text, g, c.want)
		}
		checkTokens(t, m, c.text, toks)
	}
}

func TestParseErrors(t *testing.T) {
	noUnk := basicPieces()[1:]
	twoUnk := append(basicPieces(), testPiece{"<unk2>", 0, typeUnknown})
	dup := append(basicPieces(), testPiece{"ab", -1, typeNormal})
	empty := append(basicPieces(), testPiece{"", -1, typeNormal})
	byteNoFallback := append(basicPieces(), testPiece{"<0x41>", 0, typeByte})
	badByte := append(byteTestPieces(), testPiece{"<0x4g>", 0, typeByte})
	onlySpecial := basicPieces()[:3]
	valid := encodeModel(basicPieces(), testSpec{})
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"BPE model", encodeModel(basicPieces(), testSpec{modelType: modelBPE}), "only unigram"},
		{"no unknown piece", encodeModel(noUnk, testSpec{}), "no unknown piece"},
		{"two unknown pieces", encodeModel(twoUnk, testSpec{}), "two unknown pieces"},
		{"duplicate piece", encodeModel(dup, testSpec{}), "defined twice"},
		{"empty piece", encodeModel(empty, testSpec{}), "is empty"},
		{"byte piece without fallback", encodeModel(byteNoFallback, testSpec{}), "byte_fallback is off"},
		{"missing byte pieces", encodeModel(basicPieces(), testSpec{byteFallback: true}), "is missing"},
		{"malformed byte piece", encodeModel(badByte, testSpec{byteFallback: true}), "not of the form"},
		{"only special pieces", encodeModel(onlySpecial, testSpec{}), "no normal piece"},
		{"truncated", valid[:len(valid)-3], "not a SentencePiece model"},
		{"short charsmap", encodeModel(basicPieces(), testSpec{charsMap: []byte{1, 0, 0}}), "shorter than"},
		{"charsmap size past end", encodeModel(basicPieces(), testSpec{charsMap: []byte{9, 0, 0, 0, 1}}), "runs past"},
		{"not protobuf", []byte("this is a text file, not a model"), "not a SentencePiece model"},
	}
	for _, c := range cases {
		_, err := Parse(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestModelAccessors(t *testing.T) {
	m := loadTestModel(t, "nfkc")
	if m.VocabSize() != 1000 {
		t.Errorf("VocabSize = %d, want 1000", m.VocabSize())
	}
	if id, ok := m.ID("▁Dios"); !ok || id != 145 || m.Piece(145) != "▁Dios" {
		t.Errorf("ID(▁Dios) = %d %v, Piece(145) = %q", id, ok, m.Piece(145))
	}
	if _, ok := m.ID("no such piece"); ok {
		t.Error("ID of a missing piece reported found")
	}
	if m.Piece(-1) != "" || m.Piece(1000) != "" {
		t.Error("Piece out of range is not empty")
	}
	if m.UnkID() != 0 || !m.IsUnknown(0) || !m.IsControl(1) || !m.IsControl(2) || m.IsByte(3) {
		t.Errorf("special ids: unk %d, control 1 %v, 2 %v", m.UnkID(), m.IsControl(1), m.IsControl(2))
	}
	if m.Score(145) >= 0 || m.Score(-1) != 0 {
		t.Errorf("Score(145) = %v, Score(-1) = %v", m.Score(145), m.Score(-1))
	}
}
