package extract

import (
	"sort"
	"unicode"
)

// PairByAnchors pairs two versions of a page whose block counts may
// differ, as single-page manuals often do when a translation adds or
// drops a note. Anchors are the first block of each id that both pages
// carry, kept when they come in the same order on both sides (the
// longest such chain, in the order of en) and when both texts hold the
// same digits (section numbers, versions: a check that the ids name the
// same thing). Each anchor is paired with its counterpart, and the run of
// blocks between two consecutive anchors (or a page's start or end) is
// paired by order when both runs have as many blocks, and left out
// otherwise. A page pair without anchors is paired as PairByOrder does.
// Blocks left untranslated are left out.
func PairByAnchors(en, es []Block) []Pair {
	var out []Pair
	prevEn, prevEs := 0, 0
	for _, a := range anchorChain(en, es) {
		out = appendRun(out, en[prevEn:a[0]], es[prevEs:a[1]])
		out = appendTranslated(out, en[a[0]].Text, es[a[1]].Text)
		prevEn, prevEs = a[0]+1, a[1]+1
	}
	return appendRun(out, en[prevEn:], es[prevEs:])
}

// appendRun appends the blocks of en and es paired by order, when both
// runs have as many blocks.
func appendRun(out []Pair, en, es []Block) []Pair {
	if len(en) != len(es) {
		return out
	}
	for i := range en {
		out = appendTranslated(out, en[i].Text, es[i].Text)
	}
	return out
}

// anchorChain returns the anchors of en and es as index pairs {en, es},
// increasing on both sides: the longest increasing chain of the
// candidate anchors taken in the order of en.
func anchorChain(en, es []Block) [][2]int {
	esFirst := firstOfEachID(es)
	var cands [][2]int
	for id, i := range firstOfEachID(en) {
		j, ok := esFirst[id]
		if ok && sameDigits(en[i].Text, es[j].Text) {
			cands = append(cands, [2]int{i, j})
		}
	}
	sort.Slice(cands, func(a, b int) bool { return cands[a][0] < cands[b][0] })
	return longestIncreasing(cands)
}

// firstOfEachID maps each id to the index of the first block carrying it.
func firstOfEachID(bs []Block) map[string]int {
	first := map[string]int{}
	for i, b := range bs {
		if _, seen := first[b.ID]; b.ID != "" && !seen {
			first[b.ID] = i
		}
	}
	return first
}

// longestIncreasing returns the longest subsequence of cands (sorted by
// their first index, all distinct) whose second index increases too.
func longestIncreasing(cands [][2]int) [][2]int {
	var tails []int                 // tails[k]: index in cands of the last element of the best chain of length k+1
	prev := make([]int, len(cands)) // the element before cands[i] in its chain, or -1
	for i, c := range cands {
		k := sort.Search(len(tails), func(k int) bool { return cands[tails[k]][1] >= c[1] })
		prev[i] = -1
		if k > 0 {
			prev[i] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	chain := make([][2]int, len(tails))
	for k, i := len(tails)-1, -1; k >= 0; k-- {
		if i == -1 {
			i = tails[k]
		} else {
			i = prev[i]
		}
		chain[k] = cands[i]
	}
	return chain
}

// sameDigits reports whether a and b hold the same digits in the same
// order.
func sameDigits(a, b string) bool {
	return digits(a) == digits(b)
}

func digits(s string) string {
	var d []rune
	for _, r := range s {
		if unicode.IsDigit(r) {
			d = append(d, r)
		}
	}
	return string(d)
}
