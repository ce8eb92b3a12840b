package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConvertKeepsTranslations(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "half")
	out, errs, code := cli(t, "", "convert", "--dtype", "f16", tiny, dst)
	if code != exitOK || !strings.Contains(out, "F16") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	for _, name := range []string{"config.json", "model.safetensors", "tokenizer.json"} {
		if _, err := os.Stat(filepath.Join(dst, name)); err != nil {
			t.Fatal(err)
		}
	}
	// The tiny model's greedy margins are ≥ 0.017 (testdata/models/README.md);
	// rounding its weights to F16 keeps these short outputs.
	args := []string{"translate", "--beam", "1", "--max-length", "6", "In the beginning.", "¿Dónde?"}
	want, _, _ := cli(t, "", append([]string{"translate", "--model", tiny}, args[1:]...)...)
	got, errs, code := cli(t, "", append([]string{"translate", "--model", dst}, args[1:]...)...)
	if code != exitOK || got != want {
		t.Errorf("F16 copy translates %q, F32 %q (%s)", got, want, errs)
	}
}

func TestConvertErrors(t *testing.T) {
	cases := [][]string{
		{"convert", tiny},
		{"convert", "--dtype", "i4", tiny, t.TempDir()},
		{"convert", tiny, tiny},
	}
	for _, args := range cases {
		if _, _, code := cli(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d", args, code)
		}
	}
	if _, errs, code := cli(t, "", "convert", t.TempDir(), t.TempDir()); code != exitBadModel || !strings.Contains(errs, "config.json") {
		t.Errorf("empty source: exit %d, %s", code, errs)
	}
}

func TestConvertInt8(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "int8")
	out, errs, code := cli(t, "", "convert", "--dtype", "int8", tiny, dst)
	if code != exitOK || !strings.Contains(out, "I8") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	// The copy translates (as an int8 model); its words may differ from
	// the float32 model's by the rounding of the weights.
	got, errs, code := cli(t, "", "translate", "--model", dst, "--beam", "1", "--max-length", "6", "In the beginning.")
	if code != exitOK || strings.TrimSpace(got) == "" {
		t.Errorf("int8 copy: exit %d, %q (%s)", code, got, errs)
	}
}
