package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// runCLI runs the command with args and stdin and returns its exit code
// and outputs.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// golden compares got with testdata/name and names the first line that
// differs; under -update it rewrites the file instead.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update && os.WriteFile(path, []byte(got), 0o644) != nil {
		t.Fatalf("cannot rewrite %s", path)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wantLines, gotLines := strings.Split(string(want), "\n"), strings.Split(got, "\n")
	for i := range max(len(wantLines), len(gotLines)) {
		w, g := lineAt(wantLines, i), lineAt(gotLines, i)
		if w != g {
			t.Fatalf("%s:%d (go test -update to accept the new output):\n got %q\nwant %q", path, i+1, g, w)
		}
	}
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of output)"
}

// trainTiny trains on the corpus excerpts in testdata and returns the
// paths of the model and held-out files and the command's output.
func trainTiny(t *testing.T) (string, string, string) {
	dir := t.TempDir()
	model, held := filepath.Join(dir, "model.tsv"), filepath.Join(dir, "heldout.tsv")
	code, stdout, stderr := runCLI(t, "", "train", "-out", model, "-heldout", held,
		"-per-language", "100000", "-holdout-permille", "200", "-heldout-per-length", "1",
		"-bible", "testdata/bible.en-es.tsv", "testdata/tiny.en-es.tsv")
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	return model, held, strings.ReplaceAll(stdout, dir, "TMP")
}

func TestTrain(t *testing.T) {
	modelPath, heldPath, stdout := trainTiny(t)
	// 28 pairs of tiny.en-es.tsv (not the untranslated "OK"/"ok") and the 6
	// verses of Genesis (not Ruth, a test book) give 34 texts a language,
	// held out or counted.
	golden(t, "train.txt", stdout)
	golden(t, "train_heldout.tsv", readFile(t, heldPath))
	id, err := identifier(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	if langs := id.Languages(); !slices.Equal(langs, []string{"en", "es"}) {
		t.Errorf("languages %v, want en, es", langs)
	}
	model := readFile(t, modelPath)
	for _, g := range []string{"famin", "bethl", " moab"} { // Ruth 1:1 only
		if strings.Contains(model, "\n"+g+"\t") {
			t.Errorf("the model counts %q, from a test book", g)
		}
	}
	if !strings.Contains(model, "\ncreat\t") { // Genesis 1:1
		t.Error("the model lacks \"creat\", from a train book")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestEval(t *testing.T) {
	modelPath, heldPath, _ := trainTiny(t)
	code, stdout, stderr := runCLI(t, "", "eval", "-model", modelPath, "-samples", heldPath, "testdata/tiny.en-es.tsv", "testdata/bible.en-es.tsv")
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, stderr)
	}
	golden(t, "eval.txt", strings.ReplaceAll(stdout, filepath.Dir(heldPath), "TMP"))
}

func TestDetect(t *testing.T) {
	in := "¿Dónde está la estación?\nWhere is the station?\n\n12 🙂 https://example.com\n\xff\xfe\n"
	code, stdout, stderr := runCLI(t, in, "detect", "-among", "es,en")
	if code != 0 {
		t.Fatalf("detect exited %d: %s", code, stderr)
	}
	golden(t, "detect.txt", stdout)
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int    // exit code
		want string // in stderr
	}{
		{"no subcommand", nil, 2, "usage: langid"},
		{"unknown subcommand", []string{"guess"}, 2, "usage: langid"},
		{"no corpus", []string{"train"}, 2, "no corpus given"},
		{"bad flag", []string{"eval", "-nope"}, 2, "flag provided but not defined"},
		{"name without languages", []string{"train", "-out", os.DevNull, "-heldout", os.DevNull, "testdata/detect.txt"}, 1, "name does not end in .XX-YY.tsv"},
		{"Bible read as general", []string{"train", "-out", os.DevNull, "-heldout", os.DevNull, "testdata/bible.en-es.tsv"}, 1, "bible.en-es.tsv:1: 4 columns, want 3"},
		{"missing file", []string{"eval", "testdata/none.en-es.tsv"}, 1, "no such file"},
		{"missing model", []string{"eval", "-model", "testdata/none.tsv"}, 1, "no such file"},
		{"not a model", []string{"detect", "-model", "testdata/tiny.en-es.tsv"}, 1, `starts with "tatoeba", want "langid"`},
		{"unknown candidate", []string{"detect", "-among", "en,fr"}, 1, `the model has no language "fr" (it has en, es)`},
		{"samples without tab", []string{"eval", "-samples", "testdata/detect.txt"}, 1, "detect.txt:1: 1 columns, want 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

func TestPairLanguages(t *testing.T) {
	want := map[string]string{ // path → "XX YY", "" for an error
		"/x/train.en-es.tsv.gz":      "en es",
		"dev/newstest2012.en-es.tsv": "en es",
		"bible.en-es.tsv":            "en es",
		"en-fr.tsv":                  "en fr",
		"train.es-es.tsv":            "",
		"train.en_es.tsv":            "",
		"train.en-es.txt":            "",
		"train.-es.tsv":              "",
		"":                           "",
	}
	for path, w := range want {
		a, b, err := pairLanguages(path)
		got := strings.TrimSpace(a + " " + b)
		if got != w || (err == nil) != (w != "") {
			t.Errorf("pairLanguages(%q) = %q, %v; want %q", path, got, err, w)
		}
	}
}
