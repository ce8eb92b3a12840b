package langid

import (
	"math"
	"slices"
	"sort"
	"unicode/utf8"
)

// Guess is one candidate language and how sure Detect is of it.
type Guess struct {
	Lang string // language code, as in the model (e.g. "es")
	// Confidence is the probability, in [0, 1], that the text is in Lang
	// rather than in one of the other candidates; the confidences of one
	// Detect call add up to 1.
	Confidence float64
}

// Identifier tells which of its languages a text is written in. It is
// immutable and safe for concurrent use.
type Identifier struct {
	langs       []string
	column      map[string]int // language code → index in langs
	maxOrder    int
	temperature float64
	feature     map[string]int32 // n-gram → row of logProb
	logProb     []float32        // [row*len(langs) + column] = log P(n-gram | language)
}

// New returns an Identifier for a validated model: the smoothed log
// probability of every n-gram in every language (see Model.Alpha).
func New(m *Model) (*Identifier, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	L := len(m.Languages)
	id := &Identifier{
		langs:       slices.Clone(m.Languages),
		column:      make(map[string]int, L),
		maxOrder:    m.MaxOrder,
		temperature: m.Temperature,
		feature:     make(map[string]int32, len(m.NGrams)),
		logProb:     make([]float32, len(m.NGrams)*L),
	}
	for j, l := range m.Languages {
		id.column[l] = j
		total := m.Alpha * float64(len(m.NGrams))
		for _, c := range m.Counts {
			total += float64(c[j])
		}
		for i, c := range m.Counts {
			id.logProb[i*L+j] = float32(math.Log((float64(c[j]) + m.Alpha) / total))
		}
	}
	for i, g := range m.NGrams {
		id.feature[g] = int32(i)
	}
	return id, nil
}

// Languages returns the codes of the languages the model knows, in the
// model's order.
func (id *Identifier) Languages() []string { return slices.Clone(id.langs) }

// Knows reports whether the model has a profile for the language code.
func (id *Identifier) Knows(lang string) bool {
	_, ok := id.column[lang]
	return ok
}

// Detect returns the candidate languages, most likely first, with their
// confidence that text is written in them. With no candidates it weighs
// every language of the model; candidates the model does not know (see
// Knows) are left out, and repeated ones count once. It returns nil when
// there is nothing to decide on: no known candidate, a text without a
// letter (digits, punctuation, emoji, URLs only), or one written in a
// script none of the model's languages uses.
//
// The score of a language is the naive-Bayes log-likelihood of the
// text's character n-grams (1 to the model's MaxOrder characters, over
// the first MaxRunes characters of the normalized text; n-grams the model
// did not keep are skipped), with equal prior for every candidate; the
// confidences are the softmax of the scores divided by the model's
// temperature.
func (id *Identifier) Detect(text string, candidates ...string) []Guess {
	cols := id.columns(candidates)
	if len(cols) == 0 {
		return nil
	}
	scores, n := id.logLikelihoods(normalize(text), cols)
	if n == 0 {
		return nil
	}
	return id.guesses(cols, scores)
}

// columns returns the model columns of the known candidates, once each,
// in the model's order (every column when there are no candidates).
func (id *Identifier) columns(candidates []string) []int {
	if len(candidates) == 0 {
		cols := make([]int, len(id.langs))
		for j := range cols {
			cols[j] = j
		}
		return cols
	}
	cols := make([]int, 0, len(candidates))
	for _, c := range candidates {
		if j, ok := id.column[c]; ok && !slices.Contains(cols, j) {
			cols = append(cols, j)
		}
	}
	slices.Sort(cols)
	return cols
}

// logLikelihoods returns, for each of cols, the sum of log P(g | language)
// over the n-grams g of the normalized text that the model keeps, and how
// many such n-grams there were.
func (id *Identifier) logLikelihoods(norm string, cols []int) ([]float64, int) {
	scores := make([]float64, len(cols))
	L := len(id.langs)
	n := 0
	eachNGram(norm, id.maxOrder, func(g string) bool {
		row, ok := id.feature[g]
		if !ok {
			return false // the model keeps no n-gram ending in one it lacks
		}
		n++
		base := int(row) * L
		for k, j := range cols {
			scores[k] += float64(id.logProb[base+j])
		}
		return true
	})
	return scores, n
}

// guesses turns log-likelihoods into confidences: softmax(score / T),
// best first (ties in the model's order).
func (id *Identifier) guesses(cols []int, scores []float64) []Guess {
	best := slices.Max(scores)
	sum := 0.0
	out := make([]Guess, len(cols))
	for k, j := range cols {
		p := math.Exp((scores[k] - best) / id.temperature)
		out[k] = Guess{Lang: id.langs[j], Confidence: p}
		sum += p
	}
	for k := range out {
		out[k].Confidence /= sum
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Confidence > out[b].Confidence })
	return out
}

// eachNGram calls fn with every n-gram of 1 to maxOrder (at most 8)
// characters of a normalized text, except the lone space between words:
// at each character, the n-grams ending there from the shortest up, until
// fn returns false (the longer ones, which end with the one refused, are
// then skipped).
func eachNGram(norm string, maxOrder int, fn func(string) bool) {
	var starts [8]int // byte offsets where the last 8 runes start, a ring
	count := 0
	for i, r := range norm {
		starts[count%len(starts)] = i
		count++
		end := i + utf8.RuneLen(r)
		for n := 1; n <= maxOrder && n <= count; n++ {
			g := norm[starts[(count-n)%len(starts)]:end]
			if g != " " && !fn(g) {
				break
			}
		}
	}
}
