package train

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// TSVColumns says which columns of a tab-separated corpus hold the book
// (for the split), the source and the target text. Columns count from 1
// as in cut(1); Book 0 means the file has no book column.
type TSVColumns struct {
	Book, Source, Target int
}

// Example is one sentence pair as text.
type Example struct {
	Book, Source, Target string
}

// ReadTSV reads the sentence pairs of a TSV file, skipping any whose book
// is in exclude (and, when include is non-empty, any whose book is not in
// it). Blank lines are skipped; a line with too few columns or invalid
// UTF-8 is an error naming the line.
func ReadTSV(path string, cols TSVColumns, include, exclude []string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ex, err := parseTSV(f, cols, include, exclude)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ex, nil
}

func parseTSV(r io.Reader, cols TSVColumns, include, exclude []string) ([]Example, error) {
	need := max(cols.Book, cols.Source, cols.Target)
	if cols.Source < 1 || cols.Target < 1 || cols.Book < 0 {
		return nil, fmt.Errorf("source and target columns must be 1 or more and the book column 0 or more")
	}
	in := make(map[string]bool, len(include))
	for _, b := range include {
		in[b] = true
	}
	out := make(map[string]bool, len(exclude))
	for _, b := range exclude {
		out[b] = true
	}
	var ex []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("line %d is not valid UTF-8", n)
		}
		f := strings.Split(line, "\t")
		if len(f) < need {
			return nil, fmt.Errorf("line %d has %d columns, need %d", n, len(f), need)
		}
		e := Example{Source: strings.TrimSpace(f[cols.Source-1]), Target: strings.TrimSpace(f[cols.Target-1])}
		if cols.Book > 0 {
			e.Book = f[cols.Book-1]
		}
		if out[e.Book] || (len(in) > 0 && !in[e.Book]) {
			continue
		}
		if e.Source == "" || e.Target == "" {
			continue
		}
		ex = append(ex, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ex, nil
}

// Pair is one encoded sentence pair; both sides end in the EOS id.
type Pair struct {
	Src, Tgt []int32
}

// Encode turns examples into id pairs with encode, appending eos to both
// sides.
func Encode(ex []Example, encode func(string) ([]int, error), eos int) ([]Pair, error) {
	pairs := make([]Pair, len(ex))
	for i, e := range ex {
		s, err := encode(e.Source)
		if err != nil {
			return nil, fmt.Errorf("encoding source %d: %w", i+1, err)
		}
		t, err := encode(e.Target)
		if err != nil {
			return nil, fmt.Errorf("encoding target %d: %w", i+1, err)
		}
		pairs[i] = Pair{Src: toIDs(s, eos), Tgt: toIDs(t, eos)}
	}
	return pairs, nil
}

// ReverseTargets turns every pair's target around, end of sentence kept
// last: the data of a right-to-left model (model.Config.RightToLeft).
func ReverseTargets(pairs []Pair) {
	for _, p := range pairs {
		if n := len(p.Tgt); n > 1 {
			slices.Reverse(p.Tgt[:n-1])
		}
	}
}

func toIDs(ids []int, eos int) []int32 {
	out := make([]int32, len(ids)+1)
	for i, id := range ids {
		out[i] = int32(id)
	}
	out[len(ids)] = int32(eos)
	return out
}

// Buckets are the padded lengths batches are grouped into. A batch of
// bucket length L holds MaxTokens/L pairs, each side padded to L.
type Buckets struct {
	Lengths   []int // ascending
	MaxTokens int
}

// Rows is the number of pairs in a batch of bucket i.
func (bk Buckets) Rows(i int) int { return max(1, bk.MaxTokens/bk.Lengths[i]) }

// Of returns the bucket of a pair, or -1 when it is longer than the last.
func (bk Buckets) Of(p Pair) int {
	n := max(len(p.Src), len(p.Tgt)) // the decoder reads the start token and all but the last target
	i := sort.SearchInts(bk.Lengths, n)
	if i == len(bk.Lengths) {
		return -1
	}
	return i
}

// BatchRef is one batch of an epoch: its bucket and the indices of its pairs.
type BatchRef struct {
	Bucket int
	Pairs  []int
}

// EpochBatches deterministically groups the pairs into the batches of
// epoch e: the pairs are shuffled with a generator seeded by (seed, e),
// grouped by bucket in that order, cut into full batches (the last of a
// bucket may be short), and the batches shuffled again. Pairs longer than
// the last bucket are left out.
func EpochBatches(pairs []Pair, bk Buckets, seed uint64, epoch int) []BatchRef {
	rng := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(epoch)))
	order := rng.Perm(len(pairs))
	byBucket := make([][]int, len(bk.Lengths))
	for _, i := range order {
		if b := bk.Of(pairs[i]); b >= 0 {
			byBucket[b] = append(byBucket[b], i)
		}
	}
	var out []BatchRef
	for b, idx := range byBucket {
		rows := bk.Rows(b)
		for len(idx) > 0 {
			n := min(rows, len(idx))
			out = append(out, BatchRef{Bucket: b, Pairs: slices.Clone(idx[:n])})
			idx = idx[n:]
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// makeBatch gathers the pairs of a BatchRef.
func makeBatch(pairs []Pair, ref BatchRef) *batch {
	bt := &batch{}
	for _, i := range ref.Pairs {
		bt.src = append(bt.src, pairs[i].Src)
		bt.tgt = append(bt.tgt, pairs[i].Tgt)
	}
	return bt
}
