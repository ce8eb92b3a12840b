package align

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// JSONFormatName and JSONVersion identify the JSON export schema; a reader
// accepts documents of this name and version (fields added later within a
// version are ignored by older readers).
const (
	JSONFormatName = "translated-alignment"
	JSONVersion    = 1
)

type jsonDoc struct {
	Format  string     `json:"format"`
	Version int        `json:"version"`
	Pairs   []jsonPair `json:"pairs"`
}

type jsonText struct {
	Text   string  `json:"text"`
	Tokens []Token `json:"tokens"`
	Words  []Word  `json:"words"`
}

type jsonScores struct {
	Total  float64   `json:"total"`
	Tokens []float32 `json:"tokens"`
}

type jsonPair struct {
	ID            string      `json:"id"`
	Method        string      `json:"method"`
	Source        jsonText    `json:"source"`
	Target        jsonText    `json:"target"`
	Links         [][]int     `json:"links"`
	WordMatrix    [][]float32 `json:"word_matrix"`
	SubwordMatrix [][]float32 `json:"subword_matrix"`
	SourceEOS     []float32   `json:"source_eos"`
	Scores        *jsonScores `json:"scores"`
}

// writeJSON writes one document. The layout is fixed (two-space indent,
// one token, word, link list or matrix row per line) so that files diff
// well; numbers are the shortest decimal that reads back to the same
// float32.
func writeJSON(w io.Writer, pairs []*Alignment) error {
	bw := bufio.NewWriter(w)
	jw := &jsonWriter{w: bw}
	jw.printf("{\n  \"format\": %q,\n  \"version\": %d,\n  \"pairs\": [", JSONFormatName, JSONVersion)
	for k, a := range pairs {
		if k > 0 {
			jw.printf(",")
		}
		jw.printf("\n    {\n")
		jw.field(6, "id", a.ID, true)
		jw.field(6, "method", a.Method, true)
		jw.text(6, "source", &a.Source)
		jw.text(6, "target", &a.Target)
		links := make([][2]int, len(a.Links))
		for i, l := range a.Links {
			links[i] = [2]int{l.Source, l.Target}
		}
		jw.field(6, "links", links, true)
		jw.matrix(6, "word_matrix", &a.Word)
		jw.matrix(6, "subword_matrix", a.Subword)
		jw.field(6, "source_eos", a.SourceEOS, true)
		var scores *jsonScores
		if a.TokenLogProbs != nil || a.Score != 0 {
			scores = &jsonScores{Total: a.Score, Tokens: a.TokenLogProbs}
		}
		jw.field(6, "scores", scores, false)
		jw.printf("    }")
	}
	if len(pairs) > 0 {
		jw.printf("\n  ")
	}
	jw.printf("]\n}\n")
	if jw.err != nil {
		return jw.err
	}
	return bw.Flush()
}

type jsonWriter struct {
	w   io.Writer
	err error
}

func (jw *jsonWriter) printf(format string, args ...any) {
	if jw.err == nil {
		_, jw.err = fmt.Fprintf(jw.w, format, args...)
	}
}

func (jw *jsonWriter) raw(v any) string {
	b, err := json.Marshal(v)
	if err != nil && jw.err == nil {
		jw.err = fmt.Errorf("align: json: %w", err)
	}
	return string(b)
}

func (jw *jsonWriter) field(indent int, name string, v any, comma bool) {
	jw.printf("%*s%q: %s%s\n", indent, "", name, jw.raw(v), commaIf(comma))
}

func commaIf(b bool) string {
	if b {
		return ","
	}
	return ""
}

// list writes a JSON array with one element per line.
func (jw *jsonWriter) list(indent int, n int, elem func(i int) any) {
	if n == 0 {
		jw.printf("[]")
		return
	}
	jw.printf("[\n")
	for i := range n {
		jw.printf("%*s%s%s\n", indent+2, "", jw.raw(elem(i)), commaIf(i < n-1))
	}
	jw.printf("%*s]", indent, "")
}

func (jw *jsonWriter) text(indent int, name string, t *Text) {
	jw.printf("%*s%q: {\n", indent, "", name)
	jw.printf("%*s\"text\": %s,\n", indent+2, "", jw.raw(t.Text))
	jw.printf("%*s\"tokens\": ", indent+2, "")
	jw.list(indent+2, len(t.Tokens), func(i int) any { return t.Tokens[i] })
	jw.printf(",\n%*s\"words\": ", indent+2, "")
	jw.list(indent+2, len(t.Words), func(i int) any { return t.Words[i] })
	jw.printf("\n%*s},\n", indent, "")
}

func (jw *jsonWriter) matrix(indent int, name string, m *Matrix) {
	jw.printf("%*s%q: ", indent, "", name)
	if m == nil {
		jw.printf("null,\n")
		return
	}
	jw.list(indent, m.Rows, func(r int) any { return m.Row(r) })
	jw.printf(",\n")
}

// ReadJSON reads a document written by the json format and returns its
// pairs, each validated.
func ReadJSON(r io.Reader) ([]*Alignment, error) {
	var doc jsonDoc
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("align: json: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("align: json: data after the document")
	}
	if doc.Format != JSONFormatName || doc.Version != JSONVersion {
		return nil, fmt.Errorf("align: json: format %q version %d, want %q version %d", doc.Format, doc.Version, JSONFormatName, JSONVersion)
	}
	out := make([]*Alignment, len(doc.Pairs))
	for k, p := range doc.Pairs {
		a, err := p.alignment()
		if err != nil {
			return nil, fmt.Errorf("align: json: pair %d: %w", k, err)
		}
		out[k] = a
	}
	return out, nil
}

func (p *jsonPair) alignment() (*Alignment, error) {
	a := &Alignment{
		ID:     p.ID,
		Method: p.Method,
		Source: Text{Text: p.Source.Text, Tokens: orEmpty(p.Source.Tokens), Words: orEmpty(p.Source.Words)},
		Target: Text{Text: p.Target.Text, Tokens: orEmpty(p.Target.Tokens), Words: orEmpty(p.Target.Words)},
	}
	var err error
	if a.Word, err = matrixOf(p.WordMatrix, len(a.Target.Words), len(a.Source.Words)); err != nil {
		return nil, fmt.Errorf("word_matrix: %w", err)
	}
	if p.SubwordMatrix != nil {
		m, err := matrixOf(p.SubwordMatrix, len(a.Target.Tokens), len(a.Source.Tokens))
		if err != nil {
			return nil, fmt.Errorf("subword_matrix: %w", err)
		}
		a.Subword = &m
		a.SourceEOS = p.SourceEOS
	} else if p.SourceEOS != nil {
		return nil, fmt.Errorf("source_eos without subword_matrix")
	}
	for i, l := range p.Links {
		if len(l) != 2 {
			return nil, fmt.Errorf("link %d has %d numbers, want 2", i, len(l))
		}
		a.Links = append(a.Links, Link{Source: l[0], Target: l[1]})
	}
	if p.Scores != nil {
		a.Score, a.TokenLogProbs = p.Scores.Total, p.Scores.Tokens
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := checkCharSpans(&a.Source, "source"); err != nil {
		return nil, err
	}
	if err := checkCharSpans(&a.Target, "target"); err != nil {
		return nil, err
	}
	return a, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func matrixOf(rows [][]float32, nRows, nCols int) (Matrix, error) {
	if len(rows) != nRows {
		return Matrix{}, fmt.Errorf("%d rows, want %d", len(rows), nRows)
	}
	m := NewMatrix(nRows, nCols)
	for r, row := range rows {
		if len(row) != nCols {
			return Matrix{}, fmt.Errorf("row %d has %d values, want %d", r, len(row), nCols)
		}
		copy(m.Row(r), row)
	}
	return m, nil
}

// checkCharSpans checks that the character spans agree with the byte spans.
func checkCharSpans(t *Text, side string) error {
	offs := charOffsets(t.Text)
	ok := func(cs, ce, bs, be int) bool {
		return cs >= 0 && ce >= cs && ce < len(offs) && offs[cs] == bs && offs[ce] == be
	}
	for i, w := range t.Words {
		if !ok(w.CharStart, w.CharEnd, w.Start, w.End) {
			return fmt.Errorf("%s word %d: character span [%d,%d) does not match bytes [%d,%d)", side, i, w.CharStart, w.CharEnd, w.Start, w.End)
		}
	}
	for i, tok := range t.Tokens {
		if tok.CharStart != charIndex(offs, tok.Start) || tok.CharEnd != charIndexCeil(offs, tok.End) {
			return fmt.Errorf("%s token %d: character span [%d,%d) does not match bytes [%d,%d)", side, i, tok.CharStart, tok.CharEnd, tok.Start, tok.End)
		}
	}
	return nil
}
