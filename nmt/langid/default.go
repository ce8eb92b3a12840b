package langid

import (
	_ "embed"
	"sync"
)

// profiles is the shipped model, made by go run ./cmd/langid train
// (docs/langid.md).
//
//go:embed profiles.tsv
var profiles []byte

var shipped = sync.OnceValues(func() (*Identifier, error) {
	m, err := ParseModel(profiles)
	if err != nil {
		return nil, err
	}
	return New(m)
})

// Default returns the Identifier of the model shipped in the package
// (parsed on first use). The model is checked by the package's tests, so
// a failure here means a broken build, and it panics.
func Default() *Identifier {
	id, err := shipped()
	if err != nil {
		panic("langid: the shipped model is broken: " + err.Error())
	}
	return id
}
