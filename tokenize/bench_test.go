package tokenize

import (
	"strings"
	"testing"
)

// BenchmarkEncode encodes the Bible sample (English and Spanish verses) line
// by line and reports tokens per second; the word cache is warm after the
// first pass, as in a server.
func BenchmarkEncode(b *testing.B) {
	h, _ := sampleTokenizer(b)
	lines := sampleLines(b)
	var bytes int
	for _, l := range lines {
		bytes += len(l)
	}
	b.SetBytes(int64(bytes))
	b.ResetTimer()
	tokens := 0
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			toks, err := h.Encode(l)
			if err != nil {
				b.Fatal(err)
			}
			tokens += len(toks)
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkEncodeColdCache is BenchmarkEncode with the word cache emptied
// before every pass: the cost of merging every word from its bytes.
func BenchmarkEncodeColdCache(b *testing.B) {
	h, _ := sampleTokenizer(b)
	lines := sampleLines(b)
	tokens := 0
	for i := 0; i < b.N; i++ {
		h.cache.mu.Lock()
		h.cache.words = nil
		h.cache.mu.Unlock()
		for _, l := range lines {
			toks, err := h.Encode(l)
			if err != nil {
				b.Fatal(err)
			}
			tokens += len(toks)
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkEncodeLongWord encodes one 10,000-letter word (sugarme: 4–16 s).
func BenchmarkEncodeLongWord(b *testing.B) {
	h, _ := sampleTokenizer(b)
	word := strings.Repeat("abcdefghij", 1000)
	for i := 0; i < b.N; i++ {
		h.cache.mu.Lock()
		h.cache.words = nil
		h.cache.mu.Unlock()
		if _, err := h.Encode(word); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode decodes the sample's token ids line by line.
func BenchmarkDecode(b *testing.B) {
	h, _ := sampleTokenizer(b)
	var all [][]int
	tokens := 0
	for _, l := range sampleLines(b) {
		toks, _ := h.Encode(l)
		ids := make([]int, len(toks))
		for i, t := range toks {
			ids[i] = t.ID
		}
		all = append(all, ids)
		tokens += len(ids)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, ids := range all {
			h.Decode(ids)
		}
	}
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkTrainBPE trains a 1k vocabulary on the sample (322 lines).
func BenchmarkTrainBPE(b *testing.B) {
	lines := sampleLines(b)
	for i := 0; i < b.N; i++ {
		if _, err := TrainBPE(lines, BPEOptions{VocabSize: sampleVocab}); err != nil {
			b.Fatal(err)
		}
	}
}
