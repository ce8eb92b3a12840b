package langid

import (
	"os"
	"strings"
	"testing"
)

// TestHeldOutAccuracy measures the shipped model on testdata/heldout.tsv:
// 100 texts per language (en, es) and length class, drawn by cmd/langid
// train from the 1 % of corpus texts it kept out of the profiles. Measured with
// the model of this commit (go run ./cmd/langid eval -samples
// nmt/langid/testdata/heldout.tsv): 1–3 words 95.5 % (191/200), 4–6 words
// 100 %, 7+ words 100 %, all 98.5 % (591/600); most of the misses are
// interface strings and dictionary words with little to go on ("Random
// hue", "liquor"). The floors sit a few texts below the measurement; a
// retrained model that falls under them is worse, not unlucky.
func TestHeldOutAccuracy(t *testing.T) {
	floors := map[string]float64{"1–3": 0.93, "4–6": 0.98, "7+": 0.99, "all": 0.97}
	right, total := map[string]int{}, map[string]int{}
	perLanguage := map[string]int{} // language and class → texts
	for _, s := range readSamples(t, "testdata/heldout.tsv") {
		b := LengthClass(s.Text)
		total[b]++
		total["all"]++
		perLanguage[s.Lang+" "+b]++
		if g := Default().Detect(s.Text); len(g) > 0 && g[0].Lang == s.Lang {
			right[b]++
			right["all"]++
		}
	}
	for _, l := range Default().Languages() {
		for _, b := range LengthClasses {
			if n := perLanguage[l+" "+b]; n != 100 {
				t.Errorf("testdata/heldout.tsv has %d texts of %s words in %s, want 100", n, b, l)
			}
		}
	}
	for b, floor := range floors {
		acc := float64(right[b]) / float64(total[b])
		t.Logf("%s words: %d/%d = %.1f %%", b, right[b], total[b], 100*acc)
		if acc < floor {
			t.Errorf("accuracy on %s words = %.3f (%d/%d), want at least %.2f", b, acc, right[b], total[b], floor)
		}
	}
}

// readSamples reads a file of language<TAB>text lines; lines starting
// with "#" are comments.
func readSamples(t testing.TB, path string) []Sample {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []Sample
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		lang, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s: line %q has no tab", path, line)
		}
		out = append(out, Sample{Lang: lang, Text: text})
	}
	return out
}
