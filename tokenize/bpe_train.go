package tokenize

import (
	"container/heap"
	"fmt"
	"sort"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TrainBPE learns a joint byte-level BPE vocabulary from lines of text (all
// languages together). Each line is normalized to NFC, given a leading space
// and split into words exactly as Encode does; every word starts as its
// bytes. Then, until the vocabulary holds opts.VocabSize ids, the most
// frequent pair of adjacent symbols (counted over all words, weighted by
// word frequency) is merged into a new symbol everywhere it occurs, left to
// right. Ties go to the pair whose left piece, then right piece, sorts first
// bytewise, so the result depends only on the lines and the options. A merge
// whose result spells a special token is never made.
//
// A line that is not valid UTF-8 is an error.
func TrainBPE(lines []string, opts BPEOptions) (*BPE, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	words, err := countWords(lines)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, errNoLines
	}
	t := newTrainer(words)
	t.run(opts.VocabSize, int64(opts.MinFrequency))
	b := &BPE{Vocab: t.pieces, Merges: t.merges}
	if err := b.validatePieces(); err != nil {
		return nil, err
	}
	return b, nil
}

// countWords pre-tokenizes every line and counts the distinct words.
func countWords(lines []string) (map[string]int64, error) {
	counts := make(map[string]int64)
	var spans []span
	for n, line := range lines {
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("tokenize: training line %d is not valid UTF-8", n+1)
		}
		if line == "" {
			continue
		}
		text := " " + norm.NFC.String(line)
		spans = preTokenize(text, spans[:0])
		for _, s := range spans {
			counts[text[s.start:s.end]]++
		}
	}
	return counts, nil
}

// symPair is a pair of adjacent symbol ids.
type symPair struct{ a, b int32 }

// trainWord is one distinct word: its current symbols and its frequency.
type trainWord struct {
	syms  []int32
	count int64
}

type trainer struct {
	pieces  []string            // id → piece (byte-level string)
	pieceID map[string]int32    // piece → id
	merges  [][2]string         // learned so far
	words   []trainWord         // distinct words, sorted by text
	counts  map[symPair]int64   // current frequency of every pair
	where   map[symPair][]int32 // words that contain (or once contained) a pair
	queue   pairQueue           // candidate pairs; stale entries are skipped
	banned  map[symPair]bool    // pairs whose merge would spell a special token
	merged  map[symPair]bool    // pairs already in merges
	seen    []int               // per word: the last merge step that visited it
}

func newTrainer(counts map[string]int64) *trainer {
	t := &trainer{
		pieceID: make(map[string]int32),
		counts:  make(map[symPair]int64),
		where:   make(map[symPair][]int32),
		banned:  make(map[symPair]bool),
		merged:  make(map[symPair]bool),
	}
	for _, s := range SpecialTokens {
		t.addPiece(s)
	}
	for b := 0; b < 256; b++ {
		t.addPiece(byteSymbol[b])
	}
	texts := make([]string, 0, len(counts))
	for w := range counts {
		texts = append(texts, w)
	}
	sort.Strings(texts)
	t.words = make([]trainWord, len(texts))
	t.seen = make([]int, len(texts))
	for i, w := range texts {
		syms := make([]int32, len(w))
		for k := 0; k < len(w); k++ {
			syms[k] = firstByteID + int32(w[k])
		}
		t.words[i] = trainWord{syms: syms, count: counts[w]}
		t.seen[i] = -1
		for k := 0; k+1 < len(syms); k++ {
			p := symPair{syms[k], syms[k+1]}
			t.counts[p] += counts[w]
			t.where[p] = append(t.where[p], int32(i))
		}
	}
	t.queue.pieces = t.pieces
	for p, c := range t.counts {
		t.queue.entries = append(t.queue.entries, queued{p, c})
	}
	heap.Init(&t.queue)
	return t
}

func (t *trainer) addPiece(s string) int32 {
	id := int32(len(t.pieces))
	t.pieces = append(t.pieces, s)
	t.pieceID[s] = id
	return id
}

// run merges pairs until the vocabulary has vocabSize pieces or the best
// pair is seen fewer than minFreq times.
func (t *trainer) run(vocabSize int, minFreq int64) {
	for step := 0; len(t.pieces) < vocabSize && t.queue.Len() > 0; {
		top := heap.Pop(&t.queue).(queued)
		if t.counts[top.pair] != top.count || t.banned[top.pair] {
			continue // stale: a fresher entry is queued, or never mergeable
		}
		if top.count < minFreq {
			return
		}
		left, right := t.pieces[top.pair.a], t.pieces[top.pair.b]
		joined := left + right
		id, exists := t.pieceID[joined]
		if exists && int(id) < firstByteID {
			t.banned[top.pair] = true
			continue
		}
		if !exists {
			id = t.addPiece(joined)
			t.queue.pieces = t.pieces
		}
		if !t.merged[top.pair] {
			// A pair comes back only next to a piece that two different
			// merges spell; its first rank already covers it.
			t.merged[top.pair] = true
			t.merges = append(t.merges, [2]string{left, right})
		}
		t.apply(top.pair, id, step)
		step++
	}
}

// apply merges pair into id in every word holding it and updates the pair
// counts, queueing every pair whose count changed.
func (t *trainer) apply(pair symPair, id int32, step int) {
	delta := make(map[symPair]int64)
	for _, wi := range t.where[pair] {
		if t.seen[wi] == step {
			continue
		}
		t.seen[wi] = step
		w := &t.words[wi]
		merged, ok := mergeSymbols(w.syms, pair, id)
		if !ok {
			continue
		}
		for k := 0; k+1 < len(w.syms); k++ {
			delta[symPair{w.syms[k], w.syms[k+1]}] -= w.count
		}
		for k := 0; k+1 < len(merged); k++ {
			p := symPair{merged[k], merged[k+1]}
			delta[p] += w.count
			if p.a == id || p.b == id {
				t.where[p] = append(t.where[p], wi)
			}
		}
		w.syms = merged
	}
	delete(t.where, pair)
	for p, d := range delta {
		if d == 0 {
			continue
		}
		c := t.counts[p] + d
		if c <= 0 {
			delete(t.counts, p)
			continue
		}
		t.counts[p] = c
		heap.Push(&t.queue, queued{p, c})
	}
}

// mergeSymbols replaces every occurrence of pair in syms, left to right
// without overlap, by id. It reports false (and syms) when pair is absent.
func mergeSymbols(syms []int32, pair symPair, id int32) ([]int32, bool) {
	var out []int32
	for k := 0; k < len(syms); k++ {
		if k+1 < len(syms) && syms[k] == pair.a && syms[k+1] == pair.b {
			if out == nil {
				out = make([]int32, k, len(syms)-1)
				copy(out, syms[:k])
			}
			out = append(out, id)
			k++
			continue
		}
		if out != nil {
			out = append(out, syms[k])
		}
	}
	if out == nil {
		return syms, false
	}
	return out, true
}

// queued is a candidate pair with its count when it was queued.
type queued struct {
	pair  symPair
	count int64
}

// pairQueue is a max-heap of pairs by count, ties by the pieces' bytes.
type pairQueue struct {
	entries []queued
	pieces  []string
}

func (q *pairQueue) Len() int { return len(q.entries) }

func (q *pairQueue) Less(i, j int) bool {
	x, y := q.entries[i], q.entries[j]
	if x.count != y.count {
		return x.count > y.count
	}
	if x.pair.a != y.pair.a {
		return q.pieces[x.pair.a] < q.pieces[y.pair.a]
	}
	return q.pieces[x.pair.b] < q.pieces[y.pair.b]
}

func (q *pairQueue) Swap(i, j int) { q.entries[i], q.entries[j] = q.entries[j], q.entries[i] }

func (q *pairQueue) Push(x any) { q.entries = append(q.entries, x.(queued)) }

func (q *pairQueue) Pop() any {
	n := len(q.entries) - 1
	x := q.entries[n]
	q.entries = q.entries[:n]
	return x
}
