package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShortlistCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "en-es.shortlist")
	out, errs, code := cli(t, "", "shortlist", "--model", tiny, "--corpus", "testdata/eval.tsv", "--split", "test", "--frequent", "5", "--per-source", "3", "-o", path)
	if code != exitOK || !strings.Contains(out, "5 frequent tokens") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
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
