package nmt

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

var updateSpacing = flag.Bool("update", false, "rewrite testdata/spacing.golden")

// spacingCases are model outputs, as the tokens spell them, in both
// directions; testdata/spacing.golden holds what tidySpacing makes of them.
var spacingCases = []string{
	// Spaces on the inner side of marks go.
	"¿ Dónde está la estación de tren?",
	"¡ Hola ! ¿ Qué tal ?",
	"Dijo: « Ven aquí » y se fue.",
	"He said, “ Come here ” and left.",
	"She said ‘ yes ’ twice.",
	"Pay ( see page 4 ) and [ sic ] go.",
	"¿ ( Quién ) ?",
	"« ¿ Dónde ? »",
	"Él dijo: ¡ Mirad ! « ¿ Quién es éste ? »",
	"( ( nested ) )",
	"¿  Dos espacios?",
	"Unicode: ¿ Qué es cafe\u0301 😀 東京 ?",
	"RTL ( שלום ) and ( مرحبا )",
	// Spaces where they are right stay.
	"¿Dónde está la estación de tren?",
	"Where is the train station?",
	"I'm sad :( but fine :)",
	"Steps: 1) open 2) close",
	"rock ’n’ roll and the dogs’ bones",
	"The Levites’ cities (and theirs).",
	"a ) b",
	") at the start",
	"line one (\nline two )",
	"¿",
	"",
	"« unclosed quote",
	"closing ” with nothing open",
	"—¿ Vienes?",
	"“ Return and wail”",
	"x = f( y )",
	"Really ? Yes !",
	"¿ Dónde ? Aquí ?",
}

func TestTidySpacingGolden(t *testing.T) {
	var b bytes.Buffer
	for _, in := range spacingCases {
		fmt.Fprintf(&b, "%q\n\t→ %q\n", in, tidySpacing(in))
	}
	const path = "testdata/spacing.golden"
	if *updateSpacing {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TidySpacing -update writes it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("tidySpacing differs from %s:\n%s", path, b.String())
	}
}

func TestTidySpacingExamples(t *testing.T) {
	for in, want := range map[string]string{
		"¿ Dónde está la estación de tren?": "¿Dónde está la estación de tren?",
		"¡ Hola !":                          "¡Hola!",
		"Hello !":                           "Hello !", // no ¡ is open
		"« Ven » ( ya ) [ sic ] “ sí ” ‘ no ’": "«Ven» (ya) [sic] “sí” ‘no’",
		"I'm sad :( but fine":                  "I'm sad :( but fine",
		"1) one 2) two":                        "1) one 2) two",
		"rock ’n’ roll":                        "rock ’n’ roll",
	} {
		if got := tidySpacing(in); got != want {
			t.Errorf("tidySpacing(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTidySpacingStreams checks what pieceWriter relies on: tidying a
// prefix and holding back its trailing spaces gives a prefix of the tidied
// whole, for every cut of every case.
func TestTidySpacingStreams(t *testing.T) {
	for _, s := range spacingCases {
		whole := strings.TrimRight(tidySpacing(s), " ")
		for i := 0; i <= len(s); i++ {
			if i < len(s) && !utf8.RuneStart(s[i]) {
				continue
			}
			part := strings.TrimRight(tidySpacing(s[:i]), " ")
			if !strings.HasPrefix(whole, part) {
				t.Errorf("tidySpacing(%q) = %q is no prefix of %q", s[:i], part, whole)
			}
		}
	}
}

// FuzzTidySpacing: only spaces are removed, the text stays valid, and the
// streaming property holds at every cut.
func FuzzTidySpacing(f *testing.F) {
	for _, s := range spacingCases {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, cut int) {
		got := tidySpacing(s)
		if strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(s, " ", "") {
			t.Fatalf("tidySpacing(%q) = %q changed more than spaces", s, got)
		}
		if utf8.ValidString(s) != utf8.ValidString(got) {
			t.Fatalf("tidySpacing(%q) = %q changed validity", s, got)
		}
		if cut < 0 || cut > len(s) || (cut < len(s) && !utf8.RuneStart(s[cut])) {
			return // pieceWriter holds back an incomplete character
		}
		whole := strings.TrimRight(got, " ")
		if part := strings.TrimRight(tidySpacing(s[:cut]), " "); !strings.HasPrefix(whole, part) {
			t.Fatalf("tidySpacing(%q) = %q is no prefix of %q", s[:cut], part, whole)
		}
	})
}
