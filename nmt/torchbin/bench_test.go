package torchbin

import (
	"os"
	"testing"
)

// BenchmarkRead parses params.bin: 301 tensors, one pickle memo entry per
// object, and a zip record per storage.
func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile("testdata/params.bin")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for range b.N {
		if _, err := Read(data); err != nil {
			b.Fatal(err)
		}
	}
}
