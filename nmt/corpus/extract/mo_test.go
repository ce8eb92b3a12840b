package extract

import (
	"encoding/binary"
	"os"
	"reflect"
	"testing"
)

// testdata/es.mo is testdata/es.po compiled by GNU msgfmt 0.21.
func TestParseMOFromMsgfmt(t *testing.T) {
	data, err := os.ReadFile("testdata/es.mo")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := ParseMO(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Message{
		{ID: "", Translations: []string{"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"}},
		{ID: "Café 😀 東京", Translations: []string{"Café 😀 東京"}},
		{ID: "Line one\nline two", Translations: []string{"Línea uno\nlínea dos"}},
		{ID: "One file", Plural: "%d files", Translations: []string{"Un archivo", "%d archivos"}},
		{ID: "Where is the train station?", Translations: []string{"¿Dónde está la estación de tren?"}},
		{Context: "dialog", ID: "~File", Translations: []string{"A~rchivo"}},
		{Context: "menu", ID: "~File", Translations: []string{"~Archivo"}},
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Fatalf("ParseMO =\n%q\nwant\n%q", msgs, want)
	}
	pairs := MOPairs(msgs)
	wantPairs := []Pair{
		{"Café 😀 東京", "Café 😀 東京"},
		{"Line one\nline two", "Línea uno\nlínea dos"},
		{"One file", "Un archivo"},
		{"Where is the train station?", "¿Dónde está la estación de tren?"},
		{"~File", "A~rchivo"},
		{"~File", "~Archivo"},
	}
	if !reflect.DeepEqual(pairs, wantPairs) {
		t.Errorf("MOPairs =\n%q\nwant\n%q", pairs, wantPairs)
	}
}

func TestWriteMORoundTrip(t *testing.T) {
	msgs := []Message{
		{ID: "", Translations: []string{"Content-Type: text/plain; charset=UTF-8\n"}},
		{ID: "Hello", Translations: []string{"Hola"}},
		{Context: "ctx", ID: "¿?", Plural: "¡!", Translations: []string{"uno", "dos"}},
		{ID: "Untranslated", Translations: []string{""}},
		{ID: "مرحبا", Translations: []string{"שלום"}},
	}
	got, err := ParseMO(WriteMO(msgs))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, msgs) {
		t.Errorf("round trip =\n%q\nwant\n%q", got, msgs)
	}
	if p := MOPairs(got); len(p) != 3 {
		t.Errorf("MOPairs kept %d pairs, want 3 (no header, no untranslated): %q", len(p), p)
	}
}

func TestParseMOBigEndian(t *testing.T) {
	le := WriteMO([]Message{{ID: "Yes", Translations: []string{"Sí"}}})
	be := append([]byte(nil), le...)
	for i := 0; i < 28; i += 4 { // header words
		binary.BigEndian.PutUint32(be[i:], binary.LittleEndian.Uint32(le[i:]))
	}
	for i := 28; i < 28+16; i += 4 { // the two one-entry tables
		binary.BigEndian.PutUint32(be[i:], binary.LittleEndian.Uint32(le[i:]))
	}
	got, err := ParseMO(be)
	if err != nil || len(got) != 1 || got[0].ID != "Yes" || got[0].Translations[0] != "Sí" {
		t.Errorf("big-endian ParseMO = %q, %v", got, err)
	}
}

func TestParseMOErrors(t *testing.T) {
	good := WriteMO([]Message{{ID: "a", Translations: []string{"b"}}})
	badOffset := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(badOffset[28+4:], 1<<30) // string offset of the first msgid
	badCount := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(badCount[8:], 1000)
	badRev := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(badRev[4:], 2<<16)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "mo: 0 bytes, shorter than the 28-byte header"},
		{"not mo", []byte("this is a text file, not a catalog"), "mo: bad magic number 0x73696874"},
		{"revision", badRev, "mo: unknown major revision 2"},
		{"offset", badOffset, "mo: original 0: string [1073741824, 1073741825) is past the end (48 bytes)"},
		{"count", badCount, "mo: translation 1: descriptor at 44 is past the end (48 bytes)"},
	}
	for _, tt := range tests {
		if _, err := ParseMO(tt.data); err == nil || err.Error() != tt.want {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
