package corpus

import (
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzClean checks what Clean promises of every pair, whatever its bytes:
// it never panics, a kept pair has a letter or digit on both sides and is
// valid UTF-8 in NFC with no tab, line break or doubled space (it is
// written as one TSV line), and a pair with invalid UTF-8 is removed by
// FilterEncoding. Of StripMarkup it checks the property that holds (it is
// not idempotent, see its doc): escaped plain text comes back as itself.
func FuzzClean(f *testing.F) {
	for _, s := range [][2]string{
		{"Where is the station?", "¿Dónde está la estación?"},
		{"<b>Save</b> &amp; close", "<b>Guardar</b> y cerrar"},
		{"cafe\u0301", "café"},
		{"😀 emoji", "东京"},
		{"bad \xff", "שלום"},
		{"a\tb\r\n", "&#9;&#10;&nbsp;"},
		{"&lt;map&gt;", "<<a>b>"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, en, es string) {
		c := NewCleaner(Options{}, []string{"held out"})
		p, reason := c.Clean(Pair{Source: "fuzz", En: en, Es: es})
		valid := utf8.ValidString(en) && utf8.ValidString(es)
		if !valid && reason != FilterEncoding {
			t.Fatalf("invalid UTF-8 (%q, %q) removed by %q, want %q", en, es, reason, FilterEncoding)
		}
		if reason == "" {
			for _, side := range []string{p.En, p.Es} {
				switch {
				case !hasLetterOrDigit(side):
					t.Fatalf("kept side %q has no letter or digit", side)
				case !utf8.ValidString(side) || !norm.NFC.IsNormalString(side):
					t.Fatalf("kept side %q is not valid NFC", side)
				case strings.ContainsAny(side, "\t\n\r") || strings.Contains(side, "  "):
					t.Fatalf("kept side %q has a tab, line break or doubled space", side)
				case side != strings.TrimSpace(side):
					t.Fatalf("kept side %q has surrounding space", side)
				}
			}
		}
		if c.Stats.Read["fuzz"] != 1 || c.Stats.Kept["fuzz"]+removed(c.Stats, "fuzz") != 1 {
			t.Fatalf("stats of one pair: %+v", c.Stats)
		}
		for _, s := range []string{en, es} {
			if html.UnescapeString(s) == s && !tagRE.MatchString(s) && StripMarkup(html.EscapeString(s)) != StripMarkup(s) {
				t.Fatalf("StripMarkup(EscapeString(%q)) = %q, want %q", s, StripMarkup(html.EscapeString(s)), StripMarkup(s))
			}
		}
	})
}

func removed(s *Stats, source string) int {
	n := 0
	for _, f := range Filters {
		n += s.Removed[f][source]
	}
	return n
}
