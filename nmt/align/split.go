package align

import (
	"errors"
	"io"
)

// ReadSplit reads the verses of split from a corpus TSV, in corpus order;
// limit > 0 keeps the first limit of them. Errors are those of ReadCorpus.
func ReadSplit(r io.Reader, split Split, limit int) ([]Verse, error) {
	return readSome(ReadCorpus, r, func(v Verse) bool { return BookSplit(v.Book) == split }, limit)
}

// ReadGoldSplit reads the gold pairs of split from a gold links file,
// gzip-compressed or plain, in file order; limit > 0 keeps the first limit
// of them. Errors are those of ReadGold.
func ReadGoldSplit(r io.Reader, split Split, limit int) ([]GoldPair, error) {
	return readSome(ReadGold, r, func(g GoldPair) bool { return BookSplit(RefBook(g.Ref)) == split }, limit)
}

// errEnough stops a reader once it has the records it was asked for.
var errEnough = errors.New("align: enough records")

// readSome keeps the records of r that keep accepts, the first limit of
// them when limit > 0.
func readSome[T any](read func(io.Reader, func(T) error) error, r io.Reader, keep func(T) bool, limit int) ([]T, error) {
	var out []T
	err := read(r, func(x T) error {
		if !keep(x) {
			return nil
		}
		out = append(out, x)
		if limit > 0 && len(out) == limit {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return out, nil
}

// IBM1Pairs are the verses as TrainIBM1 takes them: the IBM1Words of each
// side, English → Spanish, or Spanish → English with reverse.
func IBM1Pairs(verses []Verse, reverse bool) [][2][]string {
	pairs := make([][2][]string, len(verses))
	for i, v := range verses {
		src, tgt := IBM1Words(v.Source), IBM1Words(v.Target)
		if reverse {
			src, tgt = tgt, src
		}
		pairs[i] = [2][]string{src, tgt}
	}
	return pairs
}
