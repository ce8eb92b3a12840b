package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAverageOfOneModelTranslatesAlike: the mean of a model with itself is
// that model, so it translates the same.
func TestAverageOfOneModelTranslatesAlike(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "avg")
	out, errs, code := cli(t, "", "average", "--out", dst, tiny, tiny)
	if code != exitOK || !strings.Contains(out, "mean of 2 checkpoints") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	args := []string{"--beam", "1", "--max-length", "6", "In the beginning.", "¿Dónde?"}
	want, _, _ := cli(t, "", append([]string{"translate", "--model", tiny}, args...)...)
	got, errs, code := cli(t, "", append([]string{"translate", "--model", dst}, args...)...)
	if code != exitOK || got != want {
		t.Errorf("average translates %q, the model %q (%s)", got, want, errs)
	}
}

func TestAverageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "avg")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"average", tiny}, exitUsage, "usage"},
		{[]string{"average", "--out", out}, exitUsage, "usage"},
		{[]string{"average", "--out", out, "--run", t.TempDir(), tiny}, exitUsage, "usage"},
		{[]string{"average", "--out", out, "--dtype", "i8", tiny}, exitUsage, "usage"},
		{[]string{"average", "--out", out, "--run", t.TempDir()}, exitUsage, "no kept checkpoints"},
		{[]string{"average", "--out", out, tiny, "../../testdata/models/tiny-relu-untied"}, exitBadModel, "104 tensors"},
		{[]string{"average", "--out", tiny, tiny}, exitBadModel, "one of its inputs"},
	} {
		_, errs, code := cli(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, errs, c.want)
		}
	}
}
