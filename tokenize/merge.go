package tokenize

import (
	"strings"
	"sync"
)

// mergeRule is what a pair of adjacent symbols turns into.
type mergeRule struct {
	rank int32 // position in the merge list: lower merges first
	id   int32 // id of the merged piece
}

// wordToken is one token of a word: its id and how many bytes it covers.
type wordToken struct {
	id int32
	n  int32
}

// mergeWord applies BPE merges to one word (at most MaxWordBytes bytes):
// starting from one symbol per byte, it repeatedly merges the adjacent pair
// of lowest rank, the leftmost one among equals, until no pair has a rule.
// This is the Hugging Face order; the sugarme model breaks ties between
// equal pairs in heap order instead ("aaaaa" → aa a aa, not aa aa a).
// A heap of candidate pairs keeps it O(n log n).
//
// drop, when not nil, is asked before every merge whether to skip it
// (BPE-dropout): a skipped pair waits until some other merge succeeds and
// is then tried again, so a word whose every remaining merge is skipped
// stays finer than usual.
func mergeWord(word string, byteID *[256]int32, rules map[symPair]mergeRule, drop func() bool) []wordToken {
	n := len(word)
	syms := make([]mergeSym, n)
	for i := 0; i < n; i++ {
		syms[i] = mergeSym{id: byteID[word[i]], n: 1, prev: int32(i - 1), next: int32(i + 1)}
	}
	var q candQueue
	for i := 0; i+1 < n; i++ {
		if r, ok := rules[symPair{syms[i].id, syms[i+1].id}]; ok {
			q.push(cand{rank: r.rank, pos: int32(i)})
		}
	}
	var skipped []cand
	for q.len() > 0 {
		c := q.pop()
		left := &syms[c.pos]
		if left.n == 0 || int(left.next) >= n {
			continue // merged away, or now last
		}
		right := &syms[left.next]
		r, ok := rules[symPair{left.id, right.id}]
		if !ok || r.rank != c.rank {
			continue // stale: a neighbour changed since it was queued
		}
		if drop != nil && drop() {
			skipped = append(skipped, c)
			continue
		}
		for _, s := range skipped {
			q.push(s)
		}
		skipped = skipped[:0]
		left.id, left.n = r.id, left.n+right.n
		right.n = 0
		left.next = right.next
		if int(left.next) < n {
			syms[left.next].prev = c.pos
		}
		if left.prev >= 0 {
			if r, ok := rules[symPair{syms[left.prev].id, left.id}]; ok {
				q.push(cand{rank: r.rank, pos: left.prev})
			}
		}
		if int(left.next) < n {
			if r, ok := rules[symPair{left.id, syms[left.next].id}]; ok {
				q.push(cand{rank: r.rank, pos: c.pos})
			}
		}
	}
	out := make([]wordToken, 0, n)
	for i := 0; i < n; i = int(syms[i].next) {
		out = append(out, wordToken{id: syms[i].id, n: syms[i].n})
	}
	return out
}

// mergeSym is a symbol of a word being merged; n == 0 marks one merged
// into its left neighbour.
type mergeSym struct {
	id, n      int32
	prev, next int32
}

// cand is a pair that may merge: the left symbol's index and the rank.
type cand struct{ rank, pos int32 }

// candQueue is a binary min-heap on (rank, pos).
type candQueue struct{ h []cand }

func (q *candQueue) len() int { return len(q.h) }

func candLess(a, b cand) bool {
	return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos)
}

func (q *candQueue) push(c cand) {
	q.h = append(q.h, c)
	for i := len(q.h) - 1; i > 0; {
		p := (i - 1) / 2
		if !candLess(q.h[i], q.h[p]) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *candQueue) pop() cand {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h = q.h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && candLess(q.h[l], q.h[m]) {
			m = l
		}
		if r < last && candLess(q.h[r], q.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}

// wordCache remembers the tokens of recent words. It is safe for
// concurrent use; when full it starts afresh, so memory stays bounded
// whatever text is encoded.
type wordCache struct {
	mu    sync.RWMutex
	words map[string][]wordToken
}

const wordCacheSize = 1 << 16

func (c *wordCache) get(w string) ([]wordToken, bool) {
	c.mu.RLock()
	toks, ok := c.words[w]
	c.mu.RUnlock()
	return toks, ok
}

func (c *wordCache) put(w string, toks []wordToken) {
	c.mu.Lock()
	if c.words == nil || len(c.words) >= wordCacheSize {
		c.words = make(map[string][]wordToken)
	}
	c.words[strings.Clone(w)] = toks // not a slice of the caller's text
	c.mu.Unlock()
}
