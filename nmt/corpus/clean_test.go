package corpus

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestStripMarkup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"<p>Hola <b>mundo</b></p>", "Hola mundo"},
		{"Tom &amp; Jerry &quot;live&quot;", `Tom & Jerry "live"`},
		{"ni&#241;o &ntilde;and&uacute;", "niño ñandú"},
		{"a < b and c > d", "a < b and c > d"},
		{"the &lt;map&gt; tag", "the <map> tag"},
		{"line<br/>break", "line break"},
		{`<a href="x.html" class='y'>link</a>`, "link"},
		{"<ns:tag attr=\"1\">x</ns:tag>", "x"},
		{"no\u00a0break&nbsp;space", "no break space"},
		{"  tabs\tand\nnewlines\r\n ", "tabs and newlines"},
		{"&#9;tab entity&#10;", "tab entity"},
		{"¿Dónde está <em>el tren</em>?", "¿Dónde está el tren?"},
		{"cafe\u0301 <i>naïve</i>", "cafe\u0301 naïve"}, // NFD is left to Clean
		{"😀 <span>emoji</span> 🇪🇸", "😀 emoji 🇪🇸"},
		{"<p>東京の天気</p>", "東京の天気"},
		{"<p dir=\"rtl\">مرحبا بالعالم</p>", "مرحبا بالعالم"},
		{"<3 love", "<3 love"},
		{"x <= y", "x <= y"},
		{"<b>Save</b>d", "Saved"},
		{"<SPAN CLASS=emph>Bold</SPAN>, then <P>upper</P>", "Bold, then upper"},
		{"one<li>two</li><li>three</li>", "one two three"},
		{"<unknown-tag>x</unknown-tag>y", "x y"},
	}
	for _, tt := range tests {
		if got := StripMarkup(tt.in); got != tt.want {
			t.Errorf("StripMarkup(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDedupKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Hello, World!", "hello world"},
		{"  Hello   world ", "hello world"},
		{"Chapter 12: intro", "chapter 00 intro"},
		{"¿Dónde está?", "dónde está"},
		{"Cafe\u0301", "café"}, // NFD and NFC share a key
		{"Café", "café"},
		{"ÑANDÚ", "ñandú"},
		{"it's", "it s"},
		{"😀 emoji 😀", "emoji"},
		{"東京、大阪", "東京 大阪"},
		{"שלום, עולם", "שלום עולם"},
		{"\u0301 lone mark", "lone mark"},
		{"٣ أرقام", "0 أرقام"}, // Arabic-Indic digit
		{"...", ""},
	}
	for _, tt := range tests {
		if got := DedupKey(tt.in); got != tt.want {
			t.Errorf("DedupKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanFilters(t *testing.T) {
	long := strings.Repeat("word ", 121)
	tests := []struct {
		name   string
		in     Pair
		reason string
		out    Pair // the cleaned pair, when kept
	}{
		{"kept", Pair{"t", "Where is the station?", "¿Dónde está la estación?"}, "", Pair{"t", "Where is the station?", "¿Dónde está la estación?"}},
		{"markup kept", Pair{"t", "<b>Save</b> the file", "<b>Guardar</b> el archivo"}, "", Pair{"t", "Save the file", "Guardar el archivo"}},
		{"NFD made NFC", Pair{"t", "The coffee", "El cafe\u0301"}, "", Pair{"t", "The coffee", "El café"}},
		{"CR trimmed", Pair{"t", "Yes.\r", "Sí.\r"}, "", Pair{"t", "Yes.", "Sí."}},
		{"invalid UTF-8 en", Pair{"t", "bad \xff byte", "byte malo"}, FilterEncoding, Pair{}},
		{"invalid UTF-8 es", Pair{"t", "bad byte", "byte \xc3\x28malo"}, FilterEncoding, Pair{}},
		{"empty en", Pair{"t", "", "Hola"}, FilterEmpty, Pair{}},
		{"markup only", Pair{"t", "<br/>", "Hola"}, FilterEmpty, Pair{}},
		{"punctuation only", Pair{"t", "¿?", "¡!"}, FilterEmpty, Pair{}},
		{"emoji only", Pair{"t", "😀", "😀"}, FilterEmpty, Pair{}},
		{"too long", Pair{"t", long, "palabra"}, FilterLength, Pair{}},
		{"ratio", Pair{"t", "A very long English sentence about many things.", "Sí."}, FilterRatio, Pair{}},
		{"short ratio passes", Pair{"t", "Yes, indeed.", "Sí."}, "", Pair{"t", "Yes, indeed.", "Sí."}},
		{"CJK ratio counts runes", Pair{"t", "Tokyo weather", "東京の天気"}, "", Pair{"t", "Tokyo weather", "東京の天気"}},
		{"identical", Pair{"t", "LibreOffice Writer", "LibreOffice Writer"}, FilterIdentical, Pair{}},
		{"identical but case", Pair{"t", "Acre", "ACRE!"}, FilterIdentical, Pair{}},
		{"numbers pass", Pair{"t", "2.5", "2,5"}, "", Pair{"t", "2.5", "2,5"}},
		{"English on the Spanish side", Pair{"t", "The cat is in the house.", "The cat is in the house now."}, FilterLanguage, Pair{}},
		{"Spanish on the English side", Pair{"t", "¿Dónde está el perro de la casa?", "¿Dónde está el perro?"}, FilterLanguage, Pair{}},
		{"RTL passes language", Pair{"t", "Peace", "שלום"}, "", Pair{"t", "Peace", "שלום"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCleaner(Options{}, nil)
			got, reason := c.Clean(tt.in)
			if reason != tt.reason {
				t.Fatalf("Clean(%q) removed by %q, want %q", tt.in, reason, tt.reason)
			}
			if reason == "" && got != tt.out {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.out)
			}
		})
	}
}

func TestCleanHeldOutAndDuplicates(t *testing.T) {
	c := NewCleaner(Options{}, []string{"Where is the station?", "¿Dónde está la estación?", "Buenos di\u0301as.", "!!!"})
	pairs := []struct {
		p      Pair
		reason string
	}{
		{Pair{"a", "WHERE is the station", "¿Y la estación?"}, FilterHeldOut},
		{Pair{"a", "And the station?", "¿dónde está LA ESTACIÓN"}, FilterHeldOut},
		{Pair{"a", "Good morning.", "Buenos días."}, FilterHeldOut}, // NFD held-out, NFC pair
		{Pair{"a", "I have 3 cats.", "Tengo 3 gatos."}, ""},
		{Pair{"b", "I have 7 cats!", "Tengo 7 gatos"}, FilterDuplicate}, // digits fold to 0
		{Pair{"b", "I have 3 cats.", "Tengo tres gatos."}, ""},
	}
	for _, tt := range pairs {
		if _, reason := c.Clean(tt.p); reason != tt.reason {
			t.Errorf("Clean(%q) removed by %q, want %q", tt.p, reason, tt.reason)
		}
	}
	want := &Stats{
		Read: map[string]int{"a": 4, "b": 2},
		Kept: map[string]int{"a": 1, "b": 1},
		Removed: map[string]map[string]int{
			FilterEncoding: {}, FilterEmpty: {}, FilterLength: {}, FilterRatio: {}, FilterIdentical: {},
			FilterLanguage: {}, FilterHeldOut: {"a": 3}, FilterDuplicate: {"b": 1}, FilterMarkupOnly: {},
		},
	}
	if !reflect.DeepEqual(c.Stats, want) {
		t.Errorf("Stats = %+v, want %+v", c.Stats, want)
	}
}

func TestCleanStatsCountMarkupAndEveryFilter(t *testing.T) {
	c := NewCleaner(Options{MaxWords: 3, MaxRatio: 2, RatioMinChars: 5, SkipLanguage: true}, nil)
	in := []Pair{
		{"s", "<i>One</i>", "Uno"},                         // markup changed, kept
		{"s", "one two three four", "uno dos tres cuatro"}, // length 4 > 3
		{"s", "Hello", "Hola, qué tal"},                    // ratio 13 > 2×5
		{"s", "The cat is.", "The dog"},                    // language off, kept
		{"s", "\xfe", "x"},                                 // encoding
	}
	for _, p := range in {
		c.Clean(p)
	}
	got := map[string]int{}
	for f, bySource := range c.Stats.Removed {
		if n := bySource["s"]; n > 0 {
			got[f] = n
		}
	}
	want := map[string]int{FilterMarkupOnly: 1, FilterLength: 1, FilterRatio: 1, FilterEncoding: 1}
	if !reflect.DeepEqual(got, want) || c.Stats.Read["s"] != 5 || c.Stats.Kept["s"] != 2 {
		t.Errorf("removed %v, read %d, kept %d; want %v, 5, 2", got, c.Stats.Read["s"], c.Stats.Kept["s"], want)
	}
}

func TestFiltersOrder(t *testing.T) {
	want := []string{"encoding", "empty", "length", "ratio", "identical", "language", "held-out", "near-duplicate"}
	if !reflect.DeepEqual(Filters, want) {
		t.Errorf("Filters = %q, want %q", Filters, want)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		o    Options
		want string
	}{
		{Options{}, ""},
		{Options{MaxWords: 50, MaxRatio: 1, RatioMinChars: 1}, ""},
		{Options{MaxWords: -1}, "max words -1 is negative (0 takes the default, 120)"},
		{Options{MaxRatio: 0.9}, "max ratio 0.9 is below 1: every pair whose sides differ in length would go (0 takes the default, 2.5)"},
		{Options{RatioMinChars: -3}, "ratio min chars -3 is negative (0 takes the default, 20)"},
	}
	for _, tt := range tests {
		err := tt.o.Validate()
		if got := fmt.Sprint(err); (err == nil) != (tt.want == "") || (err != nil && got != tt.want) {
			t.Errorf("%+v.Validate() = %v, want %q", tt.o, err, tt.want)
		}
	}
}

func TestCleanExemptSources(t *testing.T) {
	c := NewCleaner(Options{KeepIdentical: []string{"iso-codes"}, NoRatio: []string{"freedict"}}, nil)
	for _, tt := range []struct {
		p      Pair
		reason string
	}{
		{Pair{"iso-codes", "Cuba", "Cuba"}, ""},
		{Pair{"libreoffice-ui", "Cuba", "Cuba"}, FilterIdentical},
		{Pair{"freedict", "flag", "1. bandera; 2. estandarte"}, ""},
		{Pair{"tatoeba", "flag", "1. bandera; 2. estandarte"}, FilterRatio},
	} {
		if _, reason := c.Clean(tt.p); reason != tt.reason {
			t.Errorf("Clean(%q) removed by %q, want %q", tt.p, reason, tt.reason)
		}
	}
}
