package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	}
	for _, c := range cases {
		_, errs, code := cli(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, errs, c.msg)
		}
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
