package metrics

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"
)

// maxOrder is the longest n-gram BLEU counts.
const maxOrder = 4

// BLEUScore is a corpus BLEU score and the numbers it is made of.
type BLEUScore struct {
	Score      float64           // BP · exp(mean of ln Precisions), 0–100
	Precisions [maxOrder]float64 // per order n = 1..4: 100 · Matches / Totals, smoothed ("exp") when Matches is 0
	BP         float64           // brevity penalty: 1 if HypLen >= RefLen, else exp(1 - RefLen/HypLen) (0 when HypLen is 0)
	HypLen     int               // words in all hypotheses (13a tokens)
	RefLen     int               // words in all references
	Matches    [maxOrder]int     // n-grams of the hypotheses also in their reference (clipped counts)
	Totals     [maxOrder]int     // n-grams of the hypotheses
}

// String formats s the way sacreBLEU prints a score.
func (s BLEUScore) String() string {
	ratio := 0.0
	if s.RefLen > 0 {
		ratio = float64(s.HypLen) / float64(s.RefLen)
	}
	p := s.Precisions
	return fmt.Sprintf("BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)",
		s.Score, p[0], p[1], p[2], p[3], s.BP, ratio, s.HypLen, s.RefLen)
}

// BLEU returns the corpus BLEU of hyps against refs (refs[i] translates
// the same sentence as hyps[i]), as sacreBLEU's default BLEU computes it.
func BLEU(hyps, refs []string) BLEUScore {
	return corpusBLEU(hyps, [][]string{refs})
}

// corpusBLEU scores hyps against one or more reference streams:
// refStreams[k][i] is the k-th reference of hyps[i]. Empty references
// are skipped when a sentence has another one, as sacreBLEU does.
func corpusBLEU(hyps []string, refStreams [][]string) BLEUScore {
	var s BLEUScore
	for i, hyp := range hyps {
		refs, ok := sentenceRefs(refStreams, i)
		if !ok {
			break
		}
		h := Tokenize13a(hyp)
		hypCounts := wordNgrams(h)
		refMax := map[string]int{}
		var refLens []int
		for _, r := range refs {
			toks := Tokenize13a(r)
			refLens = append(refLens, len(toks))
			for g, c := range wordNgrams(toks) {
				refMax[g] = max(refMax[g], c)
			}
		}
		s.HypLen += len(h)
		s.RefLen += closestLength(len(h), refLens)
		for g, c := range hypCounts {
			n := strings.Count(g, " ")
			s.Totals[n] += c
			s.Matches[n] += min(c, refMax[g])
		}
	}
	s.finish()
	return s
}

// sentenceRefs returns the references of sentence i, leaving out empty
// ones unless all are empty; ok is false past the end of any stream.
func sentenceRefs(refStreams [][]string, i int) (refs []string, ok bool) {
	for _, stream := range refStreams {
		if i >= len(stream) {
			return nil, false
		}
		if stream[i] != "" {
			refs = append(refs, stream[i])
		}
	}
	if len(refs) == 0 {
		refs = []string{""}
	}
	return refs, len(refStreams) > 0
}

// closestLength is the reference length closest to the hypothesis length,
// the shorter one on a tie.
func closestLength(hypLen int, refLens []int) int {
	best := refLens[0]
	for _, r := range refLens[1:] {
		d, bd := abs(hypLen-r), abs(hypLen-best)
		if d < bd || (d == bd && r < best) {
			best = r
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// wordNgrams counts the n-grams (n = 1..4) of tokens, each keyed by its
// words joined with single spaces (a token never contains whitespace).
func wordNgrams(tokens []string) map[string]int {
	counts := map[string]int{}
	for n := 1; n <= maxOrder; n++ {
		for i := 0; i+n <= len(tokens); i++ {
			counts[strings.Join(tokens[i:i+n], " ")]++
		}
	}
	return counts
}

// finish turns the counts into precisions, brevity penalty and score.
func (s *BLEUScore) finish() {
	s.BP = 1
	if s.HypLen < s.RefLen {
		s.BP = 0
		if s.HypLen > 0 {
			s.BP = math.Exp(1 - float64(s.RefLen)/float64(s.HypLen))
		}
	}
	if s.Matches == [maxOrder]int{} {
		return // no word matches: score and precisions are 0
	}
	smooth := 1.0
	for n := range maxOrder {
		if s.Totals[n] == 0 {
			return // the corpus has no n-grams this long: score 0
		}
		if s.Matches[n] == 0 {
			smooth *= 2
			s.Precisions[n] = 100 / (smooth * float64(s.Totals[n]))
		} else {
			s.Precisions[n] = 100 * float64(s.Matches[n]) / float64(s.Totals[n])
		}
	}
	logSum := 0.0
	for _, p := range s.Precisions {
		logSum += math.Log(p)
	}
	s.Score = s.BP * math.Exp(logSum/maxOrder)
}

// The mteval-v13a tokenization rules, applied in this order.
var (
	// Punctuation and symbols: {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ /
	re13aSymbols = regexp.MustCompile("([{-~\\[-\x60 -&(-+:-@/])")
	// A period or comma not preceded by a digit.
	re13aAfterNonDigit = regexp.MustCompile(`([^0-9])([.,])`)
	// A period or comma not followed by a digit.
	re13aBeforeNonDigit = regexp.MustCompile(`([.,])([^0-9])`)
	// A dash preceded by a digit.
	re13aDash = regexp.MustCompile(`([0-9])(-)`)
)

// Tokenize13a splits a detokenized line into words the way mteval-v13a.pl
// (and sacreBLEU's "13a" tokenizer) does: trailing whitespace dropped,
// "<skipped>" removed, hyphenated line breaks joined, the entities &quot;
// &amp; &lt; &gt; decoded, punctuation and symbols split off, periods and
// commas split off unless they sit between digits, and a dash after a
// digit split off. Apostrophes and hyphens inside words stay.
func Tokenize13a(line string) []string {
	line = strings.ToValidUTF8(line, "\uFFFD")
	line = strings.TrimRightFunc(line, isPySpace)
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	line = strings.ReplaceAll(line, "&quot;", `"`)
	line = strings.ReplaceAll(line, "&amp;", "&")
	line = strings.ReplaceAll(line, "&lt;", "<")
	line = strings.ReplaceAll(line, "&gt;", ">")
	line = " " + line + " "
	line = re13aSymbols.ReplaceAllString(line, " $1 ")
	line = re13aAfterNonDigit.ReplaceAllString(line, "$1 $2 ")
	line = re13aBeforeNonDigit.ReplaceAllString(line, " $1 $2")
	line = re13aDash.ReplaceAllString(line, "$1 $2 ")
	return strings.FieldsFunc(line, isPySpace)
}

// isPySpace reports whether Python's str.isspace() holds for r: the
// Unicode White_Space characters and the separators U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}
