package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var tinyBenchShape = []string{"--d-model", "16", "--heads", "2", "--ffn", "24", "--vocab", "40", "--encoder-layers", "1", "--decoder-layers", "1"}

func TestBenchRandomModel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "random")
	args := append([]string{"bench", "--json", "--batch", "2", "--beam", "3", "--tgt-len", "5", "--sentences", "3", "--rounds", "1", "--save", dir}, tinyBenchShape...)
	out, errs, code := cli(t, "", args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Batch != 2 || rep.Beam != 3 || rep.TargetLen != 5 || rep.Steps != 2*5 || rep.TokensPerSecond <= 0 {
		t.Errorf("report %+v", rep)
	}
	// The saved model measures as a directory, reported as text.
	out, errs, code = cli(t, "", "bench", "--rounds", "1", "--sentences", "1", "--tgt-len", "3", dir)
	if code != exitOK || !strings.Contains(out, "d_model 16, layers 1+1") || !strings.Contains(out, "target tokens/s") || !strings.Contains(out, "float32 weights") {
		t.Errorf("exit %d: %s %s", code, out, errs)
	}
	out, errs, code = cli(t, "", "bench", "--rounds", "1", "--sentences", "1", "--tgt-len", "3", "--dtype", "int8", dir)
	if code != exitOK || !strings.Contains(out, "int8 weights") {
		t.Errorf("--dtype int8: exit %d: %s %s", code, out, errs)
	}
}

func TestBenchErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"bench", "a", "b"}, exitUsage},
		{[]string{"bench", "--save", t.TempDir(), tiny}, exitUsage},
		{append([]string{"bench", "--beam", "-1"}, tinyBenchShape...), exitUsage},
		{[]string{"bench", "--heads", "3", "--d-model", "16", "--vocab", "40"}, exitBadModel},
		{[]string{"bench", t.TempDir()}, exitBadModel},
		{[]string{"bench", "--dtype", "f8"}, exitUsage},
	}
	for _, c := range cases {
		if _, errs, code := cli(t, "", c.args...); code != c.code {
			t.Errorf("%q: exit %d, want %d (%s)", c.args, code, c.code, errs)
		}
	}
}

func TestShortlistCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "en-es.shortlist")
	out, errs, code := cli(t, "", "shortlist", "--model", tiny, "--corpus", "testdata/eval.tsv", "--split", "test", "--frequent", "5", "--per-source", "3", "-o", path)
	if code != exitOK || !strings.Contains(out, "5 frequent tokens") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	var verses int
	fmt.Sscanf(out[strings.Index(out, "from "):], "from %d verses", &verses)
	twice, errs, code := cli(t, "", "shortlist", "--model", tiny, "--corpus", "testdata/eval.tsv,testdata/eval.tsv", "--split", "test", "-o", path)
	if code != exitOK || verses == 0 || !strings.Contains(twice, fmt.Sprintf("from %d verses", 2*verses)) {
		t.Fatalf("two corpora: exit %d: %s (once: %d verses) %s", code, twice, verses, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(b), "frequent ") {
		t.Fatalf("%v: %.60q", err, b)
	}
	// Translating with it works and keeps to it (the tiny model's words
	// may change).
	if got, errs, code := cli(t, "", "translate", "--model", tiny, "--shortlist", path, "--beam", "1", "--max-length", "6", "In the beginning."); code != exitOK || strings.TrimSpace(got) == "" {
		t.Errorf("translate --shortlist: exit %d, %q (%s)", code, got, errs)
	}
	if out, errs, code := cli(t, "", "bench", "--rounds", "1", "--sentences", "2", "--tgt-len", "3", "--shortlist", path, tiny); code != exitOK || !strings.Contains(out, "rows per batch") {
		t.Errorf("bench --shortlist: exit %d: %s %s", code, out, errs)
	}
	// Written with gzip into a copy of the model directory as its shipped
	// shortlist, which --shortlist model reads; eval reports its size.
	dir := filepath.Join(t.TempDir(), "en-es")
	if err := os.CopyFS(dir, os.DirFS(tiny)); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := cli(t, "", "shortlist", "--model", dir, "--corpus", "testdata/eval.tsv", "--split", "test", "--frequent", "5", "--per-source", "3", "-o", filepath.Join(dir, "shortlist.gz")); code != exitOK {
		t.Fatalf("shortlist -o shortlist.gz: exit %d: %s %s", code, out, errs)
	}
	if got, errs, code := cli(t, "", "translate", "--model", dir, "--shortlist", "model", "--beam", "1", "--max-length", "6", "In the beginning."); code != exitOK || strings.TrimSpace(got) == "" {
		t.Errorf("translate --shortlist model: exit %d, %q (%s)", code, got, errs)
	}
	if out, errs, code := cli(t, "", "eval", "--model", dir, "--shortlist", "model", "--corpus", "testdata/eval.tsv", "--split", "test", "--beam", "1", "--max-length", "6"); code != exitOK || !strings.Contains(out, "target tokens per sentence on average") {
		t.Errorf("eval --shortlist model: exit %d: %s %s", code, out, errs)
	}
	if _, _, code := cli(t, "", "translate", "--model", tiny, "--shortlist", "model", "Hi."); code != exitUsage {
		t.Errorf("--shortlist model of a directory without one: exit %d", code)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("frequent 99999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"shortlist", "--model", tiny, "--corpus", "testdata/eval.tsv"},
		{"shortlist", "--model", tiny, "--corpus", "testdata/eval.tsv", "--split", "all", "-o", path},
		{"translate", "--model", tiny, "--shortlist", bad, "Hi."},
		{"translate", "--model", tiny, "--shortlist", filepath.Join(t.TempDir(), "none"), "Hi."},
	} {
		if _, _, code := cli(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d", args, code)
		}
	}
}
