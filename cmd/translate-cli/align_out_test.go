package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/align"
)

// shipped is the en→es model the README translates with.
const shipped = "../../checkpoints/en-es"

// TestTranslateAlignOut: translate --align-out writes, for every text, the
// alignment of the text with its printed translation. With the shipped
// model it is exactly what translate-cli align makes by force-decoding that
// translation, whenever the translation's tokens are the ones the
// tokenizer gives its text (a trained model's almost always are; each pair
// whose tokens differ is skipped, and at least two must compare).
func TestTranslateAlignOut(t *testing.T) {
	dir := t.TempDir()
	texts := []string{"In the beginning God created the heavens and the earth.", "Jesus wept.", "And God said, Let there be light: and there was light."}
	out, errs, code := cli(t, "", append([]string{"translate", "--model", shipped, "--align-out", filepath.Join(dir, "a.json")}, texts...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	hyps := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	got := readAlignments(t, filepath.Join(dir, "a.json"))
	if len(hyps) != len(texts) || len(got) != len(texts) {
		t.Fatalf("%d translations and %d alignments for %d texts", len(hyps), len(got), len(texts))
	}
	compared := 0
	for i, a := range got {
		if a.ID != fmt.Sprint(i+1) || a.Source.Text != texts[i] || a.Target.Text != hyps[i] || len(a.Links) == 0 {
			t.Fatalf("alignment %d: id %q, %q → %q, %d links", i, a.ID, a.Source.Text, a.Target.Text, len(a.Links))
		}
		forced, errs, code := cli(t, "", "align", "--model", shipped, "--format", "json", texts[i], hyps[i])
		if code != exitOK {
			t.Fatalf("align: exit %d: %s", code, errs)
		}
		want, err := align.ReadJSON(strings.NewReader(forced))
		if err != nil {
			t.Fatal(err)
		}
		if !sameTokenIDs(a.Target.Tokens, want[0].Target.Tokens) {
			continue
		}
		compared++
		if a.Method != want[0].Method || !slices.Equal(a.Links, want[0].Links) {
			t.Errorf("text %d: --align-out %s %v, align %s %v", i+1, a.Method, a.Links, want[0].Method, want[0].Links)
		}
	}
	if compared < 2 {
		t.Errorf("only %d of %d translations re-tokenize to their own tokens", compared, len(texts))
	}
}

func sameTokenIDs(a, b []align.Token) bool {
	return slices.EqualFunc(a, b, func(x, y align.Token) bool { return x.ID == y.ID })
}

func readAlignments(t *testing.T, path string) []*align.Alignment {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pairs, err := align.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return pairs
}

// TestTranslateAlignOutStdin: from stdin every line gets an alignment
// numbered by its line, blank lines too; the format comes from the file's
// extension, and the json translation output carries no attention unless
// --attention asks for it.
func TestTranslateAlignOutStdin(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := cli(t, "Hi there.\n\nGod is love.\n", "translate", "--model", tiny, "--max-length", "6", "--format", "json",
		"--align-out", filepath.Join(dir, "a.txt"), "--align-heads", "layer=1,shift", "--align-symmetrize", "union")
	if code != exitOK || strings.Contains(out, `"attention"`) {
		t.Fatalf("exit %d (%s); attention printed: %v", code, errs, strings.Contains(out, `"attention"`))
	}
	b, err := os.ReadFile(filepath.Join(dir, "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := align.ReadPharaoh(strings.NewReader(string(b)))
	if err != nil || len(lines) != 3 || len(lines[1]) != 0 {
		t.Fatalf("pharaoh %q: %d lines, err %v", b, len(lines), err)
	}
	_, _, code = cli(t, "Hi there.\n", "translate", "--model", tiny, "--max-length", "6", "--align-out", filepath.Join(dir, "b.json"), "--align-format", "json")
	if got := readAlignments(t, filepath.Join(dir, "b.json")); code != exitOK || len(got) != 1 || got[0].Subword == nil {
		t.Fatalf("exit %d, alignments %+v", code, got)
	}
}

func TestTranslateAlignOutErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--align-out", filepath.Join(dir, "a.xyz")}, exitUsage, "--align-format"},
		{[]string{"--align-out", filepath.Join(dir, "a.png"), "--align-level", "letters"}, exitUsage, "letters"},
		{[]string{"--align-out", filepath.Join(dir, "a.json"), "--server", "127.0.0.1:1"}, exitUsage, "needs a local model"},
		{[]string{"--align-out", filepath.Join(dir, "a.json"), "--align-heads", "layer=9"}, exitUsage, "layer"},
		{[]string{"--align-out", filepath.Join(dir, "none", "a.json")}, exitFailure, "no such file"},
	} {
		args := append([]string{"translate", "--model", tiny, "--max-length", "4"}, c.args...)
		_, errs, code := cli(t, "", append(args, "Hi.")...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, errs, c.want)
		}
	}
}
