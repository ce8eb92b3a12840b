package main

import (
	"encoding/json"
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
