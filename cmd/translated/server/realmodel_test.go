package server

import (
	"sync"
	"testing"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
)

// The real-model tests serve the tiny models of testdata/models under
// language-pair names, as a deployment would name checkpoints.
var testPairs = map[string]string{
	"en-es":      "tiny-swish-shared",
	"es-en":      "tiny-relu-untied",
	"en-es-relu": "tiny-relu-untied", // a second en→es model, not the pair's default
}

// testModels is a directory whose entries, links to the test models, name
// them as testPairs says.
const testModels = "../testdata/models"

// avgHeads makes every model align with the average of all heads.
func avgHeads() *align.Selector { return new(align.AllHeads()) }

var (
	realOnce   sync.Once
	realLoaded *Models
	realErr    error
)

// realModels loads the test models once per test binary; models are
// immutable and shared safely by every server of the package's tests.
func realModels(t testing.TB) *Models {
	t.Helper()
	realOnce.Do(func() { realLoaded, realErr = LoadModels(testModels, avgHeads()) })
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realLoaded
}

// translator returns the domain translator behind a served model, to
// compare the server's answers with the library's.
func translator(t testing.TB, ms *Models, name string) *nmt.Translator {
	t.Helper()
	tr, ok := ms.byName[name].engine.(*nmt.Translator)
	if !ok {
		t.Fatalf("model %s is not served by *nmt.Translator", name)
	}
	return tr
}
