package tokenize

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/pretrained"
)

// TestSugarmeAgrees encodes the sample with sugarme's own pipeline
// (pretrained.FromFile on the file the trainer wrote: NFC, ByteLevel with
// add_prefix_space, BPE) and expects the ids of Encode. The two differ only
// where documented in docs/tokenizer.md (text starting with a space, runs
// of one repeated pair, non-ASCII or repeated whitespace), none of which
// the sample has.
func TestSugarmeAgrees(t *testing.T) {
	h, _ := sampleTokenizer(t)
	sg, err := pretrained.FromFile(filepath.Join("testdata", "bible-sample-bpe.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range sampleLines(t) {
		enc, err := sg.Encode(tokenizer.NewSingleEncodeInput(tokenizer.NewInputSequence(line)), false)
		if err != nil {
			t.Fatal(err)
		}
		toks, err := h.Encode(line)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int, len(toks))
		for i, tk := range toks {
			ids[i] = tk.ID
		}
		if !reflect.DeepEqual(ids, enc.Ids) {
			t.Fatalf("%q:\n ours    %v\n sugarme %v", line, ids, enc.Ids)
		}
	}
}

// BenchmarkSugarmeEncode is BenchmarkEncode through sugarme's own pipeline,
// for comparison.
func BenchmarkSugarmeEncode(b *testing.B) {
	sg, err := pretrained.FromFile(filepath.Join("testdata", "bible-sample-bpe.json"))
	if err != nil {
		b.Fatal(err)
	}
	lines := sampleLines(b)
	tokens := 0
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			enc, err := sg.Encode(tokenizer.NewSingleEncodeInput(tokenizer.NewInputSequence(l)), false)
			if err != nil {
				b.Fatal(err)
			}
			tokens += len(enc.Ids)
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}
