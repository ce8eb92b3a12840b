package metrics

import (
	"math"
	"strings"
	"testing"
)

// Expected numbers: "by hand" cases are counted in their comments, with
// the final arithmetic in float64 (tolerance 1e-9); "sacreBLEU" cases are
// published in sacreBLEU's README and test/test_chrf.py, whose tolerance
// (1e-4 on the 0–100 scale, or half a unit of the last printed digit) is
// kept.

func TestCHRF(t *testing.T) {
	tests := []struct {
		name       string
		hyps, refs []string
		want, tol  float64
	}{
		// by hand: hyp "cat", ref "cats"
		// 1-grams c a t: P 3/3, R 3/4; 2-grams ca at: P 2/2, R 2/3;
		// 3-grams cat: P 1/1, R 1/2; 4-grams: none in the hypothesis, so
		// the order does not count; 5- and 6-grams: none on either side.
		// P = 1, R = (3/4 + 2/3 + 1/2) / 3; chrF2 = 5PR / (4P + R).
		{"recall weighs more", []string{"cat"}, []string{"cats"}, 68.86227544910179, 1e-9},
		// by hand: whitespace is removed, so spacing does not matter.
		{"spaces ignored", []string{"a b c"}, []string{"abc"}, 100, 1e-9},
		{"every space kind", []string{" c\u00a0a\tt\u3000s\x1f\n"}, []string{"cats"}, 100, 1e-9},
		// by hand: "aa" vs "ab": 1-grams P = R = 1/2; 2-grams P = R = 0;
		// mean P = R = 1/4, so F = 1/4 whatever beta.
		{"half the orders match", []string{"aa"}, []string{"ab"}, 25, 1e-9},
		// by hand: hyp "abcd", ref "ab": the reference has no 3-grams, so
		// the hypothesis' 3- and 4-grams are not counted (sacreBLEU does
		// the same). 1-grams P 2/4 R 2/2; 2-grams P 1/3 R 1/1.
		// P = 5/12, R = 1: F = 5·(5/12) / (4·(5/12) + 1) = 0.78125.
		{"reference shorter than n", []string{"abcd"}, []string{"ab"}, 78.125, 1e-9},
		// by hand: statistics add up over the corpus before the score.
		// With "xyz"/"xyz": 1-grams 5/7, 5/5; 2-grams 3/5, 3/3; 3-grams
		// 1/1, 1/1 (the 2 trigrams of "abcd" do not count, see above).
		// P = (5/7 + 3/5 + 1) / 3, R = 1.
		{"corpus sums", []string{"abcd", "xyz"}, []string{"ab", "xyz"}, 94.4055944055944, 1e-9},
		// by hand: characters are code points; an NFD accent is its own
		// character, so "é" (NFC) and "e\u0301" (NFD) share no character:
		// the 1-grams give P = R = 0 and no other order occurs on both sides.
		{"NFC is not NFD", []string{"é"}, []string{"e\u0301"}, 0, 0},
		{"CJK and emoji", []string{"東京👍"}, []string{"東京👍"}, 100, 1e-9},
		{"RTL", []string{"שלום עולם"}, []string{"שלוםעולם"}, 100, 1e-9},
		{"empty hypothesis", []string{""}, []string{"reference"}, 0, 0},
		{"empty reference", []string{"hypothesis"}, []string{""}, 0, 0},
		{"empty corpus", nil, nil, 0, 0},
		// Invalid bytes become U+FFFD, which matches itself.
		{"invalid UTF-8", []string{"a\x80"}, []string{"a\xff"}, 100, 1e-9},
	}
	for _, tt := range tests {
		if got := CHRF(tt.hyps, tt.refs); math.Abs(got-tt.want) > tt.tol || math.IsNaN(got) {
			t.Errorf("%s: CHRF(%q, %q) = %.10g, want %.10g", tt.name, tt.hyps, tt.refs, got, tt.want)
		}
	}
}

// sacreBLEU's test/test_chrf.py uses beta 3; its "effective order" cases
// are the default scoring, its other cases chrF++.py's epsilon smoothing.
// Both run through the same n-gram statistics as CHRF.
func TestCHRFSacreBLEUSuite(t *testing.T) {
	tests := []struct {
		hyps, refs []string
		eps        bool
		beta       float64
		want       float64
	}{
		{[]string{"a"}, []string{"a"}, false, 3, 100},
		{[]string{""}, []string{"reference"}, false, 3, 0},
		{[]string{"a b c"}, []string{"a b c"}, false, 3, 100},
		{[]string{"a b c"}, []string{"abc"}, false, 3, 100},
		{[]string{""}, []string{"c"}, false, 3, 0},
		{[]string{"a", "b"}, []string{"a", "c"}, false, 3, 50},
		{[]string{"aa"}, []string{"ab"}, false, 3, 25},
		{[]string{"abcdefg"}, []string{"hijklmnop"}, true, 3, 0},
		{[]string{"a"}, []string{"a"}, true, 3, 16.6667},
		{[]string{"aa"}, []string{"ab"}, true, 3, 8.3333},
		{[]string{"a b c"}, []string{"abc"}, true, 3, 50},
		{[]string{" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."},
			[]string{"risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."}, true, 3, 63.361730},
		{[]string{" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
			[]string{"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."}, true, 3, 64.1302698},
		// Sentence-level cases (beta 2, epsilon smoothing).
		{[]string{"Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře."},
			[]string{"Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře."}, true, 2, 39.14078509},
		{[]string{"Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři."},
			[]string{"A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři."}, true, 2, 31.22557079},
		{[]string{"Lapali po dechu, jejich životy skončily dřív, než skutečně začaly."},
			[]string{"Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli."}, true, 2, 57.15704367},
	}
	for _, tt := range tests {
		got := corpusCHRF(tt.hyps, [][]string{tt.refs}, tt.beta, tt.eps)
		if math.Abs(got-tt.want) > 1e-4 {
			t.Errorf("chrF(beta %g, eps %v) of %q vs %q = %.8f, want %.8f", tt.beta, tt.eps, tt.hyps, tt.refs, got, tt.want)
		}
	}
}

// The README example of sacreBLEU 2.x (two reference streams, each
// sentence scored against its better reference) prints chrF2 = 59.73.
func TestCHRFSacreBLEUReadme(t *testing.T) {
	if got := corpusCHRF(readmeHyps, readmeRefs, chrfBeta, false); math.Abs(got-59.73) > 0.005 {
		t.Errorf("chrF2 = %.4f, want 59.73", got)
	}
}

func FuzzCHRF(f *testing.F) {
	f.Add("The dog bit the man.", "The dog had bit the man.")
	f.Add("cafe\u0301 東京", "café\u00a0東京")
	f.Add("ab\x80", "")
	f.Fuzz(func(t *testing.T, hyp, ref string) {
		got := CHRF([]string{hyp}, []string{ref})
		if math.IsNaN(got) || got < 0 || got > 100+1e-9 {
			t.Fatalf("CHRF(%q, %q) = %v", hyp, ref, got)
		}
		if strings.TrimFunc(hyp, isPySpace) != "" {
			if self := CHRF([]string{hyp}, []string{hyp}); math.Abs(self-100) > 1e-9 {
				t.Fatalf("CHRF(%q, itself) = %v", hyp, self)
			}
		}
	})
}
