package nmt

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/translated/translated/tokenize"
)

// Shortlist is a vocabulary shortlist (the lexical shortlists of Marian and
// Bergamot): for every source token, the target tokens most likely to
// translate it, and the target tokens kept whatever the source (the most
// frequent). Decoding a batch with a shortlist computes the output layer for
// the union of its sources' candidates and the frequent tokens only, a few
// hundred or thousand rows instead of the whole vocabulary.
type Shortlist struct {
	// Frequent are target ids always kept, most frequent first.
	Frequent []int
	// Candidates[s] are the target ids kept for source id s, best first.
	Candidates [][]int
}

// WithShortlist returns a translator whose searches restrict each
// sentence to the tokens s keeps for its own source tokens (Select: its
// candidates, the frequent tokens and the end-of-sentence token), so that
// a sentence's translation does not depend on the sentences decoded beside
// it (in one call or, through a Batcher, in others); a step computes the
// output layer for the union of its sentences' tokens only. nil returns to
// the whole vocabulary. Forced decoding (alignment, reranking) still scores
// with the whole vocabulary. The receiver is not changed.
func (t *Translator) WithShortlist(s *Shortlist) (*Translator, error) {
	if s != nil {
		for _, ids := range append([][]int{s.Frequent}, s.Candidates...) {
			for _, id := range ids {
				if id < 0 || id >= t.cfg.DecoderVocabSize {
					return nil, invalidf("shortlist: target id %d is outside the vocabulary of %d", id, t.cfg.DecoderVocabSize)
				}
			}
		}
		if len(s.Candidates) > t.cfg.VocabSize {
			return nil, invalidf("shortlist: %d source ids for a vocabulary of %d", len(s.Candidates), t.cfg.VocabSize)
		}
	}
	c := *t
	c.shortlist = s
	return &c, nil
}

// keepOf is the shortlist of a sentence of source ids src for
// model.Decoder.Restrict: nil without a shortlist.
func (t *Translator) keepOf(src []int) []int {
	if t.shortlist == nil {
		return nil
	}
	return t.shortlist.Select([][]int{src}, t.cfg.EOSTokenID)
}

// ShortlistMean is the mean number of target tokens the shortlist keeps
// for a sentence of texts, split into sentences and tokenized as Translate
// does (without a language token); 0 without a shortlist or sentences.
func (t *Translator) ShortlistMean(texts []string) (float64, error) {
	if t.shortlist == nil {
		return 0, nil
	}
	j, err := t.prepare(texts, nil, false)
	if err != nil {
		return 0, err
	}
	if len(j.flat) == 0 {
		return 0, nil
	}
	total := 0
	for _, s := range j.flat {
		total += len(t.keepOf(s.ids))
	}
	return float64(total) / float64(len(j.flat)), nil
}

// ShortlistOptions control BuildShortlist. Zero fields take their defaults.
type ShortlistOptions struct {
	// Frequent is the number of most frequent target tokens always kept.
	// Default 100 (Marian's first number).
	Frequent int
	// PerSource is the number of candidates kept per source token, by
	// t(target | source). Default 100 (Marian's second number).
	PerSource int
	// MinProb drops candidates with t(target | source) below it. Default
	// 0.001.
	MinProb float64
	// Iterations of IBM Model 1's EM. Default 5.
	Iterations int
}

func (o ShortlistOptions) withDefaults() ShortlistOptions {
	orDefault(&o.Frequent, 100)
	orDefault(&o.PerSource, 100)
	orDefault(&o.MinProb, 0.001)
	orDefault(&o.Iterations, 5)
	return o
}

// BuildShortlist trains IBM Model 1 (Brown et al. 1993) over token ids,
// t(target | source) with a NULL source token, from pairs (source ids,
// target ids; end-of-sentence tokens may be left in or out), and keeps per
// source token the PerSource most likely targets, plus the Frequent most
// frequent target tokens. srcVocab and tgtVocab bound the ids.
func BuildShortlist(pairs [][2][]int, srcVocab, tgtVocab int, o ShortlistOptions) (*Shortlist, error) {
	o = o.withDefaults()
	freq := make([]int, tgtVocab)
	for k, p := range pairs {
		for side, ids := range p {
			limit := []int{srcVocab, tgtVocab}[side]
			for _, id := range ids {
				if id < 0 || id >= limit {
					return nil, invalidf("shortlist: pair %d holds id %d, outside the vocabulary of %d", k, id, limit)
				}
			}
		}
		for _, t := range p[1] {
			freq[t]++
		}
	}
	lex := trainLexicon(pairs, o.Iterations)
	sl := &Shortlist{Frequent: topIDs(freq, o.Frequent), Candidates: make([][]int, srcVocab)}
	var cands []lexEntry
	for r := 1; r+1 < len(lex.start); r++ { // row 0 is NULL
		cands = cands[:0]
		for _, e := range lex.order[lex.start[r]:lex.start[r+1]] {
			if p := lex.prob[e]; p >= o.MinProb {
				cands = append(cands, lexEntry{int(lex.tgt[e]), p})
			}
		}
		sort.Slice(cands, func(i, j int) bool {
			return cands[i].p > cands[j].p || cands[i].p == cands[j].p && cands[i].id < cands[j].id
		})
		for _, c := range cands[:min(len(cands), o.PerSource)] {
			sl.Candidates[r-1] = append(sl.Candidates[r-1], c.id)
		}
	}
	return sl, nil
}

type lexEntry struct {
	id int
	p  float64
}

// lexicon is t(target | source) for the (source, target) pairs that occur
// together: entry e is row[e] (0 the NULL source, s+1 source id s),
// target tgt[e], probability prob[e]; order[start[r]:start[r+1]] are the
// entries of row r.
type lexicon struct {
	row, tgt     []int32
	prob         []float64
	start, order []int
}

// trainLexicon runs EM for t(target | source) over the pairs, from uniform
// values. The entries of each target token's sources (NULL first) are
// found once, so that an iteration is two passes over flat arrays; every
// sum runs in the same order each time.
func trainLexicon(pairs [][2][]int, iterations int) *lexicon {
	lex := &lexicon{}
	entry := map[[2]int32]int32{}
	var occ []int32 // per pair, per target token: its entries with NULL and each source token
	find := func(r, t int) int32 {
		key := [2]int32{int32(r), int32(t)}
		e, ok := entry[key]
		if !ok {
			e = int32(len(lex.row))
			entry[key] = e
			lex.row, lex.tgt = append(lex.row, int32(r)), append(lex.tgt, int32(t))
		}
		return e
	}
	rows := 1
	for _, p := range pairs {
		for _, t := range p[1] {
			occ = append(occ, find(0, t))
			for _, s := range p[0] {
				occ = append(occ, find(s+1, t))
				rows = max(rows, s+2)
			}
		}
	}
	entry = nil
	lex.prob = make([]float64, len(lex.row))
	for e := range lex.prob {
		lex.prob[e] = 1
	}
	counts, total := make([]float64, len(lex.row)), make([]float64, rows)
	for range iterations {
		clear(counts)
		k := 0
		for _, p := range pairs {
			m := len(p[0]) + 1
			for range p[1] {
				es := occ[k : k+m]
				k += m
				var z float64
				for _, e := range es {
					z += lex.prob[e]
				}
				for _, e := range es {
					counts[e] += lex.prob[e] / z
				}
			}
		}
		clear(total)
		for e, c := range counts {
			total[lex.row[e]] += c
		}
		for e, c := range counts {
			lex.prob[e] = c / total[lex.row[e]]
		}
	}
	// The entries by row, for reading a row's candidates.
	lex.start = make([]int, rows+1)
	for _, r := range lex.row {
		lex.start[r+1]++
	}
	for r := range rows {
		lex.start[r+1] += lex.start[r]
	}
	lex.order = make([]int, len(lex.row))
	next := append([]int(nil), lex.start[:rows]...)
	for e, r := range lex.row {
		lex.order[next[r]] = e
		next[r]++
	}
	return lex
}

// topIDs returns the indices of the k largest counts (ties by lower
// index), zero counts left out.
func topIDs(counts []int, k int) []int {
	ids := make([]int, 0, len(counts))
	for i, c := range counts {
		if c > 0 {
			ids = append(ids, i)
		}
	}
	sort.SliceStable(ids, func(a, b int) bool { return counts[ids[a]] > counts[ids[b]] })
	return ids[:min(k, len(ids))]
}

// Select returns the target ids a batch of sources keeps: the frequent
// ones, the candidates of every source id and the ids of always (the
// end-of-sentence token, ...), ascending and without repeats.
func (s *Shortlist) Select(srcs [][]int, always ...int) []int {
	ids := append(append([]int(nil), s.Frequent...), always...)
	for _, src := range srcs {
		for _, id := range src {
			if id >= 0 && id < len(s.Candidates) {
				ids = append(ids, s.Candidates[id]...)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// WriteTo writes the shortlist as text: a line "frequent" followed by the
// frequent ids, then one line per source id with candidates, the source
// id followed by its candidates; fields separated by single spaces.
func (s *Shortlist) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	line := func(head string, ids []int) {
		k, _ := bw.WriteString(head)
		n += int64(k)
		for _, id := range ids {
			k, _ = bw.WriteString(" " + strconv.Itoa(id))
			n += int64(k)
		}
		k, _ = bw.WriteString("\n")
		n += int64(k)
	}
	line("frequent", s.Frequent)
	for src, ids := range s.Candidates {
		if len(ids) > 0 {
			line(strconv.Itoa(src), ids)
		}
	}
	return n, bw.Flush()
}

// ReadShortlist reads what WriteTo writes, as it is or compressed with
// gzip (told by its first bytes), for a model of srcVocab source and
// tgtVocab target tokens; an id outside them is an error naming the line.
func ReadShortlist(r io.Reader, srcVocab, tgtVocab int) (*Shortlist, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("shortlist: %v", err)
		}
		defer zr.Close()
		return readShortlist(zr, srcVocab, tgtVocab)
	}
	return readShortlist(br, srcVocab, tgtVocab)
}

// ShortlistFile is the name of the vocabulary shortlist a model directory
// may ship (gzip-compressed text, ReadShortlist), which OpenShortlist
// reads when given the directory.
const ShortlistFile = "shortlist.gz"

// OpenShortlist reads the shortlist file path (text or gzip; a model
// directory means its ShortlistFile) for t's model and returns t
// searching with it (WithShortlist). Errors name the file.
func (t *Translator) OpenShortlist(path string) (*Translator, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ShortlistFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sl, err := ReadShortlist(f, t.cfg.VocabSize, t.cfg.DecoderVocabSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return t.WithShortlist(sl)
}

func readShortlist(r io.Reader, srcVocab, tgtVocab int) (*Shortlist, error) {
	sl := &Shortlist{Candidates: make([][]int, srcVocab)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	seenFrequent := false
	for lineNo := 1; sc.Scan(); lineNo++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		ids := make([]int, len(fields)-1)
		for i, f := range fields[1:] {
			id, err := strconv.Atoi(f)
			if err != nil || id < 0 || id >= tgtVocab {
				return nil, fmt.Errorf("shortlist line %d: %q is not a target id below %d", lineNo, f, tgtVocab)
			}
			ids[i] = id
		}
		if fields[0] == "frequent" {
			if seenFrequent {
				return nil, fmt.Errorf("shortlist line %d: a second frequent line", lineNo)
			}
			sl.Frequent, seenFrequent = ids, true
			continue
		}
		src, err := strconv.Atoi(fields[0])
		if err != nil || src < 0 || src >= srcVocab {
			return nil, fmt.Errorf("shortlist line %d: %q is not a source id below %d", lineNo, fields[0], srcVocab)
		}
		sl.Candidates[src] = append(sl.Candidates[src], ids...)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("shortlist: %v", err)
	}
	if !seenFrequent {
		return nil, fmt.Errorf("shortlist: no frequent line")
	}
	return sl, nil
}

// BuildShortlist tokenizes the parallel sentences (sources[i] translated
// as targets[i]) as the translator does and builds a shortlist for its
// model from their token ids (the package function BuildShortlist).
func (t *Translator) BuildShortlist(sources, targets []string, o ShortlistOptions) (*Shortlist, error) {
	if len(sources) != len(targets) {
		return nil, invalidf("shortlist: %d sources for %d targets", len(sources), len(targets))
	}
	pairs := make([][2][]int, len(sources))
	for i := range sources {
		for side, tok := range []tokenize.Tokenizer{t.src, t.tgt} {
			toks, err := tok.Encode([]string{sources[i], targets[i]}[side])
			if err != nil {
				return nil, invalidf("shortlist: sentence %d: %v", i, err)
			}
			for _, tk := range toks {
				pairs[i][side] = append(pairs[i][side], tk.ID)
			}
		}
	}
	return BuildShortlist(pairs, t.cfg.VocabSize, t.cfg.DecoderVocabSize, o)
}
