package align

import (
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// dejaVuSans is DejaVu Sans (Bitstream Vera licence, fonts/LICENSE): it
// covers Latin with every accent, Greek, Cyrillic, Armenian, Georgian,
// Hebrew and Arabic, so labels in those scripts draw as text. Characters
// it lacks (Han, kana, Hangul, emoji) draw as its empty box.
//
//go:embed fonts/DejaVuSans.ttf
var dejaVuSans []byte

var parsedFont = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(dejaVuSans) })

// maxPNGPixels bounds one png export (about 200 MB of RGBA).
const maxPNGPixels = 50_000_000

func newFace(size float64) (font.Face, error) {
	f, err := parsedFont()
	if err != nil {
		return nil, fmt.Errorf("align: png font: %w", err)
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// pngText is a label as the png exporter draws it: composed (NFC) and, for
// right-to-left labels, in visual order (character clusters reversed; no
// Arabic joining, so Arabic letters show in their isolated forms).
func pngText(s string, rtl bool) string {
	s = norm.NFC.String(s)
	if !rtl {
		return s
	}
	var clusters []string
	for _, r := range s {
		if len(clusters) > 0 && (unicode.Is(unicode.M, r) || r == zwj || r == zwnj) {
			clusters[len(clusters)-1] += string(r)
			continue
		}
		clusters = append(clusters, string(r))
	}
	out := ""
	for i := len(clusters) - 1; i >= 0; i-- {
		out += clusters[i]
	}
	return out
}

// writePNG draws the same heatmaps as writeSVG, one below the other.
func writePNG(w io.Writer, pairs []*Alignment, level Level) error {
	face, err := newFace(heatFont)
	if err != nil {
		return err
	}
	defer face.Close()
	titleFace, err := newFace(heatTitle)
	if err != nil {
		return err
	}
	defer titleFace.Close()
	layouts, width, height := layoutAll(pairs, level, pngMeasure(face))
	W, H := int(math.Ceil(width)), int(math.Ceil(height))
	if W*H > maxPNGPixels {
		return fmt.Errorf("align: png of %d×%d pixels is too large for one picture; export fewer pairs at a time", W, H)
	}
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	y := 0.0
	for _, l := range layouts {
		p := pngPainter{img: img, face: face, dy: int(y)}
		p.heatmap(l, titleFace)
		y += l.height
	}
	return (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(w, img)
}

type pngPainter struct {
	img  *image.RGBA
	face font.Face
	dy   int // vertical offset of this heatmap
}

var (
	inkColor  = color.RGBA{0x22, 0x22, 0x22, 0xff}
	gridColor = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
	linkRGBA  = color.RGBA{0xe4, 0x57, 0x2e, 0xff}
)

func (p pngPainter) heatmap(l heatLayout, titleFace font.Face) {
	if l.title != "" {
		mask := textMask(titleFace, pngText(l.title, false))
		p.blit(mask, heatMargin, p.dy+heatMargin+heatTitle+2-mask.baseline, false, inkColor)
	}
	left, top := int(l.left), p.dy+int(l.top)
	for j, lb := range l.rowLabels {
		mask := textMask(p.face, pngText(lb.text, lb.rtl))
		x := left - heatGap - mask.Bounds().Dx()
		cy := top + j*heatCell + heatCell/2
		p.blit(mask, x, cy-mask.Bounds().Dy()/2, false, inkColor)
	}
	for i, lb := range l.colLabels {
		mask := textMask(p.face, pngText(lb.text, lb.rtl))
		cx := left + i*heatCell + heatCell/2
		p.blit(mask, cx-mask.Bounds().Dy()/2, top-heatGap, true, inkColor)
	}
	for j := range l.m.Rows {
		for i := range l.m.Cols {
			r, g, b := heatColor(l.m.At(j, i))
			x0, y0 := left+i*heatCell, top+j*heatCell
			fill(p.img, image.Rect(x0, y0, x0+heatCell, y0+heatCell), color.RGBA{r, g, b, 0xff})
			outline(p.img, image.Rect(x0, y0, x0+heatCell+1, y0+heatCell+1), 1, gridColor)
		}
	}
	for _, k := range l.links {
		x0, y0 := left+k.Source*heatCell, top+k.Target*heatCell
		outline(p.img, image.Rect(x0, y0, x0+heatCell, y0+heatCell), 2, linkRGBA)
	}
}

// labelMask is a label rendered into an alpha mask, origin at its top-left;
// baseline is the y of the text baseline inside the mask.
type labelMask struct {
	*image.Alpha
	baseline int
}

func textMask(face font.Face, s string) labelMask {
	m := face.Metrics()
	ascent, descent := m.Ascent.Ceil(), m.Descent.Ceil()
	width := font.MeasureString(face, s).Ceil()
	mask := image.NewAlpha(image.Rect(0, 0, max(width, 1), ascent+descent))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.P(0, ascent)}
	d.DrawString(s)
	return labelMask{Alpha: mask, baseline: ascent}
}

// blit composites mask in colour c with its top-left corner at (x, y); when
// rotated, the mask is turned a quarter turn counter-clockwise so the text
// reads upwards with its start at (·, y).
func (p pngPainter) blit(mask labelMask, x, y int, rotated bool, c color.RGBA) {
	b := mask.Bounds()
	for my := b.Min.Y; my < b.Max.Y; my++ {
		for mx := b.Min.X; mx < b.Max.X; mx++ {
			a := mask.AlphaAt(mx, my).A
			if a == 0 {
				continue
			}
			px, py := x+mx, y+my
			if rotated {
				px, py = x+my, y-mx
			}
			if !(image.Point{px, py}.In(p.img.Bounds())) {
				continue
			}
			blend(p.img, px, py, c, a)
		}
	}
}

func blend(img *image.RGBA, x, y int, c color.RGBA, a uint8) {
	dst := img.RGBAAt(x, y)
	mix := func(d, s uint8) uint8 { return uint8((uint32(d)*uint32(255-a) + uint32(s)*uint32(a) + 127) / 255) }
	img.SetRGBA(x, y, color.RGBA{mix(dst.R, c.R), mix(dst.G, c.G), mix(dst.B, c.B), 0xff})
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// outline draws a border of width w just inside r.
func outline(img *image.RGBA, r image.Rectangle, w int, c color.RGBA) {
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), c)
	fill(img, image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y), c)
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), c)
	fill(img, image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y), c)
}

func fixedToFloat(x fixed.Int26_6) float64 { return float64(x) / 64 }

// pngMeasure returns the label width function of the png layout.
func pngMeasure(face font.Face) func(string) float64 {
	return func(s string) float64 { return fixedToFloat(font.MeasureString(face, pngText(s, false))) }
}
