package extract

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestDDTP(t *testing.T) {
	en, err := ReadTranslation(open(t, "Translation-en"), "en")
	if err != nil {
		t.Fatal(err)
	}
	es, err := ReadTranslation(open(t, "Translation-es"), "es") // CRLF in part
	if err != nil {
		t.Fatal(err)
	}
	if len(en) != 4 || len(es) != 3 {
		t.Fatalf("read %d English and %d Spanish descriptions, want 4 and 3", len(en), len(es))
	}
	got := DDTPPairs(en, es)
	want := []Pair{ // by package name; 2048-qt has 3 paragraphs against 2: synopsis only; linux-image untranslated
		{"Real-time strategy game of ancient warfare", "Juego de estrategia en tiempo real de guerra en la antigüedad"},
		{`0 A.D. (pronounced "zero ey-dee") is a free, open-source real-time strategy game of ancient warfare.`, `0 A.D. (pronunciado "ciro ei-di") es un juego de estrategia en tiempo real de la guerra en la antigüedad.`},
		{"The project is highly ambitious.", "El proyecto es altamente ambicioso."},
		{"mathematics based puzzle game", "juego de rompecabezas basado en matemáticas"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DDTPPairs =\n%q\nwant\n%q", got, want)
	}
}

func TestReadTranslationError(t *testing.T) {
	_, err := ReadTranslation(strings.NewReader("Package: x\nnot a field\n"), "en")
	if err == nil || err.Error() != `line 2: "not a field" is neither a field nor a continuation` {
		t.Errorf("err = %v", err)
	}
}

func TestDEP11(t *testing.T) {
	got, err := DEP11Pairs(open(t, "Components.yml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{ // gitg's name is untranslated, its summary has no es; the font's blocks differ in number
		{"Exif Display", "Pantalla Exif"},
		{"Displays Exif tags in the side panel", "Muestra las etiquetas Exif en el panel lateral"},
		{"gitg is a graphical user interface for git.", "gitg es una interfaz gráfica de usuario para git."},
		{"Visualize history", "Ver el histórico"},
		{"Commit & push", "Aplicar y enviar"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DEP11Pairs =\n%q\nwant\n%q", got, want)
	}
	_, err = DEP11Pairs(strings.NewReader("---\nName: [unclosed\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "dep11 document 1: ") {
		t.Errorf("bad YAML: err = %v", err)
	}
}

func TestTatoeba(t *testing.T) {
	got, err := TatoebaPairs(open(t, "spa.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{{"Go.", "Ve."}, {"Who?", "¿Quién?"}, {"I love you.", "Te quiero."}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TatoebaPairs = %q, want %q", got, want)
	}
	_, err = TatoebaPairs(strings.NewReader("Go.\tVe.\nno tab here\n"))
	if err == nil || err.Error() != "line 2: 1 column, want English<TAB>Spanish" {
		t.Errorf("err = %v", err)
	}
}

func TestEuroparl(t *testing.T) {
	got, err := EuroparlPairs(open(t, "europarl.en"), open(t, "europarl.es"), 6)
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{ // line 5 has no English; line 7 is past the limit
		{"Unfortunately there is a long way to go.", "Lamentablemente, queda mucho camino por recorrer."},
		{"So, c 'est la vie!", "Así que ¡c ' est la vie!"},
		{`He said "yes" (twice).`, `Dijo "sí" (dos veces).`},
		{"It's the Commission's view.", "Es la opinión de la Comisión."},
		{"We don't know.", "No lo sabemos."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EuroparlPairs =\n%q\nwant\n%q", got, want)
	}
	_, err = EuroparlPairs(strings.NewReader("a\nb\n"), strings.NewReader("a\n"), 0)
	if err == nil || err.Error() != "line 2: the English and Spanish files have different numbers of lines" {
		t.Errorf("uneven files: err = %v", err)
	}
}

func TestDetokenizeMoses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text, untouched.", "plain text, untouched."},
		{"¿ Dónde está ?", "¿Dónde está?"},
		{"¡ Hola !", "¡Hola!"},
		{"« texto » y [ nota ] ...", "«texto» y [nota]..."},
		{"50 % more", "50% more"},
		{"it &apos;s , isn &apos;t it ?", "it's, isn't it?"},
		{"Parliament ’ s position and the Members ' views", "Parliament’s position and the Members ' views"},
		{"' s", "' s"},
		{"a &amp; b &#124; c &lt; d &gt;", "a & b | c < d >"},
		{"cafe\u0301 😀 東京 .", "cafe\u0301 😀 東京."},
	}
	for _, tt := range tests {
		if got := DetokenizeMoses(tt.in); got != tt.want {
			t.Errorf("DetokenizeMoses(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFreedict(t *testing.T) {
	dict, err := os.ReadFile("testdata/freedict.dict")
	if err != nil {
		t.Fatal(err)
	}
	got, err := FreedictPairs(open(t, "freedict.index"), dict)
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{ // the database entry and the entry without senses are left out
		{"a", "1. a, dentro de, en, por; 2. alguien, alguno, cierto; 3. un, una"},
		{"café", "cafetería"},
		{"dumb", "mudo"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FreedictPairs = %q, want %q", got, want)
	}
	for _, bad := range []struct{ index, want string }{
		{"a\tA\n", "index line 1: 2 columns, want headword, offset, length"},
		{"a\tA\t!\n", `index line 1: bad number "!"`},
		{"a\tA\tBA\n", "index line 1: entry [0, 64) is past the end of the 2-byte dictionary"},
	} {
		_, err := FreedictPairs(strings.NewReader(bad.index), []byte("ab"))
		if err == nil || err.Error() != bad.want {
			t.Errorf("index %q: err = %v, want %q", bad.index, err, bad.want)
		}
	}
}

func TestJoiner(t *testing.T) {
	j := NewJoiner([]string{"Where is the station?", "¿Dónde está la estación?", "!!!"})
	a, sa := j.Add(Source{Name: "a", Pairs: []Pair{
		{"Hello.", "Hola."},
		{"Hello.", "Hola."},                         // exact duplicate
		{"Hello.", "¡Hola!"},                        // another translation: kept
		{"WHERE is the station", "¿Y la estación?"}, // held out, case and punctuation aside
		{"And?", "¿Dónde está la estacio\u0301n?"},  // held out, NFD
		{" ", "vacío"},                              // blank side
	}})
	b, sb := j.Add(Source{Name: "b", Pairs: []Pair{{"Hello.", "Hola."}, {"Station 2", "Estación 2"}}})
	wantA := []Pair{{"Hello.", "Hola."}, {"Hello.", "¡Hola!"}}
	wantB := []Pair{{"Station 2", "Estación 2"}}
	if !reflect.DeepEqual(a, wantA) || !reflect.DeepEqual(b, wantB) {
		t.Errorf("kept %q and %q, want %q and %q", a, b, wantA, wantB)
	}
	if want := (JoinStats{"a", 6, 1, 2, 2}); sa != want {
		t.Errorf("stats a = %+v, want %+v", sa, want)
	}
	if want := (JoinStats{"b", 2, 1, 0, 1}); sb != want {
		t.Errorf("stats b = %+v, want %+v", sb, want)
	}
}

func TestHeldOutKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"¿Dónde está?", "dónde está"},
		{"Donde\u0301", "dondé"},
		{"Chapter 12: Intro!", "chapter 12 intro"},
		{"😀 東京、大阪", "東京 大阪"},
		{"it's", "it s"},
		{"", ""},
		{"\u0301 leading mark", "\u0301 leading mark"},
	}
	for _, tt := range tests {
		if got := HeldOutKey(tt.in); got != tt.want {
			t.Errorf("HeldOutKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
