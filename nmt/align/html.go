package align

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"strings"
)

//go:embed assets/align.css
var htmlCSS string

//go:embed assets/align.js
var htmlJS string

// writeHTML writes one self-contained page (inline style and script, no
// network): for each pair, both sentences with a line between linked words,
// then the word-level heatmap. Hovering a word (or a heatmap label)
// highlights it, the words it is linked to, their lines and their
// heatmap cells; hovering a cell highlights its two words.
func writeHTML(w io.Writer, pairs []*Alignment, opt ExportOptions) error {
	title := opt.Title
	if title == "" {
		title = "Alignments"
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"und\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(bw, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(bw, "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>%s</h1>\n", esc(title), htmlCSS, esc(title))
	fmt.Fprintf(bw, "<p class=\"legend\">Hover a word to see its links. Heatmap rows: target words; columns: source words; outlined cells: hard links.</p>\n")
	for k, a := range pairs {
		writeHTMLPair(bw, k, a)
	}
	fmt.Fprintf(bw, "<script>\n%s</script>\n</body>\n</html>\n", htmlJS)
	return bw.Flush()
}

func writeHTMLPair(bw *bufio.Writer, k int, a *Alignment) {
	fmt.Fprintf(bw, "<section class=\"pair\" id=\"pair-%d\" data-pair=\"%d\" data-links=\"%s\">\n", k, k, PharaohString(a.Links))
	heading := a.ID
	if a.Method != "" {
		if heading != "" {
			heading += " · "
		}
		heading += a.Method
	}
	if heading == "" {
		heading = fmt.Sprintf("Pair %d", k+1)
	}
	fmt.Fprintf(bw, "<h2>%s</h2>\n<div class=\"bitext\"><div class=\"inner\">\n", esc(heading))
	srcLinked, tgtLinked := make([]bool, len(a.Source.Words)), make([]bool, len(a.Target.Words))
	for _, l := range a.Links {
		srcLinked[l.Source], tgtLinked[l.Target] = true, true
	}
	bw.WriteString(sentenceHTML("src", "s", a.Source, srcLinked))
	bw.WriteString("<svg class=\"lines\" aria-hidden=\"true\"></svg>\n")
	bw.WriteString(sentenceHTML("tgt", "t", a.Target, tgtLinked))
	bw.WriteString("</div></div>\n")
	v := viewOf(a, WordLevel)
	v.id, v.method = "", "" // the section heading already says it
	l := layoutHeatmap(v, svgMeasure)
	fmt.Fprintf(bw, "<div class=\"heat\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"%s\" font-size=\"%d\">\n",
		num(l.width), num(l.height), num(l.width), num(l.height), svgFonts, heatFont)
	bw.WriteString(svgHeatmap(l, k))
	bw.WriteString("</svg></div>\n</section>\n")
}

// sentenceHTML writes a text with each word in a span; the characters
// between words are kept as they are.
func sentenceHTML(class, side string, t Text, linked []bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<p class=\"sent %s\" dir=\"auto\">", class)
	prev := 0
	for i, w := range t.Words {
		b.WriteString(esc(t.Text[prev:w.Start]))
		cls := "w"
		if !linked[i] {
			cls += " nolink"
		}
		fmt.Fprintf(&b, "<span class=\"%s\" data-side=\"%s\" data-i=\"%d\">%s</span>", cls, side, i, esc(w.Text))
		prev = w.End
	}
	b.WriteString(esc(t.Text[prev:]))
	b.WriteString("</p>\n")
	return b.String()
}
