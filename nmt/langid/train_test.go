package langid

import (
	"math"
	"strings"
	"testing"
)

var tinyCorpus = []Sample{
	{"en", "The house is on the hill and the road goes down to the river."},
	{"en", "Where are you going with that old book?"},
	{"en", "They have been working all night."},
	{"es", "La casa está en la colina y el camino baja hasta el río."},
	{"es", "¿Adónde vas con ese libro viejo?"},
	{"es", "Han estado trabajando toda la noche."},
	{"pt", "A casa fica na colina e a estrada desce até o rio."},
	{"pt", "Aonde você vai com esse livro velho?"},
	{"pt", "Eles estiveram trabalhando a noite toda."},
}

func trainTiny(t *testing.T, opts TrainOptions) *Model {
	t.Helper()
	tr, err := NewTrainer(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tinyCorpus {
		if err := tr.Add(s.Lang, s.Text); err != nil {
			t.Fatal(err)
		}
	}
	m, err := tr.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainer(t *testing.T) {
	m := trainTiny(t, TrainOptions{MaxOrder: 4, PerLanguage: 300})
	if strings.Join(m.Languages, ",") != "en,es,pt" || m.MaxOrder != 4 || m.Temperature != 1 || m.Alpha != 0.5 {
		t.Fatalf("model header: %v order %d temperature %v alpha %v", m.Languages, m.MaxOrder, m.Temperature, m.Alpha)
	}
	if len(m.NGrams) < 300 || len(m.NGrams) > 900 {
		t.Errorf("%d n-grams, want between 300 (one language's) and 900 (three disjoint)", len(m.NGrams))
	}
	id, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{"the road to the house": "en", "el camino a la casa": "es", "a estrada até a casa": "pt"}
	for text, want := range tests {
		if g := id.Detect(text); len(g) != 3 || g[0].Lang != want {
			t.Errorf("Detect(%q) = %v, want %s first", text, g, want)
		}
	}
}

func TestTrainerCounts(t *testing.T) {
	tr, _ := NewTrainer(TrainOptions{MaxOrder: 2, PerLanguage: 100})
	tr.Add("es", "sí, sí")
	tr.Add("en", "yes")
	m, err := tr.Model()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string][]int64{}
	for i, g := range m.NGrams {
		count[g] = m.Counts[i]
	}
	// " sí sí " holds " s" twice and "í " twice; "yes" never writes "í".
	for g, want := range map[string][2]int64{" s": {0, 2}, "í ": {0, 2}, "s": {1, 2}, "ye": {1, 0}} {
		if c := count[g]; len(c) != 2 || c[0] != want[0] || c[1] != want[1] {
			t.Errorf("counts of %q = %v, want %v (en, es)", g, c, want)
		}
	}
}

func TestTrainerErrors(t *testing.T) {
	tests := []struct {
		opts TrainOptions
		want string
	}{
		{TrainOptions{MaxOrder: 9}, "max order 9 is outside 1 to 8"},
		{TrainOptions{MaxOrder: -1}, "max order -1 is outside 1 to 8"},
		{TrainOptions{PerLanguage: -5}, "n-grams per language -5 is not positive"},
		{TrainOptions{Alpha: -1}, "alpha -1 is outside (0, 1e+06]"},
	}
	for _, tt := range tests {
		if _, err := NewTrainer(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewTrainer(%+v) error = %v, want %q", tt.opts, err, tt.want)
		}
	}
	tr, _ := NewTrainer(TrainOptions{})
	if _, err := tr.Model(); err == nil || !strings.Contains(err.Error(), "no text was added") {
		t.Errorf("Model of nothing: %v", err)
	}
	if err := tr.Add("EN", "text"); err == nil || !strings.Contains(err.Error(), `"EN"`) {
		t.Errorf("Add with a bad code: %v", err)
	}
}

func TestFitTemperature(t *testing.T) {
	m := trainTiny(t, TrainOptions{MaxOrder: 3, PerLanguage: 200})
	id, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	held := []Sample{
		{"en", "the book is old"}, {"es", "el libro es viejo"}, {"pt", "o livro é velho"},
		{"en", "all night"}, {"es", "toda la noche"}, {"pt", "a noite toda"},
		{"es", "1234 🙂"}, // no letter: skipped
	}
	temp, err := FitTemperature(id, held)
	if err != nil {
		t.Fatal(err)
	}
	if !(temp > 1e-2 && temp < 1e4) {
		t.Errorf("temperature %v, want a moderate positive number", temp)
	}
	// The fitted temperature must not do worse than plain naive Bayes (T = 1).
	if loss(id, held, temp) > loss(id, held, 1)+1e-9 {
		t.Errorf("loss at fitted T=%v is %v, above %v at T=1", temp, loss(id, held, temp), loss(id, held, 1))
	}
	if _, err := FitTemperature(id, []Sample{{"fr", "bonjour"}}); err == nil || !strings.Contains(err.Error(), `"fr"`) {
		t.Errorf("a sample in an unknown language: %v", err)
	}
	if _, err := FitTemperature(id, []Sample{{"en", "42"}}); err == nil || !strings.Contains(err.Error(), "no sample has a letter") {
		t.Errorf("samples without letters: %v", err)
	}
}

// loss is the summed negative log confidence in the true language at
// temperature temp.
func loss(id *Identifier, samples []Sample, temp float64) float64 {
	withT := *id
	withT.temperature = temp
	sum := 0.0
	for _, s := range samples {
		for _, g := range withT.Detect(s.Text) {
			if g.Lang == s.Lang {
				sum -= logOf(g.Confidence)
			}
		}
	}
	return sum
}

func logOf(p float64) float64 { return math.Log(math.Max(p, 1e-300)) }
