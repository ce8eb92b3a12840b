package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/corpus/extract"
)

// writeFiles writes name → content under dir (creating folders) and
// returns dir.
func writeFiles(t *testing.T, dir string, files map[string][]byte) string {
	t.Helper()
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func gz(t *testing.T, data string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(data))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipped(t *testing.T, name, data string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.Create(name)
	f.Write([]byte(data))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestExtractKinds runs every kind on a tiny source and compares the
// English<TAB>Spanish lines it prints with testdata/extract.golden.
func TestExtractKinds(t *testing.T) {
	d := writeFiles(t, t.TempDir(), map[string][]byte{
		"ui.mo": extract.WriteMO([]extract.Message{
			{ID: "", Translations: []string{"Content-Type: text/plain; charset=UTF-8\n"}},
			{ID: "~Save\tAll", Translations: []string{"~Guardar\ntodo"}},
			{ID: "Cafe\u0301", Translations: []string{"Café"}},
		}),
		"en/a.html":         []byte(`<p id="p1">Where is <b>it</b>?</p><p id="p2">Same</p>`),
		"es/a.html":         []byte(`<p id="p2">Same</p><p id="p1">¿Dónde está?</p>`),
		"m/en/m.html":       []byte(`<h2 id="s">1. Start</h2><p>Go.</p><h2 id="t">2. End</h2><p>Stop.</p>`),
		"m/es/m.html":       []byte(`<h2 id="s">1. Inicio</h2><p>Ve.</p><p>Nota.</p><h2 id="t">2. Fin</h2><p>Para.</p>`),
		"C/x.page":          []byte(`<page><title>Mouse</title><p>Click.</p></page>`),
		"es/x.page":         []byte(`<page><title>Ratón</title><p>Pulse.</p></page>`),
		"Translation-en":    []byte("Package: p\nDescription-md5: 1\nDescription-en: A game\n"),
		"Translation-es.gz": gz(t, "Package: p\nDescription-md5: 1\nDescription-es: Un juego\n"),
		"c.yml.gz":          gz(t, "---\nID: a\nName:\n  C: Viewer\n  es: Visor\n"),
		"spa-eng.zip":       zipped(t, "spa-eng/spa.txt", "Go.\tVe.\nHi.\tHola.\tCC-BY 2.0 (France)\n"),
		"ep.en":             []byte("It &apos;s late .\nUnread .\n"),
		"ep.es":             []byte("Es tarde .\nNo leída .\n"),
		"fd.index":          []byte("dumb\tA\tR\n"),
		"fd.dict.dz":        gz(t, "dumb /dʌm/\nmudo\n"),
		"empty-dir/.keep":   nil,
	})
	runs := [][]string{
		{"mo", d + "/ui.mo"},
		{"pages", "--pair", "id", d + "/en", d + "/es"},
		{"pages", "--pair", "anchors", d + "/m/en", d + "/m/es"},
		{"pages", "--en-suffix", ".page", "--es-suffix", ".page", d + "/C", d + "/es"},
		{"pages", d + "/empty-dir", d + "/es"},
		{"ddtp", d + "/Translation-en", d + "/Translation-es.gz"},
		{"dep11", d + "/c.yml.gz"},
		{"tatoeba", d + "/spa-eng.zip"},
		{"europarl", "--lines", "1", d + "/ep.en", d + "/ep.es"},
		{"freedict", d + "/fd.index", d + "/fd.dict.dz"},
	}
	var all bytes.Buffer
	for _, args := range runs {
		stdout, stderr, code := runCorpus(t, append([]string{"extract"}, args...)...)
		if code != 0 {
			t.Fatalf("extract %s: exit %d: %s", args[0], code, stderr)
		}
		all.WriteString("# " + args[0] + "\n" + stdout)
	}
	golden(t, "extract.golden", all.Bytes())
}

func TestExtractOut(t *testing.T) {
	d := writeFiles(t, t.TempDir(), map[string][]byte{"spa.txt": []byte("Go.\tVe.\n")})
	out := filepath.Join(d, "out.tsv")
	if _, stderr, code := runCorpus(t, "extract", "tatoeba", "--out", out, d+"/spa.txt"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != "Go.\tVe.\n" {
		t.Errorf("--out holds %q", got)
	}
}

func TestExtractErrors(t *testing.T) {
	d := writeFiles(t, t.TempDir(), map[string][]byte{
		"bad.mo":   []byte("not a catalog at all, just text"),
		"bad.zip":  zipped(t, "other.txt", "x"),
		"bad.yml":  []byte("Name: [unclosed\n"),
		"one.txt":  []byte("only one column\n"),
		"short.en": []byte("a\nb\n"),
		"short.es": []byte("a\n"),
	})
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: corpus extract KIND"},
		{[]string{"frob"}, 2, `unknown kind "frob"`},
		{[]string{"mo"}, 1, "want one or more .mo files, got 0 arguments"},
		{[]string{"mo", d + "/bad.mo"}, 1, "bad.mo: mo: bad magic number"},
		{[]string{"mo", d + "/missing.mo"}, 1, "missing.mo: no such file"},
		{[]string{"pages", "--pair", "nearest", d, d}, 1, `--pair is id, order or anchors, not "nearest"`},
		{[]string{"pages", d}, 1, "want EN-DIR and ES-DIR, got 1 arguments"},
		{[]string{"tatoeba", d + "/bad.zip"}, 1, "bad.zip: no spa.txt inside"},
		{[]string{"tatoeba", d + "/one.txt"}, 1, "one.txt: line 1: 1 column"},
		{[]string{"dep11", d + "/bad.yml"}, 1, "bad.yml: dep11 document 1:"},
		{[]string{"europarl", "--lines", "0", d + "/short.en", d + "/short.es"}, 1, "line 2: the English and Spanish files have different numbers of lines"},
		{[]string{"europarl", "--lines", "x"}, 2, "invalid value"},
	}
	for _, tt := range tests {
		_, stderr, code := runCorpus(t, append([]string{"extract"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("extract %q: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

func TestJoin(t *testing.T) {
	d := writeFiles(t, t.TempDir(), map[string][]byte{
		"a.tsv":    []byte("Hello.\tHola.\nHello.\tHola.\r\nGood morning.\tBuenos días.\n\nCafe\u0301\tCafé\n"),
		"b.tsv":    []byte("Hello.\tHola.\nBye.\t¡Adiós!\n"),
		"held.tsv": []byte("GOOD MORNING\tBuenas.\n"),
		"bad.tsv":  []byte("one column\n"),
	})
	out := filepath.Join(d, "train.en-es.tsv.gz")
	stdout, stderr, code := runCorpus(t, "join", "--out", out, "--held-out", d+"/held.tsv", "tatoeba="+d+"/a.tsv", "europarl="+d+"/b.tsv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(zr)
	golden(t, "join.golden", []byte(stdout+"\n"+body.String()))

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"join", "a.tsv"}, 2, "need --out and one or more NAME=FILE"},
		{[]string{"join", "--out", out, d + "/a.tsv"}, 1, "is not NAME=FILE"},
		{[]string{"join", "--out", out, "x=" + d + "/bad.tsv"}, 1, "bad.tsv: line 1: 1 columns, want 2 (English, Spanish)"},
		{[]string{"join", "--out", out, "--held-out", d + "/gone.tsv", "x=" + d + "/a.tsv"}, 1, "gone.tsv: no such file"},
	} {
		_, stderr, code := runCorpus(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
