package align

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Verse is one line of the parallel corpus TSV: ref, book, English,
// Spanish (no header, tab-separated, no quoting).
type Verse struct {
	Ref, Book      string
	Source, Target string // English, Spanish
}

// Split is the part of the corpus a book belongs to.
type Split string

// The corpus splits, by book (never train on dev or test books).
const (
	SplitTrain Split = "train"
	SplitDev   Split = "dev"
	SplitTest  Split = "test"
)

// The held-out books, in canonical order; every other book is train.
var (
	testBooks = []string{"Ruth", "Jonah", "Hab", "Phil", "Jas", "2Pet", "1John"}
	devBooks  = []string{"Joel", "Titus", "Col"}
)

var bookSplit = func() map[string]Split {
	m := make(map[string]Split)
	for _, b := range testBooks {
		m[b] = SplitTest
	}
	for _, b := range devBooks {
		m[b] = SplitDev
	}
	return m
}()

// HeldOutBooks returns the books of the test or dev split in canonical
// order (nil for train, which is every other book).
func HeldOutBooks(s Split) []string {
	switch s {
	case SplitTest:
		return append([]string(nil), testBooks...)
	case SplitDev:
		return append([]string(nil), devBooks...)
	}
	return nil
}

// BookSplit returns the split of an OSIS book id ("Ruth" → test); every
// book not in dev or test is train.
func BookSplit(book string) Split {
	if s, ok := bookSplit[book]; ok {
		return s
	}
	return SplitTrain
}

// RefBook returns the book of an OSIS reference ("1John.2.3" → "1John").
func RefBook(ref string) string {
	book, _, _ := strings.Cut(ref, ".")
	return book
}

// ParseVerse parses one corpus line (without its newline).
func ParseVerse(line string) (Verse, error) {
	f := strings.Split(line, "\t")
	if len(f) != 4 {
		return Verse{}, fmt.Errorf("align: corpus line has %d tab-separated fields, want 4 (ref, book, English, Spanish)", len(f))
	}
	if !utf8.ValidString(line) {
		return Verse{}, fmt.Errorf("align: corpus line %q is not valid UTF-8", f[0])
	}
	if f[0] == "" || f[1] == "" {
		return Verse{}, fmt.Errorf("align: corpus line has an empty ref or book")
	}
	if RefBook(f[0]) != f[1] {
		return Verse{}, fmt.Errorf("align: corpus ref %q is not in book %q", f[0], f[1])
	}
	return Verse{Ref: f[0], Book: f[1], Source: f[2], Target: f[3]}, nil
}

// ReadCorpus reads a corpus TSV and calls fn for every verse in order;
// errors name the line. A trailing carriage return is removed.
func ReadCorpus(r io.Reader, fn func(Verse) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			continue
		}
		v, err := ParseVerse(line)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("align: reading corpus: %w", err)
	}
	return nil
}
