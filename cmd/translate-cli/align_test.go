package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/align"
)

const (
	sampleGold   = "../../nmt/align/testdata/gold.sample.jsonl"
	sampleCorpus = "../../nmt/align/testdata/corpus.sample.tsv"
)

func TestAlignGolden(t *testing.T) {
	cases := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"align_args.txt", "", []string{"align", "--model", tiny, "In the beginning. And the earth.", "En el principio. Y la tierra."}},
		{"align_stdin.txt", "¿Dónde?\t¿Where?\nthe king’s house\tla casa del rey\n\t\n", []string{"align", "--model", tiny, "--heads", "layer=-1,head=0,shift", "--symmetrize", "intersection"}},
		{"align.json", "", []string{"align", "--model", tiny, "--format", "json", "Hi there.", "Hola."}},
		{"align.csv", "", []string{"align", "--model", tiny, "--format", "csv", "--level", "subword", "Hi there.", "Hola, tú."}},
		{"align_eval.txt", "", []string{"align-eval", "--model", tiny, "--gold", sampleGold, "--train", sampleCorpus, "--ibm1", "--limit", "4", "--heads", "layer=1", "--symmetrize", "all"}},
		{"align_eval_scan.txt", "", []string{"align-eval", "--model", tiny, "--gold", sampleGold, "--limit", "2", "--scan", "--symmetrize", "intersection"}},
	}
	for _, c := range cases {
		out, errs, code := cli(t, c.stdin, c.args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", c.name, code, errs)
		}
		golden(t, c.name, out)
	}
}

func TestAlignJSONReadsBack(t *testing.T) {
	out, errs, code := cli(t, "one. two.\tuno. dos.\nthree\ttres\n", "align", "--model", tiny, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	pairs, err := align.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 2 || pairs[0].ID != "1" || pairs[0].Source.Text != "one. two." || len(pairs[0].Target.Words) != 4 {
		t.Fatalf("read back %d pairs: %+v", len(pairs), pairs[0])
	}
	if pairs[0].Subword == nil || pairs[0].Subword.Rows != len(pairs[0].Target.Tokens) || pairs[0].Score >= 0 {
		t.Fatalf("pair 1 lacks its subword matrix or score")
	}
}

func TestAlignFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"png", "html", "svg"} {
		path := filepath.Join(dir, "out."+f)
		_, errs, code := cli(t, "", "align", "--model", tiny, "--format", f, "-o", path, "the house", "la casa")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", f, code, errs)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch f {
		case "png":
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("png: %v", err)
			}
		case "html":
			if !bytes.Contains(b, []byte(`data-links="`)) || bytes.Contains(b, []byte("http://")) && !bytes.Contains(b, []byte("http://www.w3.org/2000/svg")) {
				t.Errorf("html is not the self-contained page")
			}
		case "svg":
			if !bytes.HasPrefix(b, []byte("<?xml")) {
				t.Errorf("svg starts with %.20q", b)
			}
		}
	}
}

func TestAlignErrors(t *testing.T) {
	cases := []struct {
		stdin   string
		args    []string
		code    int
		message string
	}{
		{"", []string{"align", "--model", tiny, "--format", "gif", "a", "b"}, exitUsage, `unknown format "gif"`},
		{"", []string{"align", "--model", tiny, "--level", "char", "a", "b"}, exitUsage, `unknown level "char"`},
		{"", []string{"align", "--model", tiny, "only-one"}, exitUsage, "give SOURCE and TARGET"},
		{"", []string{"align", "--model", tiny, "--heads", "layer=x", "a", "b"}, exitUsage, `"x" is not an integer`},
		{"", []string{"align", "--model", tiny, "--heads", "layer=9", "a", "b"}, exitUsage, "layer 9 out of range"},
		{"", []string{"align", "--model", tiny, "--symmetrize", "grow", "a", "b"}, exitUsage, `unknown symmetrization "grow"`},
		{"no tab here\n", []string{"align", "--model", tiny}, exitUsage, "stdin line 1: want one tab"},
		{"a\tb\tc\n", []string{"align", "--model", tiny}, exitUsage, "stdin line 1: want one tab"},
		{"", []string{"align", "--model", "/nonexistent", "a", "b"}, exitBadModel, "cannot load model"},
		{"", []string{"align", "--model", tiny, "a\xff", "b"}, exitUsage, "not valid UTF-8"},
		{"", []string{"align", "--model", tiny, "-o", "/nonexistent/dir/x.json", "a", "b"}, exitFailure, "no such file"},
		{"", []string{"align-eval", "--model", tiny, "--gold", sampleGold, "--split", "train"}, exitUsage, `--split "train"`},
		{"", []string{"align-eval", "--gold", sampleGold, "--attention=false"}, exitUsage, "--attention or --ibm1"},
		{"", []string{"align-eval", "--model", tiny, "--gold", "/nonexistent.jsonl"}, exitFailure, "no such file"},
		{"", []string{"align-eval", "--gold", sampleGold, "--attention=false", "--ibm1", "--train", "/nonexistent.tsv"}, exitFailure, "no such file"},
		{"", []string{"align-eval", "--gold", sampleCorpus, "--attention=false", "--ibm1"}, exitFailure, "line 1: align: gold"},
	}
	for _, c := range cases {
		_, errs, code := cli(t, c.stdin, c.args...)
		if code != c.code || !strings.Contains(errs, c.message) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.message)
		}
	}
}

func TestAlignUsesModelHeads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	if _, _, code := cli(t, "", "convert", "--dtype", "f32", tiny, dir); code != exitOK {
		t.Fatal("convert failed")
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "{", `{"alignment_heads": "layer=1,head=2",`, 1))
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cli(t, "", "align", "--model", dir, "--format", "json", "In the beginning.", "En el principio.")
	if code != exitOK || !strings.Contains(out, "attention layer=1,head=2 ") {
		t.Fatalf("exit %d, stderr %q; method not from the model:\n%.300s", code, errs, out)
	}
	out, _, _ = cli(t, "", "align", "--model", dir, "--heads", "avg", "--format", "json", "In the beginning.", "En el principio.")
	if !strings.Contains(out, "attention avg ") {
		t.Errorf("--heads avg did not win over the model's heads:\n%.300s", out)
	}
}

// TestAlignEvalReverse: --reverse scores Spanish → English. IBM Model 1
// intersects both directions, so swapping the sides gives the same links
// swapped and the same counts; the attention of a model is scored too.
func TestAlignEvalReverse(t *testing.T) {
	args := []string{"align-eval", "--gold", sampleGold, "--train", sampleCorpus, "--ibm1", "--limit", "6"}
	fwd, errs, code := cli(t, "", append(args, "--attention=false")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rev, errs, code := cli(t, "", append(args, "--attention=false", "--reverse")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	ibm1 := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "ibm1") {
				return l
			}
		}
		t.Fatalf("no ibm1 line in %q", out)
		return ""
	}
	if !strings.Contains(rev, "Spanish → English") || ibm1(fwd) != ibm1(rev) {
		t.Errorf("forwards:\n%s\nreversed:\n%s", fwd, rev)
	}
	// The tiny model has 128 positions: the first 4 verses fit.
	out, errs, code := cli(t, "", "align-eval", "--gold", sampleGold, "--limit", "4", "--model", tiny, "--reverse", "--heads", "layer=1,shift")
	if code != exitOK || !strings.Contains(out, "attention layer=1,shift") {
		t.Errorf("exit %d (%s):\n%s", code, errs, out)
	}
}

// TestAlignWholeLines checks --whole-lines: a line of two sentences pairs
// sentence by sentence by default, so no target word attends to the other
// sentence's source words, and as one unit with the flag, where attention
// reaches every source word.
func TestAlignWholeLines(t *testing.T) {
	zeros := func(args ...string) int {
		t.Helper()
		out, errs, code := cli(t, "", append([]string{"align", "--model", tiny, "--format", "json"}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		pairs, err := align.ReadJSON(strings.NewReader(out))
		if err != nil || len(pairs) != 1 {
			t.Fatalf("%v: %d pairs, %v", args, len(pairs), err)
		}
		n := 0
		for _, v := range pairs[0].Word.Data {
			if v == 0 {
				n++
			}
		}
		return n
	}
	src, tgt := "One two. Three four.", "Uno dos. Tres cuatro."
	// Three words a sentence on each side ("two" and "." are two words):
	// 18 of the 36 cells pair words of different sentences.
	if n := zeros(src, tgt); n != 18 {
		t.Errorf("sentence by sentence: %d zero cells of 36, want the 18 across sentences", n)
	}
	if n := zeros("--whole-lines", src, tgt); n != 0 {
		t.Errorf("--whole-lines: %d zero cells, want none", n)
	}
}
