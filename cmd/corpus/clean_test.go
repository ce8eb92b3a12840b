package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with the file testdata/name; -update rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	var err error
	if *update {
		err = os.WriteFile(path, got, 0o644)
	}
	want, rerr := os.ReadFile(path)
	switch {
	case err != nil || rerr != nil:
		t.Fatalf("golden %s: %v %v (go test -update writes it)", name, err, rerr)
	case !bytes.Equal(got, want):
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func runCorpus(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

func TestCleanGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "train.tsv")
	stdout, stderr, code := runCorpus(t, "clean", "--out", out, "--held-out", "testdata/clean/held-out.tsv", "testdata/clean/train.tsv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden(t, "clean/report.golden", []byte(stdout))
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "clean/train.golden", got)
}

func TestCleanReadsGzip(t *testing.T) {
	plain, err := os.ReadFile("testdata/clean/train.tsv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "train.tsv.gz")
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(plain)
	zw.Close()
	if err := os.WriteFile(in, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.tsv")
	stdout, stderr, code := runCorpus(t, "clean", "--out", out, "--held-out", "testdata/clean/held-out.tsv", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want, _ := os.ReadFile("testdata/clean/report.golden")
	if stdout != string(want) {
		t.Errorf("gzip input reports\n%s\nwant\n%s", stdout, want)
	}
}

func TestCleanErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tsv")
	os.WriteFile(bad, []byte("tatoeba\tHi.\tHola.\ntatoeba\tonly two\n"), 0o644)
	notGzip := filepath.Join(dir, "x.tsv.gz")
	os.WriteFile(notGzip, []byte("plain text"), 0o644)
	out := filepath.Join(dir, "out.tsv")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "usage: corpus"},
		{"unknown command", []string{"frobnicate"}, 2, "usage: corpus"},
		{"no --out", []string{"clean", "in.tsv"}, 2, "need --out and one INPUT"},
		{"two inputs", []string{"clean", "--out", out, "a", "b"}, 2, "need --out and one INPUT"},
		{"bad flag", []string{"clean", "--max-words", "many"}, 2, "invalid value"},
		{"negative words", []string{"clean", "--out", out, "--max-words", "-1", bad}, 2, "max words -1 is negative"},
		{"ratio below 1", []string{"clean", "--out", out, "--max-ratio", "0.5", bad}, 2, "max ratio 0.5 is below 1"},
		{"missing input", []string{"clean", "--out", out, filepath.Join(dir, "missing.tsv")}, 1, "missing.tsv: no such file"},
		{"missing held-out", []string{"clean", "--out", out, "--held-out", filepath.Join(dir, "gone.tsv"), bad}, 1, "gone.tsv: no such file"},
		{"wrong column count", []string{"clean", "--out", out, bad}, 1, bad + ": line 2: 2 columns, want 3"},
		{"not gzip", []string{"clean", "--out", out, notGzip}, 1, "x.tsv.gz: gzip: invalid header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCorpus(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}
