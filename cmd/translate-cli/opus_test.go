package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The miniature OPUS-MT directories and their goldens are made by
// scripts/reference/make_opus_tiny.py (see testdata/models/opus-tiny/README.md).
const opusTiny = "../../testdata/models/opus-tiny"

// opusTranslation returns the reference translation of a golden case.
func opusTranslation(t *testing.T, model, text string) (translation string, maxLen int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(opusTiny, model, "greedy_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Text, Translation string
			MaxLen            int `json:"max_len"`
		}
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cases {
		if c.Text == text {
			return c.Translation, c.MaxLen
		}
	}
	t.Fatalf("%s: no golden case %q", model, text)
	return "", 0
}

func TestTranslateOPUSTargetLang(t *testing.T) {
	const text = "In the beginning, God created the heavens and the earth."
	romance := filepath.Join(opusTiny, "en-ROMANCE")
	want, maxLen := opusTranslation(t, "en-ROMANCE", text)
	out, errs, code := cli(t, "", "translate", "--model", romance, "--target-lang", "es", "--beam", "1", "--max-length", strconv.Itoa(maxLen), text)
	if code != exitOK || out != want+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errs, want+"\n")
	}
	// The F16 pytorch_model.bin of the single-target model, from stdin.
	want, maxLen = opusTranslation(t, "en-es", text)
	out, errs, code = cli(t, text+"\n", "translate", "--model", filepath.Join(opusTiny, "en-es"), "--beam", "1", "--max-length", strconv.Itoa(maxLen))
	if code != exitOK || out != want+"\n" {
		t.Fatalf("en-es: exit %d, stdout %q, stderr %q; want %q", code, out, errs, want+"\n")
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"translate", "--model", romance, "x"}, "target_language is required: the model translates into 6 languages: es, fr, it, pt, pt_br, ro"},
		{[]string{"translate", "--model", romance, "--target-lang", "de", "x"}, `target_language "de" is not one of the model's 6 languages`},
		{[]string{"translate", "--model", filepath.Join(opusTiny, "en-es"), "--target-lang", "fr", "x"}, "translates into es only"},
		{[]string{"translate", "--server", "localhost:1", "--target-lang", "es", "x"}, "--target-lang is for a local model"},
	} {
		_, errs, code := cli(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d with %q", tc.args, code, errs, exitUsage, tc.msg)
		}
	}
}
