package align

import (
	"strings"
	"unicode"
)

// Heatmap geometry, in pixels, shared by the svg, png and html formats.
// At these sizes a 60×60 word matrix is about 1,000 pixels square plus
// its labels, and every label stays legible.
const (
	heatCell     = 16  // side of one cell
	heatFont     = 12  // label font size
	heatTitle    = 13  // title font size
	heatMargin   = 8   // outer margin
	heatGap      = 6   // between labels and cells
	heatTitleH   = 22  // height of the title line
	heatMaxLabel = 24  // labels longer than this many characters are cut with "…"
	heatMinLabel = 24  // minimum label area, so tiny matrices still have room
	heatLinkW    = 1.5 // stroke width of a hard link's outline
)

// heatLayout places one heatmap: row labels (target) on the left, column
// labels (source) rotated above the matrix, reading upwards.
type heatLayout struct {
	view
	rowLabels, colLabels []heatLabel
	title                string
	labelW               float64 // width of the row label area
	labelH               float64 // height of the column label area
	left, top            float64 // top-left corner of the matrix
	width, height        float64
}

// heatLabel is a label as drawn: possibly shortened, with its full text
// for tooltips and its direction.
type heatLabel struct {
	text, full string
	rtl        bool
}

// layoutHeatmap computes the geometry of v with measure giving the width of
// a label in pixels at heatFont.
func layoutHeatmap(v view, measure func(string) float64) heatLayout {
	l := heatLayout{view: v, rowLabels: labels(v.rows), colLabels: labels(v.cols)}
	l.title = v.id
	if v.method != "" {
		if l.title != "" {
			l.title += " · "
		}
		l.title += v.method
	}
	l.labelW, l.labelH = heatMinLabel, heatMinLabel
	for _, lb := range l.rowLabels {
		l.labelW = max(l.labelW, measure(lb.text))
	}
	for _, lb := range l.colLabels {
		l.labelH = max(l.labelH, measure(lb.text))
	}
	titleH := 0.0
	if l.title != "" {
		titleH = heatTitleH
	}
	l.left = heatMargin + l.labelW + heatGap
	l.top = heatMargin + titleH + l.labelH + heatGap
	l.width = max(l.left+float64(v.m.Cols*heatCell)+heatMargin, heatMargin*2+measure(l.title)*float64(heatTitle)/heatFont)
	l.height = l.top + float64(v.m.Rows*heatCell) + heatMargin
	return l
}

func labels(texts []string) []heatLabel {
	out := make([]heatLabel, len(texts))
	for i, t := range texts {
		full := displayText(t)
		out[i] = heatLabel{text: shorten(full, heatMaxLabel), full: full, rtl: isRTL(full)}
	}
	return out
}

// displayText makes a label drawable: invalid UTF-8 becomes U+FFFD and
// control characters their visible Control Pictures (U+2400...).
func displayText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20:
			return 0x2400 + r
		case r == 0x7f:
			return 0x2421
		case r >= 0x80 && r < 0xa0:
			return '\uFFFD'
		}
		return r
	}, s)
}

// shorten cuts s to at most n characters (combining marks not counted),
// ending in "…" when cut; marks stay with their base character.
func shorten(s string, n int) string {
	bases, cut := 0, 0
	for i, r := range s {
		if unicode.Is(unicode.M, r) {
			continue
		}
		if bases == n-1 {
			cut = i // where the n-th character starts
		}
		bases++
	}
	if bases <= n {
		return s
	}
	return s[:cut] + "…"
}

// isRTL reports whether the first strongly directional character of s is
// right-to-left (Hebrew, Arabic, Syriac, Thaana, N'Ko and neighbours).
func isRTL(s string) bool {
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Hebrew, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko,
			unicode.Samaritan, unicode.Mandaic, unicode.Adlam, unicode.Hanifi_Rohingya, unicode.Yezidi):
			if unicode.IsLetter(r) {
				return true
			}
		case unicode.IsLetter(r):
			return false
		}
	}
	return false
}

// estimateWidth approximates the width of s in pixels at size px in a
// sans-serif font: 0.62 em per character, 1 em for wide East Asian ones,
// nothing for combining marks and joiners.
func estimateWidth(s string, px float64) float64 {
	var em float64
	for _, r := range s {
		switch {
		case unicode.Is(unicode.M, r) || r == zwj || r == zwnj || unicode.Is(unicode.Variation_Selector, r):
		case isWide(r):
			em += 1
		default:
			em += 0.62
		}
	}
	return em * px
}

func isWide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xff60) || (r >= 0x1f300 && r <= 0x1faff)
}

// heatColor maps a weight in [0,1] linearly onto a white → blue ramp.
func heatColor(v float32) (r, g, b uint8) {
	stops := [...][3]float64{{255, 255, 255}, {122, 164, 214}, {18, 52, 120}}
	x := float64(min(max(v, 0), 1)) * float64(len(stops)-1)
	i := min(int(x), len(stops)-2)
	f := x - float64(i)
	mix := func(a, b float64) uint8 { return uint8(a + (b-a)*f + 0.5) }
	return mix(stops[i][0], stops[i+1][0]), mix(stops[i][1], stops[i+1][1]), mix(stops[i][2], stops[i+1][2])
}

// linkColor outlines the cells of hard links.
const linkColor = "#e4572e"
