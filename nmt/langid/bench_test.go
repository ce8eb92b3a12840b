package langid

import (
	"strings"
	"testing"
)

// Short is a Tatoeba-like sentence; long is a paragraph of about 120
// words, as a corpus line or a request of a few sentences.
var (
	benchShort = "¿Dónde está la estación de tren?"
	benchLong  = strings.Repeat("The committee approved the proposal after a long debate about its cost, and the members agreed to meet again in the spring to review the first results. ", 4)
)

func BenchmarkDetectShort(b *testing.B) {
	id := Default()
	b.SetBytes(int64(len(benchShort)))
	for b.Loop() {
		id.Detect(benchShort, "en", "es")
	}
}

func BenchmarkDetectLong(b *testing.B) {
	id := Default()
	b.SetBytes(int64(len(benchLong)))
	for b.Loop() {
		id.Detect(benchLong, "en", "es")
	}
}

// BenchmarkDefault is the one-time cost of parsing the shipped model.
func BenchmarkDefault(b *testing.B) {
	for b.Loop() {
		m, err := ParseModel(profiles)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := New(m); err != nil {
			b.Fatal(err)
		}
	}
}
