package spm

import (
	"strings"
	"testing"
)

func benchmarkEncode(b *testing.B, model, text string) {
	m := loadTestModel(b, model)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for range b.N {
		if _, err := m.Encode(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeBible(b *testing.B) {
	benchmarkEncode(b, "nfkc", strings.Join(readLines(b, "testdata/hard.txt")[31:35], " "))
}

// Long inputs: encoding time grows linearly with the length, whatever the
// text (runs of unknown characters, one endless word, many spaces).
func BenchmarkEncodeLongUnknown(b *testing.B) {
	benchmarkEncode(b, "nfkc", strings.Repeat("日本語", 20000))
}

func BenchmarkEncodeLongWord(b *testing.B) {
	benchmarkEncode(b, "nfkc", strings.Repeat("abcdefghij", 6000))
}

func BenchmarkEncodeLongBytes(b *testing.B) {
	benchmarkEncode(b, "bytes", strings.Repeat("日本語 ", 15000))
}

func BenchmarkEncodeSpaces(b *testing.B) {
	benchmarkEncode(b, "symbols", strings.Repeat(" \t ", 20000)+"x")
}
