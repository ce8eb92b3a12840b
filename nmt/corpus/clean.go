package corpus

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Pair is one translation pair and the name of the source it came from.
type Pair struct {
	Source string // e.g. "tatoeba", "europarl"
	En, Es string
}

// Filter names, in the order Clean applies them.
const (
	FilterEncoding   = "encoding" // a side is not valid UTF-8
	FilterEmpty      = "empty"
	FilterLength     = "length"
	FilterRatio      = "ratio"
	FilterIdentical  = "identical"
	FilterLanguage   = "language"
	FilterHeldOut    = "held-out"
	FilterDuplicate  = "near-duplicate"
	FilterMarkupOnly = "markup" // counts pairs changed, not removed
)

// Filters lists the removing filters in the order they apply.
var Filters = []string{FilterEncoding, FilterEmpty, FilterLength, FilterRatio, FilterIdentical, FilterLanguage, FilterHeldOut, FilterDuplicate}

// Options are the limits of Clean. The zero value takes every default.
type Options struct {
	// MaxWords drops a pair with a side longer than this many words
	// (default 120: longer pairs exceed the trainer's last bucket anyway).
	MaxWords int
	// MaxRatio drops a pair whose longer side has more than MaxRatio times
	// the characters of the shorter (default 2.5), once the longer side has
	// at least RatioMinChars characters (default 20: "Yes." / "Sí." pass).
	MaxRatio      float64
	RatioMinChars int
	// Language drops pairs whose English side reads as Spanish or whose
	// Spanish side reads as English (default on; set SkipLanguage to keep them).
	SkipLanguage bool
	// KeepIdentical and NoRatio name sources the identical and the ratio
	// filter pass over: names spelled alike in both languages (iso-codes),
	// a word against its list of senses (freedict). Default: none.
	KeepIdentical, NoRatio []string
}

// Validate returns one sentence for the first limit out of range.
func (o Options) Validate() error {
	switch {
	case o.MaxWords < 0:
		return fmt.Errorf("max words %d is negative (0 takes the default, 120)", o.MaxWords)
	case o.MaxRatio != 0 && o.MaxRatio < 1:
		return fmt.Errorf("max ratio %g is below 1: every pair whose sides differ in length would go (0 takes the default, 2.5)", o.MaxRatio)
	case o.RatioMinChars < 0:
		return fmt.Errorf("ratio min chars %d is negative (0 takes the default, 20)", o.RatioMinChars)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.MaxWords == 0 {
		o.MaxWords = 120
	}
	if o.MaxRatio == 0 {
		o.MaxRatio = 2.5
	}
	if o.RatioMinChars == 0 {
		o.RatioMinChars = 20
	}
	return o
}

// Stats counts, per source, the pairs read, kept, changed by markup
// cleaning and removed by each filter.
type Stats struct {
	Read, Kept map[string]int
	Removed    map[string]map[string]int // filter → source → count
}

func newStats() *Stats {
	s := &Stats{Read: map[string]int{}, Kept: map[string]int{}, Removed: map[string]map[string]int{}}
	for _, f := range append(Filters, FilterMarkupOnly) {
		s.Removed[f] = map[string]int{}
	}
	return s
}

// Cleaner applies the filters to a stream of pairs, remembering what it
// has seen for the near-duplicate filter.
type Cleaner struct {
	opts    Options
	heldOut map[string]bool
	seen    map[string]bool
	Stats   *Stats
}

// NewCleaner returns a Cleaner that also drops every pair sharing a side
// (by DedupKey) with one of heldOut, the dev and test segments.
func NewCleaner(opts Options, heldOut []string) *Cleaner {
	c := &Cleaner{opts: opts.withDefaults(), heldOut: map[string]bool{}, seen: map[string]bool{}, Stats: newStats()}
	for _, s := range heldOut {
		if k := DedupKey(s); k != "" {
			c.heldOut[k] = true
		}
	}
	return c
}

// Clean returns the cleaned pair and "" if it is kept, or the name of the
// filter that removed it. A kept pair is in NFC, without markup, with
// single spaces and no tab or line break: it can be written as a TSV line.
// A side that is not valid UTF-8 removes the pair (FilterEncoding): which
// bytes were meant cannot be told.
func (c *Cleaner) Clean(p Pair) (Pair, string) {
	c.Stats.Read[p.Source]++
	if !utf8.ValidString(p.En) || !utf8.ValidString(p.Es) {
		c.Stats.Removed[FilterEncoding][p.Source]++
		return p, FilterEncoding
	}
	en, es := StripMarkup(p.En), StripMarkup(p.Es)
	if en != p.En || es != p.Es {
		c.Stats.Removed[FilterMarkupOnly][p.Source]++
	}
	p.En, p.Es = norm.NFC.String(en), norm.NFC.String(es)
	reason := c.reason(p)
	if reason != "" {
		c.Stats.Removed[reason][p.Source]++
		return p, reason
	}
	c.Stats.Kept[p.Source]++
	return p, ""
}

func (c *Cleaner) reason(p Pair) string {
	if p.En == "" || p.Es == "" || !hasLetterOrDigit(p.En) || !hasLetterOrDigit(p.Es) {
		return FilterEmpty
	}
	if len(strings.Fields(p.En)) > c.opts.MaxWords || len(strings.Fields(p.Es)) > c.opts.MaxWords {
		return FilterLength
	}
	a, b := utf8.RuneCountInString(p.En), utf8.RuneCountInString(p.Es)
	long, short := max(a, b), min(a, b)
	if long >= c.opts.RatioMinChars && float64(long) > c.opts.MaxRatio*float64(short) && !slices.Contains(c.opts.NoRatio, p.Source) {
		return FilterRatio
	}
	ken, kes := DedupKey(p.En), DedupKey(p.Es)
	if ken == kes && !numeric(ken) && !slices.Contains(c.opts.KeepIdentical, p.Source) {
		return FilterIdentical
	}
	if !c.opts.SkipLanguage && (Guess(p.En) == Spanish || Guess(p.Es) == English) {
		return FilterLanguage
	}
	if c.heldOut[ken] || c.heldOut[kes] {
		return FilterHeldOut
	}
	key := ken + "\t" + kes
	if c.seen[key] {
		return FilterDuplicate
	}
	c.seen[key] = true
	return ""
}

var (
	tagRE   = regexp.MustCompile(`</?([A-Za-z][A-Za-z0-9:-]*)(\s[^<>]*)?/?>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// inlineTags are the HTML elements that sit inside a line of text: their
// tags go without a trace ("<b>Save</b>d" is "Saved"), where any other tag
// (<p>, <br>, <li>, unknown ones) stands for a space.
var inlineTags = words("a abbr b bdi bdo big cite code del dfn em font i ins kbd mark q s samp small span strike strong sub sup tt u var")

func tagSpace(tag string) string {
	name := strings.ToLower(tagRE.FindStringSubmatch(tag)[1])
	if inlineTags[name] {
		return ""
	}
	return " "
}

// StripMarkup removes HTML or XML tags (a block tag such as <p> or <br>
// leaves a space, an inline one such as <b> or <span> nothing), then decodes HTML entities (&amp;
// &quot; &#241;), turns no-break spaces into spaces and collapses runs of
// white space. Text that merely contains "<" or ">" as characters ("a < b")
// is left alone, and so is an escaped tag: "the &lt;map&gt; tag" becomes
// "the <map> tag". Its output is therefore text, not markup, and applying
// it twice may remove more than once would ("<map>" goes the second time).
// What holds is StripMarkup(html.EscapeString(t)) == StripMarkup(t) for
// any text t without tags or entities.
func StripMarkup(s string) string {
	s = tagRE.ReplaceAllStringFunc(s, tagSpace)
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	return strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
}

// DedupKey is the form under which two segments count as the same:
// in NFC, lower-cased, letters (with their combining marks) and digits
// only, digits folded to 0, single spaces. "Café" and "cafe\u0301" share a
// key; "cafe" does not.
func DedupKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(norm.NFC.String(s)) {
		switch {
		case unicode.IsDigit(r):
			r = '0'
		case unicode.IsLetter(r), unicode.IsMark(r) && b.Len() > 0 && !space:
		default:
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func numeric(key string) bool {
	return strings.Trim(key, "0 ") == ""
}

func hasLetterOrDigit(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}
