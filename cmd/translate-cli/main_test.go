package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/translated/translated/nmt"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// cli runs translate-cli in-process with the given stdin.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return out.String(), errb.String(), code
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

const tiny = "../../testdata/models/tiny-swish-shared"

func TestTranslateGolden(t *testing.T) {
	cases := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"translate_args.txt", "", []string{"translate", "--model", tiny, "--max-length", "8", "In the beginning.", "¿Dónde?"}},
		{"translate_stdin.txt", "one line\n\nthird line\r\n", []string{"translate", "--model", tiny, "--beam", "1", "--max-length", "6"}},
		{"translate_nbest.txt", "", []string{"translate", "--model", tiny, "--beam", "3", "--nbest", "2", "--max-length", "6", "Two. Sentences."}},
		{"translate.json", "", []string{"translate", "--model", tiny, "--format", "json", "--max-length", "4", "Hi there."}},
	}
	for _, c := range cases {
		out, errs, code := cli(t, c.stdin, c.args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", c.name, code, errs)
		}
		golden(t, c.name, out)
	}
}

func TestTranslateExitCodes(t *testing.T) {
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "config.json"), []byte(`{"d_model": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, exitUsage, "usage"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"translate", "--model", filepath.Join(bad, "none"), "x"}, exitBadModel, "not a model directory"},
		{[]string{"translate", "--model", bad, "x"}, exitBadModel, "config.json"},
		{[]string{"translate", "--models", bad, "--from", "xx", "x"}, exitBadModel, "cannot load model"},
		{[]string{"translate", "--model", tiny, "--format", "xml", "x"}, exitUsage, "xml"},
		{[]string{"translate", "--model", tiny, "--beam", "2", "--nbest", "3", "x"}, exitUsage, "nbest 3 exceeds beam size 2"},
		{[]string{"translate", "--model", tiny, "bad \xff"}, exitUsage, "UTF-8"},
		{[]string{"translate", "--bogus"}, exitUsage, "bogus"},
		{[]string{"translate", "--model", tiny, "--rerank", "1", "x"}, exitUsage, "give --reverse-model"},
		{[]string{"translate", "--model", tiny, "--rerank", "1", "--reverse-model", filepath.Join(bad, "none"), "x"}, exitBadModel, "reverse model"},
		{[]string{"translate", "--model", tiny, "--rerank", "-1", "--reverse-model", tiny, "x"}, exitUsage, "rerank must be between 0 and 10"},
		{[]string{"translate", "--server", "localhost:1", "--rerank", "1", "--reverse-model", tiny, "x"}, exitUsage, "exclude --server"},
		{[]string{"translate", "--model", tiny, "--mbr", "-1", "x"}, exitUsage, "mbr must be between 0 and 1000"},
		{[]string{"translate", "--model", tiny, "--ensemble", "x"}, exitUsage, "ensemble needs ensemble members"},
	}
	for _, c := range cases {
		_, errs, code := cli(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, errs, c.msg)
		}
	}
}

// TestTranslateRerank: --rerank loads the reverse pair beside the model
// and gives what the library gives with the two models linked.
func TestTranslateRerank(t *testing.T) {
	texts := []string{"The earth was formless and empty.", "Jesus wept."}
	out, errs, code := cli(t, "", append([]string{"translate", "--models", "../../checkpoints", "--rerank", "0.5"}, texts...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	fwd, err := nmt.Open("../../checkpoints/en-es")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := nmt.Open("../../checkpoints/es-en")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := fwd.WithReverse(rev)
	if err != nil {
		t.Fatal(err)
	}
	if got := libraryLines(t, tr, texts, nmt.Options{Rerank: 0.5}); out != got {
		t.Errorf("translate --rerank printed %q, want %q", out, got)
	}
	// --model finds the reverse beside it by name.
	out2, errs, code := cli(t, "", append([]string{"translate", "--model", "../../checkpoints/en-es/", "--rerank", "0.5"}, texts...)...)
	if code != exitOK || out2 != out {
		t.Errorf("--model en-es/: exit %d, %q (stderr %s), want %q", code, out2, errs, out)
	}
}

// TestTranslateMBR: --mbr gives what the library gives, and the JSON
// output carries each hypothesis's expected chrF2.
func TestTranslateMBR(t *testing.T) {
	texts := []string{"The earth was formless and empty.", "Jesus wept."}
	out, errs, code := cli(t, "", append([]string{"translate", "--model", "../../checkpoints/en-es", "--beam", "6", "--mbr", "10"}, texts...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	tr, err := nmt.Open("../../checkpoints/en-es")
	if err != nil {
		t.Fatal(err)
	}
	if got := libraryLines(t, tr, texts, nmt.Options{BeamSize: 6, MBR: new(10.0)}); out != got {
		t.Errorf("translate --mbr printed %q, want %q", out, got)
	}
	out, errs, code = cli(t, "", "translate", "--model", "../../checkpoints/en-es", "--beam", "6", "--nbest", "2", "--mbr", "10", "--format", "json", texts[0])
	if code != exitOK {
		t.Fatalf("--format json: exit %d: %s", code, errs)
	}
	var doc struct {
		Sentences []struct {
			Hypotheses []struct {
				MBRScore float64 `json:"mbr_score"`
			} `json:"hypotheses"`
		} `json:"sentences"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(doc.Sentences) != 1 || len(doc.Sentences[0].Hypotheses) != 2 {
		t.Fatalf("JSON output: %s", out)
	}
	if h := doc.Sentences[0].Hypotheses; h[0].MBRScore <= 0 || h[0].MBRScore < h[1].MBRScore {
		t.Errorf("mbr_score %g then %g, want positive and best first", h[0].MBRScore, h[1].MBRScore)
	}
}

// libraryLines is what translate prints for texts: the library's
// translations, one per line.
func libraryLines(t *testing.T, tr *nmt.Translator, texts []string, opts nmt.Options) string {
	t.Helper()
	want, err := tr.Translate(context.Background(), nmt.Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, w := range want {
		lines = append(lines, w.Text)
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestTranslateEnsemble: --ensemble decodes with the members in the
// model's ensemble/ directory, as the library does.
func TestTranslateEnsemble(t *testing.T) {
	dir := t.TempDir()
	member := filepath.Join(dir, nmt.EnsembleDir, "a")
	if err := os.MkdirAll(member, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json"} {
		b, err := os.ReadFile(filepath.Join(tiny, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err = os.ReadFile(filepath.Join("../../testdata/models/tiny-relu-untied", f)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(member, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	texts := []string{"The earth was formless and empty.", "Jesus wept."}
	out, errs, code := cli(t, "", append([]string{"translate", "--model", dir, "--ensemble", "--beam", "2", "--max-length", "12"}, texts...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	tr, err := nmt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := libraryLines(t, tr, texts, nmt.Options{BeamSize: 2, MaxLength: 12, Ensemble: true}); out != got {
		t.Errorf("translate --ensemble printed %q, want %q", out, got)
	}
	plain, _, _ := cli(t, "", append([]string{"translate", "--model", dir, "--beam", "2", "--max-length", "12"}, texts...)...)
	if plain == out {
		t.Errorf("--ensemble changed nothing: %q", out)
	}
}

func TestTranslateStdinKeepsGoodLines(t *testing.T) {
	good, _, code := cli(t, "first\nthird\n", "translate", "--model", tiny, "--beam", "1", "--max-length", "5")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	goodLines := strings.Split(strings.TrimSuffix(good, "\n"), "\n")
	out, errs, code := cli(t, "first\nbad \xff line\nthird\n", "translate", "--model", tiny, "--beam", "1", "--max-length", "5")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitUsage || !strings.Contains(errs, "line 2:") || len(lines) != 3 {
		t.Fatalf("exit %d, %d output lines, stderr %q", code, len(lines), errs)
	}
	if lines[0] != goodLines[0] || lines[1] != "" || lines[2] != goodLines[1] {
		t.Errorf("output %q, want the good lines %q around an empty one", lines, goodLines)
	}
	out, _, _ = cli(t, "first\nbad \xff line\n", "translate", "--model", tiny, "--format", "json", "--max-length", "3")
	if !strings.Contains(out, `{"line":2,"error":"invalid argument: texts[0] is not valid UTF-8"}`) {
		t.Errorf("json output lacks the error object:\n%s", out)
	}
}
