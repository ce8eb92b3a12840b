package extract

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Source is one named list of pairs.
type Source struct {
	Name  string
	Pairs []Pair
}

// JoinStats counts, per source, the pairs given, the exact duplicates of
// an earlier pair (in this or an earlier source), the pairs sharing a side
// with the held-out set and the pairs kept.
type JoinStats struct {
	Name                           string
	Read, Duplicate, HeldOut, Kept int
}

// Joiner joins sources into one corpus, in order, keeping the first of
// exact duplicates and dropping every pair that shares a side with a
// held-out segment (compared by HeldOutKey).
type Joiner struct {
	heldOut map[string]bool
	seen    map[Pair]bool
}

// NewJoiner returns a Joiner that drops pairs sharing a side with heldOut.
func NewJoiner(heldOut []string) *Joiner {
	j := &Joiner{heldOut: map[string]bool{}, seen: map[Pair]bool{}}
	for _, s := range heldOut {
		if k := HeldOutKey(s); k != "" {
			j.heldOut[k] = true
		}
	}
	return j
}

// Add returns the pairs of src that the corpus keeps, and their counts.
// Pairs with a blank side are left out (counted as read only).
func (j *Joiner) Add(src Source) ([]Pair, JoinStats) {
	st := JoinStats{Name: src.Name}
	var out []Pair
	for _, p := range src.Pairs {
		st.Read++
		p.En, p.Es = strings.TrimSpace(p.En), strings.TrimSpace(p.Es)
		switch {
		case p.En == "" || p.Es == "":
		case j.seen[p]:
			st.Duplicate++
		case j.heldOut[HeldOutKey(p.En)] || j.heldOut[HeldOutKey(p.Es)]:
			st.HeldOut++
		default:
			j.seen[p] = true
			out = append(out, p)
			st.Kept++
		}
	}
	return out, st
}

// HeldOutKey is how a side is compared with the held-out segments:
// in NFC, lower-cased, with everything but letters, combining marks and
// digits taken for a word break.
func HeldOutKey(s string) string {
	f := strings.FieldsFunc(strings.ToLower(norm.NFC.String(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	return strings.Join(f, " ")
}
