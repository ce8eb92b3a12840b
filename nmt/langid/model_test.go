package langid

import (
	"bytes"
	"strings"
	"testing"
)

// validModel is a hand-written model file with every feature of the format.
const validModel = `# a comment
langid	1
languages	en	es
orders	3
alpha	0.5
temperature	2
ngrams	4
 a	3	5
 el	0	7
# a comment between n-grams
th	9	1
ñ	0	2

`

func TestParseModel(t *testing.T) {
	m, err := ParseModel([]byte(validModel))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Languages, ",") != "en,es" || m.MaxOrder != 3 || m.Alpha != 0.5 || m.Temperature != 2 {
		t.Errorf("header = %v %d %v %v", m.Languages, m.MaxOrder, m.Alpha, m.Temperature)
	}
	if len(m.NGrams) != 4 || m.NGrams[1] != " el" || m.Counts[1][1] != 7 || m.Counts[3][0] != 0 {
		t.Errorf("n-grams = %q, counts = %v", m.NGrams, m.Counts)
	}
	crlf := strings.ReplaceAll(validModel, "\n", "\r\n")
	if _, err := ParseModel([]byte(crlf)); err != nil {
		t.Errorf("CRLF line ends: %v", err)
	}
}

func TestParseModelErrors(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(validModel, old, new, 1) }
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `ends before its "langid" line`},
		{"not a model", "hello\n", `starts with "hello", want "langid"`},
		{"future version", replace("langid\t1", "langid\t2"), `model format "2", want 1`},
		{"version twice", replace("langid\t1", "langid\t1\t1"), "has 2 values, want 1"},
		{"no languages", replace("languages\ten\tes", "languages"), "has 0 values, want 1"},
		{"bad code", replace("\tes\n", "\tES\n"), `language code "ES" is not 2 or 3 lowercase ASCII letters`},
		{"repeated language", replace("\tes\n", "\ten\n"), `language "en" is listed twice`},
		{"order not a number", replace("orders\t3", "orders\tthree"), `orders "three" is not a count`},
		{"order too high", replace("orders\t3", "orders\t9"), "orders 9 is outside 1 to 8"},
		{"order zero", replace("orders\t3", "orders\t0"), "orders 0 is outside 1 to 8"},
		{"alpha NaN", replace("alpha\t0.5", "alpha\tNaN"), "alpha NaN is outside (0, 1e+06]"},
		{"alpha zero", replace("alpha\t0.5", "alpha\t0"), "alpha 0 is outside (0, 1e+06]"},
		{"alpha overflows", replace("alpha\t0.5", "alpha\t1e300"), "alpha 1e+300 is outside (0, 1e+06]"},
		{"temperature inf", replace("temperature\t2", "temperature\t+Inf"), "temperature +Inf is not a positive number"},
		{"temperature text", replace("temperature\t2", "temperature\twarm"), `temperature "warm" is not a number`},
		{"headers out of order", replace("alpha\t0.5\ntemperature\t2", "temperature\t2\nalpha\t0.5"), `starts with "temperature", want "alpha"`},
		{"truncated", strings.TrimSuffix(validModel, "ñ\t0\t2\n\n"), "ends after 3 of its 4 n-grams"},
		{"blank line among n-grams", replace("ngrams\t4", "ngrams\t5"), "line 13 has 1 fields, want an n-gram and 2 counts"},
		{"absurd n-gram count", replace("ngrams\t4", "ngrams\t99999999"), "announces 99999999 n-grams but has"},
		{"too many n-grams", replace("ngrams\t4", "ngrams\t3"), "line 12 follows the last n-gram"},
		{"missing count", replace("th\t9\t1", "th\t9"), "line 11 has 2 fields, want an n-gram and 2 counts"},
		{"count not a number", replace("th\t9\t1", "th\t9\tx"), `count "x" is not an integer`},
		{"negative count", replace("th\t9\t1", "th\t9\t-1"), `n-gram "th" has a negative count for es`},
		{"n-gram too long", replace("th\t9", "thee\t9"), `n-gram "thee" has 4 characters, want 1 to 3`},
		{"empty n-gram", replace(" a\t3", "\t3"), `n-gram "" has 0 characters`},
		{"unsorted", replace("th\t9\t1", " b\t9\t1"), `n-gram " b" is not sorted after " el"`},
		{"invalid UTF-8", replace("ñ\t0", "\xff\t0"), "is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseModel([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseModel error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestModelRoundTrip(t *testing.T) {
	m, err := ParseModel([]byte(validModel))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d bytes", n, err, buf.Len())
	}
	again, err := ParseModel(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var buf2 bytes.Buffer
	again.WriteTo(&buf2)
	if buf.String() != buf2.String() {
		t.Errorf("a written model reads back differently:\n%s\nthen\n%s", buf.String(), buf2.String())
	}
}

func TestWriteToRefusesAnInvalidModel(t *testing.T) {
	m := &Model{Languages: []string{"en"}, MaxOrder: 3, Alpha: 1, Temperature: 1, NGrams: []string{"a\tb"}, Counts: [][]int64{{1}}}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err == nil || buf.Len() != 0 {
		t.Errorf("WriteTo of an n-gram with a tab: err %v, wrote %q", err, buf.String())
	}
}

func TestShippedModel(t *testing.T) {
	m, err := ParseModel(profiles)
	if err != nil {
		t.Fatalf("profiles.tsv: %v", err)
	}
	if len(profiles) > 1<<20 {
		t.Errorf("profiles.tsv is %d bytes, want under 1 MiB", len(profiles))
	}
	for _, want := range []string{"en", "es"} {
		if !Default().Knows(want) {
			t.Errorf("the shipped model has no %q (it has %v)", want, m.Languages)
		}
	}
}

func FuzzParseModel(f *testing.F) {
	f.Add([]byte(validModel))
	f.Add([]byte("langid\t1\nlanguages\ten\norders\t1\nalpha\t1\ntemperature\t1\nngrams\t1\na\t1\n"))
	f.Add([]byte("langid\t1\nlanguages\t\xff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseModel(data)
		if err != nil {
			return
		}
		id, err := New(m)
		if err != nil {
			t.Fatalf("a parsed model does not make an Identifier: %v", err)
		}
		checkGuesses(t, id.Detect("the text de la casa"), len(m.Languages))
	})
}
