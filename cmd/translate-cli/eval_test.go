package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/eval.tsv holds Ruth 1:1-3 (test books) and Genesis 1:1 (train).

func TestEvalHyps(t *testing.T) {
	dir := t.TempDir()
	perfect := filepath.Join(dir, "perfect")
	sources, refs, err := readEvalSet("testdata/eval.tsv", "test", "en", "es", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 3 || !strings.HasPrefix(sources[0], "In the days when the judges judged") || !strings.HasPrefix(refs[2], "Y murió Elimelech") {
		t.Fatalf("test split: sources %q, references %q", sources, refs)
	}
	if err := os.WriteFile(perfect, []byte(strings.Join(refs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cli(t, "", "eval", "--corpus", "testdata/eval.tsv", "--hyps", perfect)
	if code != exitOK || !strings.Contains(out, "BLEU = 100.00") || !strings.Contains(out, "chrF2 = 100.00") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// es→en takes the other column as reference: Spanish hypotheses score low.
	out, _, _ = cli(t, "", "eval", "--corpus", "testdata/eval.tsv", "--from", "es", "--to", "en", "--hyps", perfect)
	if strings.Contains(out, "BLEU = 100.00") {
		t.Errorf("es-en scored Spanish against Spanish: %s", out)
	}
}

func TestEvalModel(t *testing.T) {
	hyps := filepath.Join(t.TempDir(), "hyps")
	out, errs, code := cli(t, "", "eval", "--corpus", "testdata/eval.tsv", "--model", tiny, "--split", "train", "--max-length", "5", "-o", hyps)
	if code != exitOK || !strings.Contains(out, "en-es train split: 1 verses") || !strings.Contains(out, "BLEU = ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if lines, err := readLines(hyps); err != nil || len(lines) != 1 {
		t.Errorf("-o wrote %d lines (%v)", len(lines), err)
	}
	// With --rerank the reverse model is named in the output.
	out, errs, code = cli(t, "", "eval", "--corpus", "testdata/eval.tsv", "--models", "../../checkpoints", "--split", "train", "--rerank", "0.5")
	if code != exitOK || !strings.Contains(out, "reranked: weight 0.5, reverse model "+filepath.Join("../../checkpoints", "es-en")) {
		t.Fatalf("--rerank: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// With --whole-lines each verse is one unit, and the output says so.
	out, errs, code = cli(t, "", "eval", "--corpus", "testdata/eval.tsv", "--model", tiny, "--split", "test", "--max-length", "5", "--whole-lines")
	if code != exitOK || !strings.Contains(out, "units: whole verses (--whole-lines)") || !strings.Contains(out, "BLEU = ") {
		t.Fatalf("--whole-lines: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestEvalErrors(t *testing.T) {
	short := filepath.Join(t.TempDir(), "short")
	if err := os.WriteFile(short, []byte("one line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"eval", "--corpus", "testdata/eval.tsv", "--hyps", short}, "has 1 lines for 3 verses"},
		{[]string{"eval", "--corpus", "testdata/eval.tsv", "--split", "dev", "--hyps", short}, "no verse of the dev split"},
		{[]string{"eval", "--corpus", "testdata/eval.tsv", "--from", "fr", "--hyps", short}, "neither en-es nor es-en"},
		{[]string{"eval", "--corpus", "testdata/nope.tsv", "--hyps", short}, "nope.tsv"},
		{[]string{"eval", "--corpus", "testdata/eval.tsv", "--split", "all"}, "--split test|dev|train"},
	}
	for _, c := range cases {
		_, errs, code := cli(t, "", c.args...)
		if code != exitUsage || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d, stderr %q (want %q)", c.args, code, errs, c.msg)
		}
	}
}

// testdata/eval2.tsv is a two-column test set (English<TAB>Spanish), as
// the general corpus's dev and test files are: every line is scored.
func TestEvalTwoColumns(t *testing.T) {
	dir := t.TempDir()
	hyps := filepath.Join(dir, "hyps")
	if err := os.WriteFile(hyps, []byte("¿Dónde está la estación?\nMe gusta el café.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cli(t, "", "eval", "--corpus", "testdata/eval2.tsv", "--hyps", hyps)
	if code != exitOK || !strings.Contains(out, "en-es eval2.tsv: 2 segments") || !strings.Contains(out, "BLEU = 100.00") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// es→en takes the English column as the references.
	if err := os.WriteFile(hyps, []byte("Where is the station?\nI like coffee.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = cli(t, "", "eval", "--corpus", "testdata/eval2.tsv", "--from", "es", "--to", "en", "--hyps", hyps)
	if code != exitOK || !strings.Contains(out, "BLEU = 100.00") {
		t.Fatalf("es-en: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	out, errs, code = cli(t, "", "eval", "--corpus", "testdata/eval2.tsv", "--model", tiny, "--max-length", "5", "--limit", "1")
	if code != exitOK || !strings.Contains(out, "en-es eval2.tsv: 1 segments") {
		t.Fatalf("--model --limit 1: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// A line without its second column is named.
	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, []byte("a\tb\nno tab here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := cli(t, "", "eval", "--corpus", bad, "--hyps", hyps); code != exitUsage || !strings.Contains(errs, "line 2: want two tab-separated columns") {
		t.Errorf("bad line: exit %d, stderr %q", code, errs)
	}
}
