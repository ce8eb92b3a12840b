package gateway

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHTMLPieces checks which text of an HTML text is translated and how
// the translations are put back, with a "translator" that brackets each
// piece.
func TestHTMLPieces(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		pieces   []string
		out      string
	}{
		{"paragraph", `<p class="x">Hello <b>world</b>!</p>`, []string{"Hello", "world"},
			`<p class="x">[Hello] <b>[world]</b>!</p>`},
		{"white space kept", "<ul>\n  <li> Café, cafe\u0301 </li>\n</ul>", []string{"Café, cafe\u0301"},
			"<ul>\n  <li> [Café, cafe\u0301] </li>\n</ul>"},
		{"code and scripts kept", `<p>Run <code>go test</code> now.</p><script>if (a < b) alert("hi")</script><style>p{}</style>`,
			[]string{"Run", "now."}, `<p>[Run] <code>go test</code> [now.]</p><script>if (a < b) alert("hi")</script><style>p{}</style>`},
		{"translate=no and notranslate", `<span translate="no">Acme</span> <span class="brand notranslate">Zed</span> <i translate="yes">yes</i>`,
			[]string{"yes"}, `<span translate="no">Acme</span> <span class="brand notranslate">Zed</span> <i translate="yes">[yes]</i>`},
		{"entities", `Fish &amp; chips &lt;3`, []string{"Fish & chips <3"}, `[Fish &amp; chips &lt;3]`},
		{"no letters", `<p>42 — 😀</p>`, nil, `<p>42 — 😀</p>`},
		{"right to left and CJK", `<p dir="rtl">שלום עולם</p><p>你好，世界</p>`, []string{"שלום עולם", "你好，世界"},
			`<p dir="rtl">[שלום עולם]</p><p>[你好，世界]</p>`},
		{"attributes not translated", `<img alt="a cat" src="c.png"> <a title="Home" href="/">Home</a>`, []string{"Home"},
			`<img alt="a cat" src="c.png"/> <a href="/" title="Home">[Home]</a>`},
		{"whole document", "<!DOCTYPE html><html><head><title>Hi there</title></head><body><p>Text</p></body></html>",
			[]string{"Hi there", "Text"}, "<!DOCTYPE html><html><head><title>[Hi there]</title></head><body><p>[Text]</p></body></html>"},
		{"broken markup", `<p>Unclosed <b>bold`, []string{"Unclosed", "bold"}, `<p>[Unclosed] <b>[bold]</b></p>`},
	} {
		d, err := parseHTML(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		pieces := d.pieces()
		if strings.Join(pieces, "|") != strings.Join(tc.pieces, "|") || len(pieces) != len(tc.pieces) {
			t.Errorf("%s: pieces %q, want %q", tc.name, pieces, tc.pieces)
		}
		bracketed := make([]string, len(pieces))
		for i, p := range pieces {
			bracketed[i] = "[" + p + "]"
		}
		out, err := d.render(bracketed)
		if err != nil || out != tc.out {
			t.Errorf("%s: rendered %q, %v\nwant %q", tc.name, out, err, tc.out)
		}
	}
}

// FuzzHTML parses arbitrary text as HTML and puts its own pieces back:
// never a panic, valid UTF-8 out for valid UTF-8 in, and the pieces of the
// result are those of the first rendering.
func FuzzHTML(f *testing.F) {
	for _, s := range []string{`<p class="x">Hello <b>world</b>!</p>`, "<!doctype html><title>x</title>", "a &amp; b", "<script>x</script>y",
		"<p translate=no>x</p>", "\xff<b>\x00</b>", "<table><tr><td>cell</table>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseHTML(s)
		if err != nil {
			return
		}
		pieces := d.pieces()
		out, err := d.render(pieces)
		if err != nil {
			return
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", s, out)
		}
		again, err := parseHTML(out)
		if err != nil {
			t.Fatalf("the rendering of %q does not parse: %v", s, err)
		}
		if len(again.pieces()) < len(pieces) {
			t.Logf("rendering %q lost pieces: %q, then %q", s, pieces, again.pieces())
		}
	})
}
