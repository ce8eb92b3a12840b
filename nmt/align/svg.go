package align

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
)

// svgFonts is the font list of the svg and html heatmaps; the width
// estimate of estimateWidth fits these faces.
const svgFonts = "'DejaVu Sans', Verdana, 'Noto Sans', Arial, sans-serif"

func svgMeasure(s string) float64 { return estimateWidth(s, heatFont) }

// writeSVG writes one SVG picture holding each pair's heatmap, one below
// the other.
func writeSVG(w io.Writer, pairs []*Alignment, level Level) error {
	layouts, width, height := layoutAll(pairs, level, svgMeasure)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	fmt.Fprintf(bw, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"%s\" font-size=\"%d\">\n",
		num(width), num(height), num(width), num(height), svgFonts, heatFont)
	fmt.Fprintf(bw, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n")
	y := 0.0
	for k, l := range layouts {
		fmt.Fprintf(bw, "<g transform=\"translate(0 %s)\">\n", num(y))
		bw.WriteString(svgHeatmap(l, k))
		bw.WriteString("</g>\n")
		y += l.height
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// layoutAll lays out every pair and returns the size of their stack.
func layoutAll(pairs []*Alignment, level Level, measure func(string) float64) ([]heatLayout, float64, float64) {
	var width, height float64
	layouts := make([]heatLayout, len(pairs))
	for k, a := range pairs {
		layouts[k] = layoutHeatmap(viewOf(a, level), measure)
		width = max(width, layouts[k].width)
		height += layouts[k].height
	}
	return layouts, max(width, 1), max(height, 1)
}

// svgHeatmap returns the SVG elements of one heatmap with its top-left
// corner at the origin. Classes and data attributes let the html page
// find rows (data-t), columns (data-s) and link outlines; cells are in
// row-major order inside the "cells" group.
func svgHeatmap(l heatLayout, pair int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<g class=\"heatmap\" data-pair=\"%d\">\n", pair)
	if l.title != "" {
		fmt.Fprintf(&b, "<text class=\"title\" x=\"%d\" y=\"%d\" font-size=\"%d\" font-weight=\"bold\" fill=\"#222\">%s</text>\n",
			heatMargin, heatMargin+heatTitle+2, heatTitle, esc(l.title))
	}
	b.WriteString("<g class=\"rows\" fill=\"#222\">\n")
	for j, lb := range l.rowLabels {
		fmt.Fprintf(&b, "<text class=\"rl\" data-t=\"%d\" x=\"%s\" y=\"%s\" dominant-baseline=\"central\" %s>%s%s</text>\n",
			j, num(l.left-heatGap), num(l.top+float64(j*heatCell)+heatCell/2), anchor(lb.rtl, "end"), esc(lb.text), tooltip(lb))
	}
	b.WriteString("</g>\n<g class=\"cols\" fill=\"#222\">\n")
	for i, lb := range l.colLabels {
		fmt.Fprintf(&b, "<text class=\"cl\" data-s=\"%d\" transform=\"translate(%s %s) rotate(-90)\" dominant-baseline=\"central\" %s>%s%s</text>\n",
			i, num(l.left+float64(i*heatCell)+heatCell/2), num(l.top-heatGap), anchor(lb.rtl, "start"), esc(lb.text), tooltip(lb))
	}
	b.WriteString("</g>\n<g class=\"cells\" stroke=\"#e6e6e6\" stroke-width=\"0.5\">\n")
	for j := range l.m.Rows {
		for i := range l.m.Cols {
			v := l.m.At(j, i)
			r, g, bl := heatColor(v)
			fmt.Fprintf(&b, "<rect x=\"%s\" y=\"%s\" width=\"%d\" height=\"%d\" fill=\"#%02x%02x%02x\"><title>%s → %s: %.2f</title></rect>\n",
				num(l.left+float64(i*heatCell)), num(l.top+float64(j*heatCell)), heatCell, heatCell, r, g, bl,
				esc(l.colLabels[i].full), esc(l.rowLabels[j].full), v)
		}
	}
	fmt.Fprintf(&b, "</g>\n<g class=\"links\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\">\n", linkColor, num(heatLinkW))
	for _, k := range l.links {
		fmt.Fprintf(&b, "<rect class=\"lk\" data-s=\"%d\" data-t=\"%d\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/>\n",
			k.Source, k.Target, num(l.left+float64(k.Source*heatCell)+heatLinkW/2), num(l.top+float64(k.Target*heatCell)+heatLinkW/2),
			num(heatCell-heatLinkW), num(heatCell-heatLinkW))
	}
	b.WriteString("</g>\n</g>\n")
	return b.String()
}

// anchor returns the text-anchor (and direction) attributes that put the
// visual edge named by ltrAnchor at the anchor point: for right-to-left
// labels "start" and "end" swap sides.
func anchor(rtl bool, ltrAnchor string) string {
	if !rtl {
		return fmt.Sprintf("text-anchor=%q", ltrAnchor)
	}
	swapped := map[string]string{"start": "end", "end": "start"}[ltrAnchor]
	return fmt.Sprintf("direction=\"rtl\" text-anchor=%q", swapped)
}

func tooltip(lb heatLabel) string {
	if lb.text == lb.full {
		return ""
	}
	return "<title>" + esc(lb.full) + "</title>"
}

func esc(s string) string { return html.EscapeString(s) }

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
