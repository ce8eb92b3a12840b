package align

import (
	"fmt"
	"io"
	"strings"
)

// Format is an export format.
type Format string

// The export formats; docs/alignment.md describes each.
const (
	FormatJSON    Format = "json"    // every field, schema "translated-alignment" version 1
	FormatPharaoh Format = "pharaoh" // one line of "i-j" links per pair
	FormatCSV     Format = "csv"     // the matrix with labelled rows and columns
	FormatTSV     Format = "tsv"     // the same, tab-separated
	FormatSVG     Format = "svg"     // heatmap picture
	FormatPNG     Format = "png"     // the same heatmap as a bitmap
	FormatHTML    Format = "html"    // self-contained page: linked sentences and heatmaps, with hover
)

// Formats lists every export format.
func Formats() []Format {
	return []Format{FormatJSON, FormatPharaoh, FormatCSV, FormatTSV, FormatSVG, FormatPNG, FormatHTML}
}

// ParseFormat parses a format name (as listed by Formats, any case).
func ParseFormat(name string) (Format, error) {
	for _, f := range Formats() {
		if strings.EqualFold(name, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("align: unknown format %q (want %s)", name, formatList())
}

func formatList() string {
	var names []string
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// Level is which matrix the tabular and picture formats show.
type Level uint8

const (
	// WordLevel shows the word matrix and hard links (the default).
	WordLevel Level = iota
	// SubwordLevel shows the subword matrix; pairs without one (word-level
	// aligners) fall back to the word matrix.
	SubwordLevel
)

// ParseLevel parses "word" or "subword".
func ParseLevel(name string) (Level, error) {
	switch name {
	case "word":
		return WordLevel, nil
	case "subword":
		return SubwordLevel, nil
	}
	return 0, fmt.Errorf("align: unknown level %q (want word or subword)", name)
}

func (l Level) String() string {
	if l == SubwordLevel {
		return "subword"
	}
	return "word"
}

// ExportOptions tune Write. The zero value is the default.
type ExportOptions struct {
	// Level picks the matrix of csv, tsv, svg and png (WordLevel by
	// default). JSON always holds both, Pharaoh and HTML are word level.
	Level Level
	// Title heads the HTML page ("Alignments" when empty).
	Title string
}

// Write exports pairs in format f. Every alignment is validated first; an
// invalid one is an error and nothing is written.
func Write(w io.Writer, f Format, pairs []*Alignment, opt ExportOptions) error {
	for k, a := range pairs {
		if a == nil {
			return fmt.Errorf("align: pair %d is nil", k)
		}
		if err := a.Validate(); err != nil {
			return fmt.Errorf("pair %d: %w", k, err)
		}
	}
	switch f {
	case FormatJSON:
		return writeJSON(w, pairs)
	case FormatPharaoh:
		return writePharaoh(w, pairs)
	case FormatCSV:
		return writeTable(w, pairs, ',', opt.Level)
	case FormatTSV:
		return writeTable(w, pairs, '\t', opt.Level)
	case FormatSVG:
		return writeSVG(w, pairs, opt.Level)
	case FormatPNG:
		return writePNG(w, pairs, opt.Level)
	case FormatHTML:
		return writeHTML(w, pairs, opt)
	}
	return fmt.Errorf("align: unknown format %q (want %s)", f, formatList())
}

// Extension returns the usual file name extension of f, with its dot.
func (f Format) Extension() string {
	if f == FormatPharaoh {
		return ".align"
	}
	return "." + string(f)
}

// view is what the matrix formats draw for one pair: labels of both axes,
// the matrix and, at word level, the hard links.
type view struct {
	id, method string
	rows, cols []string // target labels, source labels
	m          Matrix
	links      []Link // Source indexes cols, Target rows
}

func viewOf(a *Alignment, level Level) view {
	v := view{id: a.ID, method: a.Method}
	if level == SubwordLevel && a.Subword != nil {
		v.rows, v.cols, v.m = pieces(a.Target.Tokens), pieces(a.Source.Tokens), *a.Subword
		return v
	}
	v.rows, v.cols, v.m, v.links = wordStrings(a.Target.Words), wordStrings(a.Source.Words), a.Word, a.Links
	return v
}

func pieces(toks []Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Piece
	}
	return out
}

func wordStrings(words []Word) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w.Text
	}
	return out
}
