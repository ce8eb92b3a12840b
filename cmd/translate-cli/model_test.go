package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/translated/translated/nmt"
)

// tinyRelu is a second tiny test model, served as another model of en-es.
const tinyRelu = "../../testdata/models/tiny-relu-untied"

// namedModels makes a directory of models: en-es and es-en (the tiny
// model) and en-es-relu (the other tiny model).
func namedModels(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, model := range map[string]string{"en-es": tiny, "es-en": tiny, "en-es-relu": tinyRelu} {
		abs, err := filepath.Abs(model)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestModelByName: --model NAME is the model directory of that name
// under --models, --from/--to pick <from>-<to>, and --model DIR is a
// directory as before.
func TestModelByName(t *testing.T) {
	dir := namedModels(t)
	text := []string{"--max-length", "6", "--beam", "2", "In the beginning.", "¿Dónde? 👩‍👩‍👧"}
	for _, c := range []struct {
		args []string
		same string // the model directory whose output it must print
	}{
		{[]string{"--models", dir, "--model", "en-es-relu"}, tinyRelu},
		{[]string{"--models", dir}, tiny},
		{[]string{"--models", dir, "--model", "en-es"}, tiny},
		{[]string{"--models", dir, "--model", filepath.Join(dir, "en-es-relu")}, tinyRelu},
		{[]string{"--models", dir, "--model", "en-es-relu", "--rerank", "0.5"}, ""}, // reranks with es-en beside it
	} {
		out, errs, code := cli(t, "", append(append([]string{"translate"}, c.args...), text...)...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", c.args, code, errs)
		}
		if c.same == "" {
			continue
		}
		want, _, _ := cli(t, "", append([]string{"translate", "--model", c.same}, text...)...)
		if out != want {
			t.Errorf("%q printed\n%s\nwant (%s)\n%s", c.args, out, c.same, want)
		}
	}
	relu, _, _ := cli(t, "", append([]string{"translate", "--model", tinyRelu}, text...)...)
	swish, _, _ := cli(t, "", append([]string{"translate", "--model", tiny}, text...)...)
	if relu == swish {
		t.Fatal("the two test models translate alike: the test cannot tell them apart")
	}
	_, errs, code := cli(t, "", "translate", "--models", dir, "--model", "en-es-nope", "x")
	if code != exitBadModel || !strings.Contains(errs, "models under "+dir+": en-es, en-es-relu, es-en") {
		t.Errorf("unknown name: exit %d, %s", code, errs)
	}
}

// TestRemoteModelByName: --server with --model NAME translates with the
// server's model of that name, as the same model does locally.
func TestRemoteModelByName(t *testing.T) {
	srv := startLiveServer(t)
	text := []string{"--max-length", "6", "--beam", "2", "In the beginning.", "¿Dónde? 👩‍👩‍👧"}
	for _, c := range []struct {
		args []string
		same string
	}{
		{[]string{"--model", "en-es-relu"}, tinyRelu},
		{[]string{"--model", "en-es-relu", "--from", "en", "--to", "es"}, tinyRelu},
		{nil, tiny},
	} {
		args := append(append([]string{"translate", "--server", srv.addr}, c.args...), text...)
		out, errs, code := cli(t, "", args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", c.args, code, errs)
		}
		want, _, _ := cli(t, "", append([]string{"translate", "--model", c.same}, text...)...)
		if out != want {
			t.Errorf("%q printed\n%s\nwant (%s)\n%s", c.args, out, c.same, want)
		}
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--model", "en-es-nope"}, exitBadModel, "no such model"},
		{[]string{"--model", "en-es-relu", "--to", "fr"}, exitUsage, "target_language_code"},
		{[]string{"--model", "./en-es-relu"}, exitUsage, "exclude --server"},
	} {
		args := append(append([]string{"translate", "--server", srv.addr}, c.args...), "x")
		if _, errs, code := cli(t, "", args...); code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d (want %d), %s (want %q)", c.args, code, c.code, errs, c.msg)
		}
	}
}

// TestOptionalZeros: --length-penalty 0 and --mbr 0 are values of their
// own (α = 0; minimum Bayes risk weighing every hypothesis alike), not
// the defaults, as the library takes them.
func TestOptionalZeros(t *testing.T) {
	tr, err := nmt.Open(shipped)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"The earth was formless and empty.", "Jesus wept."}
	for _, c := range []struct {
		flags []string
		opts  nmt.Options
	}{
		{[]string{"--length-penalty", "0"}, nmt.Options{LengthPenalty: new(0.0)}},
		{[]string{"--mbr", "0"}, nmt.Options{MBR: new(0.0)}},
		{nil, nmt.Options{}},
	} {
		args := append(append([]string{"translate", "--model", shipped, "--beam", "4", "--max-length", "12"}, c.flags...), texts...)
		out, errs, code := cli(t, "", args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", c.flags, code, errs)
		}
		c.opts.BeamSize, c.opts.MaxLength = 4, 12
		if want := libraryLines(t, tr, texts, c.opts); out != want {
			t.Errorf("%q printed %q, want %q", c.flags, out, want)
		}
	}
}

// TestReverseOfVariant: --rerank with another model of a pair uses the
// same variant of the opposite pair when the directory holds one, else the
// opposite pair's default; a plain pair uses the opposite default.
func TestReverseOfVariant(t *testing.T) {
	dir := namedModels(t)
	abs, err := filepath.Abs(tiny)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "es-en-relu")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dir, want string }{
		{"en-es-relu", "es-en-relu"},
		{filepath.Join(dir, "en-es-relu"), "es-en-relu"},
		{"en-es", "es-en"},
		{"", "es-en"},
	} {
		m := modelFlags{dir: c.dir, models: dir, from: "en", to: "es"}
		got, err := m.reversePath()
		if err != nil || got != filepath.Join(dir, c.want) {
			t.Errorf("--model %q: reverse %q, %v; want %s", c.dir, got, err, c.want)
		}
	}
	if err := os.Remove(filepath.Join(dir, "es-en")); err != nil {
		t.Fatal(err)
	}
	m := modelFlags{dir: "en-es-other", models: dir}
	if _, err := m.reversePath(); err == nil || !strings.Contains(err.Error(), "es-en-other or es-en") {
		t.Errorf("no reverse at all: %v", err)
	}
}
