package main

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
)

// The real-model tests serve the tiny models of testdata/models under
// language-pair names, as a deployment would name checkpoints.
var testPairs = map[string]string{
	"en-es": "tiny-swish-shared",
	"es-en": "tiny-relu-untied",
}

// modelsDir returns a directory whose entries name the test models by pair.
func modelsDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for pair, name := range testPairs {
		target, err := filepath.Abs(filepath.Join("..", "..", "testdata", "models", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(dir, pair)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var (
	realOnce   sync.Once
	realLoaded models
	realErr    error
)

// realModels loads the test models once per test binary; models are
// immutable and shared safely by every server of the package's tests.
func realModels(t testing.TB) models {
	t.Helper()
	realOnce.Do(func() {
		realLoaded, realErr = loadModels(modelsDir(t), func(dir string) (*model, error) { return openModel(dir, align.AllHeads(), true) })
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realLoaded
}

// translator returns the domain translator behind a served model, to
// compare the server's answers with the library's.
func translator(t testing.TB, ms models, name string) *nmt.Translator {
	t.Helper()
	tr, ok := ms[name].engine.(*nmt.Translator)
	if !ok {
		t.Fatalf("model %s is not served by *nmt.Translator", name)
	}
	return tr
}
