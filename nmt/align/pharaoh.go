package align

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// writePharaoh writes one line per pair: its links as "i-j" (source word i,
// target word j, counting from 0) separated by single spaces, sorted; a
// pair without links gives an empty line.
func writePharaoh(w io.Writer, pairs []*Alignment) error {
	bw := bufio.NewWriter(w)
	for _, a := range pairs {
		bw.WriteString(PharaohString(a.Links))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// PharaohString returns links in Pharaoh form, "0-0 1-2 2-1".
func PharaohString(links []Link) string {
	parts := make([]string, len(links))
	for i, l := range links {
		parts[i] = l.String()
	}
	return strings.Join(parts, " ")
}

// ParsePharaoh parses one Pharaoh line: links "i-j" separated by spaces or
// tabs, i and j non-negative decimal integers. An empty line has no links.
// Duplicates are an error; the order is kept.
func ParsePharaoh(line string) ([]Link, error) {
	var links []Link
	seen := map[Link]bool{}
	for _, f := range strings.Fields(line) {
		a, b, ok := strings.Cut(f, "-")
		if !ok {
			return nil, fmt.Errorf("align: pharaoh link %q is not i-j", f)
		}
		i, err1 := parsePharaohIndex(a)
		j, err2 := parsePharaohIndex(b)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("align: pharaoh link %q is not i-j with non-negative integers", f)
		}
		l := Link{Source: i, Target: j}
		if seen[l] {
			return nil, fmt.Errorf("align: pharaoh link %q appears twice", f)
		}
		seen[l] = true
		links = append(links, l)
	}
	return links, nil
}

func parsePharaohIndex(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("bad index %q", s)
	}
	return strconv.Atoi(s)
}

// ReadPharaoh reads a Pharaoh file: one line of links per sentence pair.
func ReadPharaoh(r io.Reader) ([][]Link, error) {
	var out [][]Link
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		links, err := ParsePharaoh(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, links)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("align: reading pharaoh: %w", err)
	}
	return out, nil
}
