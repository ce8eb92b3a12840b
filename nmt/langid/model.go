package langid

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// formatVersion is the first line's number in a model file; a change of
// layout changes it.
const formatVersion = 1

// maxAlpha bounds the smoothing: far more than any count would drown the
// counts, and near the float64 limit the smoothed totals overflow.
const maxAlpha = 1e6

// Model is the content of a model file: for every kept n-gram, how often
// each language's training text holds it.
//
// The file is tab-separated text, one record a line, lines starting with
// "#" ignored:
//
//	langid	1
//	languages	en	es
//	orders	5
//	alpha	0.5
//	temperature	6.25
//	ngrams	2
//	 de 	12	40711
//	 the 	48102	9
//
// after which come exactly `ngrams` lines: the n-gram (spaces mark word
// edges, so " de " is the whole word "de") and one count per language, in
// the order of the languages line.
type Model struct {
	// Languages are the language codes (ISO 639-1, or 639-3 where there is
	// none), one per count column.
	Languages []string
	// MaxOrder is the longest n-gram, in characters; n-grams of 1 to
	// MaxOrder characters are counted.
	MaxOrder int
	// Alpha is the Lidstone smoothing added to every count: P(g | L) =
	// (count(g, L) + Alpha) / (Σ count(·, L) + Alpha·|ngrams|).
	Alpha float64
	// Temperature divides the log-likelihoods before they are turned into
	// confidences (fitted on held-out lines; 1 is plain naive Bayes).
	Temperature float64
	// NGrams are the features, sorted; Counts[i][j] is how often NGrams[i]
	// occurs in the text of Languages[j].
	NGrams []string
	Counts [][]int64
}

// Validate returns nil if m can be used, else one sentence naming the
// first thing wrong with it.
func (m *Model) Validate() error {
	if len(m.Languages) == 0 {
		return fmt.Errorf("langid: the model has no languages")
	}
	seen := make(map[string]bool, len(m.Languages))
	for _, l := range m.Languages {
		if !validCode(l) {
			return fmt.Errorf("langid: language code %q is not 2 or 3 lowercase ASCII letters", l)
		}
		if seen[l] {
			return fmt.Errorf("langid: language %q is listed twice", l)
		}
		seen[l] = true
	}
	switch {
	case m.MaxOrder < 1 || m.MaxOrder > 8:
		return fmt.Errorf("langid: orders %d is outside 1 to 8", m.MaxOrder)
	case !(m.Alpha > 0 && m.Alpha <= maxAlpha):
		return fmt.Errorf("langid: alpha %v is outside (0, %g]", m.Alpha, maxAlpha)
	case !(m.Temperature > 0) || math.IsInf(m.Temperature, 0):
		return fmt.Errorf("langid: temperature %v is not a positive number", m.Temperature)
	case len(m.Counts) != len(m.NGrams):
		return fmt.Errorf("langid: %d n-grams but %d rows of counts", len(m.NGrams), len(m.Counts))
	}
	for i, g := range m.NGrams {
		if err := m.checkNGram(i, g); err != nil {
			return err
		}
	}
	return nil
}

func (m *Model) checkNGram(i int, g string) error {
	switch n := utf8.RuneCountInString(g); {
	case !utf8.ValidString(g) || strings.ContainsAny(g, "\t\n\r"):
		return fmt.Errorf("langid: n-gram %d (%q) is not valid UTF-8 without tabs and newlines", i+1, g)
	case n < 1 || n > m.MaxOrder:
		return fmt.Errorf("langid: n-gram %q has %d characters, want 1 to %d", g, n, m.MaxOrder)
	case i > 0 && m.NGrams[i-1] >= g:
		return fmt.Errorf("langid: n-gram %q is not sorted after %q (or repeats it)", g, m.NGrams[i-1])
	case len(m.Counts[i]) != len(m.Languages):
		return fmt.Errorf("langid: n-gram %q has %d counts, want one per language (%d)", g, len(m.Counts[i]), len(m.Languages))
	}
	for j, c := range m.Counts[i] {
		if c < 0 {
			return fmt.Errorf("langid: n-gram %q has a negative count for %s", g, m.Languages[j])
		}
	}
	return nil
}

func validCode(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// WriteTo writes m in the model file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	if err := m.Validate(); err != nil {
		return 0, err
	}
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	fmt.Fprintf(bw, "# character n-gram profiles of nmt/langid; rebuild with go run ./cmd/langid train (docs/langid.md)\n")
	fmt.Fprintf(bw, "langid\t%d\nlanguages\t%s\norders\t%d\n", formatVersion, strings.Join(m.Languages, "\t"), m.MaxOrder)
	fmt.Fprintf(bw, "alpha\t%s\ntemperature\t%s\nngrams\t%d\n", formatFloat(m.Alpha), formatFloat(m.Temperature), len(m.NGrams))
	for i, g := range m.NGrams {
		bw.WriteString(g)
		for _, c := range m.Counts[i] {
			bw.WriteByte('\t')
			bw.WriteString(strconv.FormatInt(c, 10))
		}
		bw.WriteByte('\n')
	}
	err := bw.Flush()
	return cw.n, err
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ParseModel reads a model file (see Model) and validates it.
func ParseModel(data []byte) (*Model, error) {
	lines := bytes.Split(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // the newline ends the last line
	}
	p := modelParser{lines: lines}
	m := &Model{}
	if v, err := p.header("langid", 1); err != nil {
		return nil, err
	} else if v[0] != strconv.Itoa(formatVersion) {
		return nil, fmt.Errorf("langid: model format %q, want %d", v[0], formatVersion)
	}
	langs, err := p.header("languages", -1)
	if err != nil {
		return nil, err
	}
	m.Languages = langs
	if m.MaxOrder, err = p.intHeader("orders"); err != nil {
		return nil, err
	}
	if m.Alpha, err = p.floatHeader("alpha"); err != nil {
		return nil, err
	}
	if m.Temperature, err = p.floatHeader("temperature"); err != nil {
		return nil, err
	}
	n, err := p.intHeader("ngrams")
	if err != nil {
		return nil, err
	}
	if err := p.ngrams(m, n); err != nil {
		return nil, err
	}
	return m, m.Validate()
}

// modelParser walks the lines of a model file, skipping comments.
type modelParser struct {
	lines [][]byte
	next  int // index of the next line to read
}

// line returns the next line that is not a comment, with its number.
func (p *modelParser) line() (string, int, bool) {
	for p.next < len(p.lines) {
		l := strings.TrimSuffix(string(p.lines[p.next]), "\r")
		p.next++
		if !strings.HasPrefix(l, "#") {
			return l, p.next, true
		}
	}
	return "", p.next, false
}

// header reads the line "key<TAB>values…"; want is the number of values,
// or -1 for one or more.
func (p *modelParser) header(key string, want int) ([]string, error) {
	l, n, ok := p.line()
	if !ok {
		return nil, fmt.Errorf("langid: model ends before its %q line", key)
	}
	f := strings.Split(l, "\t")
	if f[0] != key {
		return nil, fmt.Errorf("langid: model line %d starts with %q, want %q", n, f[0], key)
	}
	if want >= 0 && len(f)-1 != want || len(f) < 2 {
		return nil, fmt.Errorf("langid: model line %d (%s) has %d values, want %d", n, key, len(f)-1, max(want, 1))
	}
	return f[1:], nil
}

func (p *modelParser) intHeader(key string) (int, error) {
	v, err := p.header(key, 1)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("langid: model %s %q is not a count", key, v[0])
	}
	return n, nil
}

func (p *modelParser) floatHeader(key string) (float64, error) {
	v, err := p.header(key, 1)
	if err != nil {
		return 0, err
	}
	x, err := strconv.ParseFloat(v[0], 64)
	if err != nil {
		return 0, fmt.Errorf("langid: model %s %q is not a number", key, v[0])
	}
	return x, nil
}

// ngrams reads the n n-gram lines and checks that nothing but blank lines
// follows them.
func (p *modelParser) ngrams(m *Model, n int) error {
	if n > len(p.lines) {
		return fmt.Errorf("langid: model announces %d n-grams but has %d lines", n, len(p.lines))
	}
	m.NGrams = make([]string, 0, n)
	m.Counts = make([][]int64, 0, n)
	for range n {
		l, num, ok := p.line()
		if !ok {
			return fmt.Errorf("langid: model ends after %d of its %d n-grams", len(m.NGrams), n)
		}
		f := strings.Split(l, "\t")
		if len(f) != len(m.Languages)+1 {
			return fmt.Errorf("langid: model line %d has %d fields, want an n-gram and %d counts", num, len(f), len(m.Languages))
		}
		counts := make([]int64, len(m.Languages))
		for j, s := range f[1:] {
			c, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("langid: model line %d: count %q is not an integer", num, s)
			}
			counts[j] = c
		}
		m.NGrams = append(m.NGrams, f[0])
		m.Counts = append(m.Counts, counts)
	}
	for {
		l, num, ok := p.line()
		if !ok {
			return nil
		}
		if l != "" {
			return fmt.Errorf("langid: model line %d follows the last n-gram", num)
		}
	}
}
