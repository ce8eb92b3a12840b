package langid

import (
	"cmp"
	"fmt"
	"sort"
)

// TrainOptions are the knobs of a Trainer. The zero value takes every
// default.
type TrainOptions struct {
	// MaxOrder is the longest n-gram counted, in characters (default 5,
	// at most 8).
	MaxOrder int
	// PerLanguage is how many of each language's most frequent n-grams the
	// model keeps (default 8000); the model's n-grams are the union over
	// its languages, with every language's count of each.
	PerLanguage int
	// Alpha is the Lidstone smoothing of Model.Alpha (default 0.5).
	Alpha float64
}

func (o TrainOptions) withDefaults() TrainOptions {
	o.MaxOrder = cmp.Or(o.MaxOrder, 5)
	o.PerLanguage = cmp.Or(o.PerLanguage, 8000)
	o.Alpha = cmp.Or(o.Alpha, 0.5)
	return o
}

// Validate returns nil for usable options, else one sentence per failure.
func (o TrainOptions) Validate() error {
	o = o.withDefaults()
	switch {
	case o.MaxOrder < 1 || o.MaxOrder > 8:
		return fmt.Errorf("langid: max order %d is outside 1 to 8", o.MaxOrder)
	case o.PerLanguage < 1:
		return fmt.Errorf("langid: n-grams per language %d is not positive", o.PerLanguage)
	case !(o.Alpha > 0 && o.Alpha <= maxAlpha):
		return fmt.Errorf("langid: alpha %v is outside (0, %g]", o.Alpha, maxAlpha)
	}
	return nil
}

// Trainer counts the character n-grams of texts whose language is known
// and makes a Model of them. It is not safe for concurrent use.
type Trainer struct {
	opts   TrainOptions
	langs  []string
	counts map[string]map[string]int64 // language → n-gram → count
}

// NewTrainer returns an empty Trainer.
func NewTrainer(opts TrainOptions) (*Trainer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Trainer{opts: opts.withDefaults(), counts: map[string]map[string]int64{}}, nil
}

// Add counts the n-grams of a text written in lang.
func (t *Trainer) Add(lang, text string) error {
	if !validCode(lang) {
		return fmt.Errorf("langid: language code %q is not 2 or 3 lowercase ASCII letters", lang)
	}
	c := t.counts[lang]
	if c == nil {
		c = map[string]int64{}
		t.counts[lang] = c
		t.langs = append(t.langs, lang)
	}
	eachNGram(normalize(text), t.opts.MaxOrder, func(g string) bool {
		if _, ok := c[g]; !ok {
			g = string([]byte(g)) // keep the n-gram, not the text around it
		}
		c[g]++
		return true
	})
	return nil
}

// Model returns the model of what was added, with temperature 1: the
// languages in sorted order, each language's PerLanguage most frequent
// n-grams (ties broken by the n-gram) with their suffixes, and every
// language's count of them.
func (t *Trainer) Model() (*Model, error) {
	if len(t.langs) == 0 {
		return nil, fmt.Errorf("langid: no text was added")
	}
	langs := append([]string(nil), t.langs...)
	sort.Strings(langs)
	keep := map[string]bool{}
	for _, l := range langs {
		for _, g := range mostFrequent(t.counts[l], t.opts.PerLanguage) {
			keepWithSuffixes(keep, g)
		}
	}
	m := &Model{Languages: langs, MaxOrder: t.opts.MaxOrder, Alpha: t.opts.Alpha, Temperature: 1}
	for g := range keep {
		m.NGrams = append(m.NGrams, g)
	}
	sort.Strings(m.NGrams)
	for _, g := range m.NGrams {
		row := make([]int64, len(langs))
		for j, l := range langs {
			row[j] = t.counts[l][g]
		}
		m.Counts = append(m.Counts, row)
	}
	return m, m.Validate()
}

// mostFrequent returns the k n-grams of counts with the highest count.
func mostFrequent(counts map[string]int64, k int) []string {
	all := make([]string, 0, len(counts))
	for g := range counts {
		all = append(all, g)
	}
	sort.Slice(all, func(a, b int) bool {
		ca, cb := counts[all[a]], counts[all[b]]
		if ca != cb {
			return ca > cb
		}
		return all[a] < all[b]
	})
	return all[:min(k, len(all))]
}

// keepWithSuffixes adds g and every suffix of it to keep. An n-gram is
// at most as frequent as its suffixes, so this adds few n-grams, and it
// lets Detect stop extending an n-gram leftwards at the first it lacks.
func keepWithSuffixes(keep map[string]bool, g string) {
	for i := range g {
		if s := g[i:]; s != " " {
			keep[s] = true
		}
	}
}
