package extract

import (
	"fmt"
	"io"
	"strings"
)

// FreedictPairs reads a dictd dictionary (the .index file and the
// uncompressed contents of the .dict.dz) and pairs each headword with its
// senses joined by "; ". The database's own entries (00database...) are
// left out, and so are entries without a headword or senses. An entry's first line repeats the headword with its
// pronunciation; the senses follow, one a line.
func FreedictPairs(index io.Reader, dict []byte) ([]Pair, error) {
	var out []Pair
	err := EachLine(index, func(n int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			return fmt.Errorf("index line %d: %d columns, want headword, offset, length", n, len(f))
		}
		if strings.HasPrefix(f[0], "00database") || strings.HasPrefix(f[0], "00-database") {
			return nil
		}
		off, err1 := dictNumber(f[1])
		length, err2 := dictNumber(f[2])
		if err := firstErr(err1, err2); err != nil {
			return fmt.Errorf("index line %d: %w", n, err)
		}
		if off+length > uint64(len(dict)) {
			return fmt.Errorf("index line %d: entry [%d, %d) is past the end of the %d-byte dictionary", n, off, off+length, len(dict))
		}
		lines := strings.Split(strings.TrimSpace(string(dict[off:off+length])), "\n")
		var senses []string
		for _, l := range lines[1:] {
			if l = strings.TrimSpace(l); l != "" {
				senses = append(senses, l)
			}
		}
		if len(senses) > 0 && strings.TrimSpace(f[0]) != "" {
			out = append(out, Pair{En: f[0], Es: strings.Join(senses, "; ")})
		}
		return nil
	})
	return out, err
}

const dictDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// dictNumber decodes dictd's base-64 numbers ("B" is 1, "BA" is 64).
func dictNumber(s string) (uint64, error) {
	if s == "" || len(s) > 10 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	var n uint64
	for _, c := range s {
		d := strings.IndexRune(dictDigits, c)
		if d < 0 {
			return 0, fmt.Errorf("bad number %q", s)
		}
		n = n*64 + uint64(d)
	}
	return n, nil
}
