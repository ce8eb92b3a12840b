package metrics

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// Expected numbers come from two sources, named on each case:
//   - "by hand": counted in the comment next to the case; the final
//     arithmetic (logs and exponentials) done in float64, so the tolerance
//     is 1e-9;
//   - "sacreBLEU": published in sacreBLEU's README or test suite
//     (test/test_bleu.py, test/test_sentence_bleu.py), to the digits
//     published there, so the tolerance is half a unit of the last digit.

func TestTokenize13a(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello, world!", []string{"Hello", ",", "world", "!"}},
		// A period or comma between digits stays; after a digit at the end it splits.
		{"Pi is 3.14, not 1,000.", []string{"Pi", "is", "3.14", ",", "not", "1,000", "."}},
		{"It costs 5.", []string{"It", "costs", "5", "."}},
		// A dash splits only after a digit; apostrophes and hyphens in words stay.
		{"pages 5-6 of a well-known don't", []string{"pages", "5", "-", "6", "of", "a", "well-known", "don't"}},
		{"(a) a/b x@y.com", []string{"(", "a", ")", "a", "/", "b", "x", "@", "y", ".", "com"}},
		// Entities are decoded, then split like the characters they stand for.
		{"&quot;Hi&quot; &amp; &lt;b&gt; &amp;quot;", []string{`"`, "Hi", `"`, "&", "<", "b", ">", "&", "quot", ";"}},
		{"a <skipped> b", []string{"a", "b"}},
		{"state-\nment\nnext", []string{"statement", "next"}},
		// Inverted marks, accents and CJK are not symbols to 13a.
		{"¿Dónde está?", []string{"¿Dónde", "está", "?"}},
		{"¡Olé! 東京。", []string{"¡Olé", "!", "東京。"}},
		// Combining accent (NFD) stays inside its word; emoji too.
		{"cafe\u0301 👍🏽ok", []string{"cafe\u0301", "👍🏽ok"}},
		// Right-to-left text: only ASCII punctuation splits.
		{"שלום, עולם.", []string{"שלום", ",", "עולם", "."}},
		// Python whitespace: NBSP, ideographic space, U+001F split; ZWSP does not.
		{"a\u00a0b\u3000c\x1fd\u200be", []string{"a", "b", "c", "d\u200be"}},
		{"  \t\n ", nil},
		{"", nil},
		// Invalid UTF-8 reads as U+FFFD.
		{"ab\x80cd", []string{"ab\uFFFDcd"}},
	}
	for _, tt := range tests {
		if got := Tokenize13a(tt.in); len(got)+len(tt.want) > 0 && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokenize13a(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBLEU(t *testing.T) {
	tests := []struct {
		name       string
		hyps, refs []string
		want       float64
		tol        float64
		matches    [4]int
		totals     [4]int
		hypLen     int
		refLen     int
	}{
		{
			// by hand (the counts are also sacreBLEU's test_case_statistics):
			// hyp  am I am a character sequence        (6 words)
			// ref  I am a symbol string sequence a a   (8 words)
			// 1-grams: am (clipped to 1), I, a, sequence = 4/6
			// 2-grams: "I am", "am a" = 2/5; 3-grams: "I am a" = 1/4; 4-grams 0/3
			// exp smoothing: p4 = 100 / (2·3); BP = exp(1 - 8/6)
			// BLEU = exp(-1/3) · exp((ln 66.67 + ln 40 + ln 25 + ln 16.67) / 4)
			name: "clipping, smoothing and brevity",
			hyps: []string{"am I am a character sequence"}, refs: []string{"I am a symbol string sequence a a"},
			want: 23.263472697663296, tol: 1e-9,
			matches: [4]int{4, 2, 1, 0}, totals: [4]int{6, 5, 4, 3}, hypLen: 6, refLen: 8,
		},
		{
			// by hand: the cat sat on the mat / the cat lay on the mat
			// 1-grams 5/6 (not sat), 2-grams 3/5 (the cat, on the, the mat),
			// 3-grams 1/4 (on the mat), 4-grams 0/3 → 100/(2·3); BP 1
			name: "one empty order",
			hyps: []string{"the cat sat on the mat"}, refs: []string{"the cat lay on the mat"},
			want: 37.99178428257963, tol: 1e-9,
			matches: [4]int{5, 3, 1, 0}, totals: [4]int{6, 5, 4, 3}, hypLen: 6, refLen: 6,
		},
		{
			// by hand: the cat sat on a mat / the cat lay on the mat
			// 1-grams 4/6, 2-grams 1/5 (the cat), 3-grams 0/4 → 100/(2·4),
			// 4-grams 0/3 → 100/(4·3): each further empty order halves again.
			name: "two empty orders",
			hyps: []string{"the cat sat on a mat"}, refs: []string{"the cat lay on the mat"},
			want: 19.304869754804482, tol: 1e-9,
			matches: [4]int{4, 1, 0, 0}, totals: [4]int{6, 5, 4, 3}, hypLen: 6, refLen: 6,
		},
		{
			// sacreBLEU test_sentence_bleu.py (issue #98), 8.493 with "exp"
			// smoothing. 13a splits the final ";" (and only that):
			// 14 hyp words, 10 ref words; 1-grams 5/14 (de zahăr în alb ;),
			// 2-grams 2/13 (de zahăr, alb ;), 3-grams 0/12, 4-grams 0/11;
			// ţ (cedilla) in the reference is not ț (comma) in the hypothesis.
			name: "sacreBLEU sentence example",
			hyps: []string{"Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"},
			refs: []string{"producţia de zahăr brut se exprimă în zahăr alb;"},
			want: 8.493, tol: 5e-4,
			matches: [4]int{5, 2, 0, 0}, totals: [4]int{14, 13, 12, 11}, hypLen: 14, refLen: 10,
		},
		{
			// sacreBLEU test_sentence_bleu.py (issue #141): no match at all is 0.
			name: "no match",
			hyps: []string{"this is a cat"}, refs: []string{"okay thanks"},
			want: 0, tol: 0,
			matches: [4]int{}, totals: [4]int{4, 3, 2, 1}, hypLen: 4, refLen: 2,
		},
		{
			// by hand: a perfect two-word hypothesis has no 3-grams, so
			// corpus BLEU (no effective order) is 0.
			name: "too short for 3-grams",
			hyps: []string{"a test"}, refs: []string{"a test"},
			want: 0, tol: 0,
			matches: [4]int{2, 1, 0, 0}, totals: [4]int{2, 1, 0, 0}, hypLen: 2, refLen: 2,
		},
		{
			// by hand: counts add up over the corpus before the score; the
			// short second sentence lends the first its missing 4-gram order.
			// 1-grams 4+2 = 6/6, 2-grams 3+1 = 4/4, 3-grams 2/2, 4-grams 1/1.
			name: "corpus sums",
			hyps: []string{"one two three four", "five six"}, refs: []string{"one two three four", "five six"},
			want: 100, tol: 1e-9,
			matches: [4]int{6, 4, 2, 1}, totals: [4]int{6, 4, 2, 1}, hypLen: 6, refLen: 6,
		},
		{
			// by hand: empty hypotheses: no words, BP 0, score 0.
			name: "empty hypotheses",
			hyps: []string{"", ""}, refs: []string{"a b", "c"},
			want: 0, tol: 0, hypLen: 0, refLen: 3,
		},
		{
			name: "empty corpus",
			want: 0, tol: 0,
		},
		{
			// by hand: only the two pairs that exist count (as in sacreBLEU);
			// an empty reference has no words. "q" adds one unmatched 1-gram:
			// precisions 4/5, 3/3, 2/2, 1/1; 5 hypothesis words against 4.
			name: "ragged slices and an empty reference",
			hyps: []string{"w x y z", "q"}, refs: []string{"w x y z", "", "unused"},
			want: 100 * math.Pow(0.8, 0.25), tol: 1e-9,
			matches: [4]int{4, 3, 2, 1}, totals: [4]int{5, 3, 2, 1}, hypLen: 5, refLen: 4,
		},
	}
	for _, tt := range tests {
		got := BLEU(tt.hyps, tt.refs)
		if math.Abs(got.Score-tt.want) > tt.tol || math.IsNaN(got.Score) {
			t.Errorf("%s: BLEU = %.10g, want %.10g ± %g (%v)", tt.name, got.Score, tt.want, tt.tol, got)
		}
		if got.Matches != tt.matches || got.Totals != tt.totals || got.HypLen != tt.hypLen || got.RefLen != tt.refLen {
			t.Errorf("%s: matches %v totals %v lengths %d/%d, want %v %v %d/%d", tt.name,
				got.Matches, got.Totals, got.HypLen, got.RefLen, tt.matches, tt.totals, tt.hypLen, tt.refLen)
		}
	}
}

// The README example of sacreBLEU 2.x, with two reference streams:
//
//	BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)
//
// and its test suite's 48.530827 (test_bleu.py, tolerance there 1e-8 on
// the value itself). Checked by hand too: 1-grams 6+2+6 = 14/17, 2-grams
// 5+0+2 = 7/14, 3-grams 4+0+1 = 5/11, 4-grams 3+0+0 = 3/8; reference
// lengths 6, 5 (tie between 5 and 5) and 7 (closest to 7).
// With the first reference of the first sentence removed (variable
// number of references), the README gives
//
//	BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)
var (
	readmeHyps = []string{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."}
	readmeRefs = [][]string{
		{"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
		{"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."},
	}
)

func TestBLEUSacreBLEUReadme(t *testing.T) {
	got := corpusBLEU(readmeHyps, readmeRefs)
	if math.Abs(got.Score-48.530827) > 1e-6 {
		t.Errorf("BLEU = %.9f, want 48.530827", got.Score)
	}
	want := "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
	if got.String() != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	varRefs := [][]string{append([]string{""}, readmeRefs[0][1:]...), readmeRefs[1]}
	want = "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)"
	if got := corpusBLEU(readmeHyps, varRefs).String(); got != want {
		t.Errorf("variable references:\ngot  %s\nwant %s", got, want)
	}
	// test_bleu.py: empty hypotheses are kept (and score 0). The closest
	// reference to no words is the shortest: 6 + 5 + 6 words.
	if got := corpusBLEU([]string{"", "", ""}, readmeRefs); got.Score != 0 || got.RefLen != 17 {
		t.Errorf("empty hypotheses: %v, want 0 with ref_len 17", got)
	}
}

func TestBLEUPerfectIsHundred(t *testing.T) {
	for _, s := range []string{
		"The quick brown fox jumps.",
		"¿Dónde está la estación de tren?",
		"東京 は 日本 の 首都 です",
		"שלום עולם , מה שלומך ?",
		"a a a a a",
	} {
		if got := BLEU([]string{s}, []string{s}); math.Abs(got.Score-100) > 1e-9 {
			t.Errorf("BLEU(%q, itself) = %v, want 100", s, got)
		}
	}
}

func FuzzBLEU(f *testing.F) {
	f.Add("The dog bit the man.", "The dog had bit the man.")
	f.Add("3.14, 1,000 5-6 &amp;quot;", "¿Dónde?\u00a0x")
	f.Add("ab\x80cd\n-\n", "")
	f.Fuzz(func(t *testing.T, hyp, ref string) {
		s := BLEU([]string{hyp}, []string{ref})
		if math.IsNaN(s.Score) || s.Score < 0 || s.Score > 100+1e-9 {
			t.Fatalf("BLEU(%q, %q) = %v", hyp, ref, s)
		}
		for _, tok := range Tokenize13a(hyp) {
			if tok == "" || strings.ContainsFunc(tok, isPySpace) {
				t.Fatalf("Tokenize13a(%q) has token %q", hyp, tok)
			}
		}
		if len(Tokenize13a(hyp)) >= 4 {
			if self := BLEU([]string{hyp}, []string{hyp}); math.Abs(self.Score-100) > 1e-9 {
				t.Fatalf("BLEU(%q, itself) = %v", hyp, self)
			}
		}
	})
}
