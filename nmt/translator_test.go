package nmt

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// The tiny random models in testdata/models are made by
// scripts/reference/make_tiny.py; their output is gibberish but exact.
func openTiny(t testing.TB, name string) *Translator {
	t.Helper()
	tr, err := Open(filepath.Join("..", "testdata", "models", name))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

var texts = []string{
	"In the beginning God created the heavens and the earth.",
	"Jesus wept.",
	"",
	"¿Dónde está el camino? ¡Aquí! Dios es amor.",
	"  Two lines\nof text.  ",
}

func TestTranslateBatchEqualsSingle(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	for _, beam := range []int{1, 3} {
		opts := Options{BeamSize: beam, MaxLength: 20}
		all, err := tr.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, text := range texts {
			one, err := tr.Translate(context.Background(), Request{Texts: []string{text}, Options: opts}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(one[0], all[i]) {
				t.Errorf("beam %d, text %d: alone %+v\nin batch %+v", beam, i, one[0], all[i])
			}
		}
	}
}

func TestTranslateStructure(t *testing.T) {
	tr := openTiny(t, "tiny-relu-untied")
	out, err := tr.Translate(context.Background(), Request{Texts: texts, Options: Options{BeamSize: 2, NBest: 2, MaxLength: 12, Attention: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSentences := []int{1, 1, 0, 3, 2}
	info := tr.Info()
	for i, res := range out {
		if res.Source != texts[i] {
			t.Errorf("text %d: source %q", i, res.Source)
		}
		if len(res.Sentences) != wantSentences[i] {
			t.Fatalf("text %d: %d sentences, want %d", i, len(res.Sentences), wantSentences[i])
		}
		if wantSentences[i] == 0 && res.Text != "" {
			t.Errorf("empty text translated to %q", res.Text)
		}
		for k, s := range res.Sentences {
			if len(s.Hypotheses) != 2 {
				t.Fatalf("text %d sentence %d: %d hypotheses", i, k, len(s.Hypotheses))
			}
			if s.Hypotheses[0].Score < s.Hypotheses[1].Score {
				t.Errorf("text %d sentence %d: hypotheses not best first", i, k)
			}
			for _, st := range s.Tokens {
				if st.Start < s.Start || st.End > s.End || st.Start > st.End {
					t.Errorf("source token %+v outside sentence span [%d,%d)", st, s.Start, s.End)
				}
			}
			h := s.Hypotheses[0]
			var joined strings.Builder
			for _, tok := range h.Tokens {
				joined.WriteString(tok.Text)
				if len(tok.Attention) != info.DecoderLayers || len(tok.Attention[0]) != info.Heads || len(tok.Attention[0][0]) != len(s.Tokens)+1 {
					t.Fatalf("attention shape %d×%d×%d", len(tok.Attention), len(tok.Attention[0]), len(tok.Attention[0][0]))
				}
			}
			if strings.TrimSpace(joined.String()) != h.Text {
				t.Errorf("token texts join to %q, hypothesis text %q", joined.String(), h.Text)
			}
		}
	}
}

func TestStreamMatchesResult(t *testing.T) {
	tr := openTiny(t, "tiny-gelu-f16")
	for _, beam := range []int{1, 4} {
		var events []Event
		out, err := tr.Translate(context.Background(), Request{Texts: texts, Options: Options{BeamSize: beam, MaxLength: 15, Attention: true}}, func(e Event) { events = append(events, e) })
		if err != nil {
			t.Fatal(err)
		}
		streamed := map[[2]int][]Token{}
		sources := map[[2]int]*Sentence{}
		finals := map[int]*Translation{}
		for _, e := range events {
			if e.Final != nil {
				if finals[e.Index] != nil {
					t.Fatalf("two final events for text %d", e.Index)
				}
				finals[e.Index] = e.Final
				continue
			}
			key := [2]int{e.Index, e.Sentence}
			if e.Pos != len(streamed[key]) {
				t.Fatalf("event at position %d after %d tokens", e.Pos, len(streamed[key]))
			}
			if (e.Source != nil) != (e.Pos == 0) {
				t.Fatalf("text %d sentence %d position %d: source %v, want one on position 0 only", e.Index, e.Sentence, e.Pos, e.Source)
			}
			if e.Source != nil {
				sources[key] = e.Source
			}
			streamed[key] = append(streamed[key], *e.Token)
		}
		for i := range texts {
			if finals[i] == nil || !reflect.DeepEqual(*finals[i], out[i]) {
				t.Fatalf("beam %d text %d: final event differs from the result", beam, i)
			}
			for k, s := range out[i].Sentences {
				got := streamed[[2]int{i, k}]
				if !reflect.DeepEqual(got, s.Hypotheses[0].Tokens) && !(len(got) == 0 && len(s.Hypotheses[0].Tokens) == 0) {
					t.Errorf("beam %d text %d sentence %d: streamed tokens differ from the best hypothesis", beam, i, k)
				}
				if src := sources[[2]int{i, k}]; len(got) > 0 && (src == nil || src.Start != s.Start || src.End != s.End || !reflect.DeepEqual(src.Tokens, s.Tokens)) {
					t.Errorf("beam %d text %d sentence %d: streamed source %+v, result's span [%d,%d) tokens %v", beam, i, k, src, s.Start, s.End, s.Tokens)
				}
			}
		}
	}
}

func TestTranslateErrors(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	cases := map[string]Request{
		"not valid UTF-8":   {Texts: []string{"ok", "bad \xff byte"}},
		"exceeds beam size": {Texts: []string{"x"}, Options: Options{BeamSize: 2, NBest: 3}},
		"positions":         {Texts: []string{"x"}, Options: Options{MaxLength: 1 << 20}},
		"negative":          {Texts: []string{"x"}, Options: Options{BeamSize: -1}},
	}
	for want, req := range cases {
		_, err := tr.Translate(context.Background(), req, nil)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
	long := strings.Repeat("word ", 2000)
	if _, err := tr.Translate(context.Background(), Request{Texts: []string{long}}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("over-long sentence: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.Translate(ctx, Request{Texts: texts}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, ErrBadModel) {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := Open(t.TempDir()); !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("empty dir: %v", err)
	}
}

func TestAlign(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	src, tgt := "The light shines. Darkness fell.", "La luz brilla. Cayó la oscuridad."
	res, err := tr.Align(context.Background(), src, tgt, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sentences) != 2 {
		t.Fatalf("%d sentence pairs", len(res.Sentences))
	}
	var text []string
	for _, s := range res.Sentences {
		h := s.Hypotheses[0]
		text = append(text, h.Text)
		for _, tok := range h.Tokens {
			if tok.LogProb > 0 || tok.Attention == nil {
				t.Fatalf("token %+v", tok)
			}
		}
	}
	if strings.Join(text, " ") != tgt {
		t.Errorf("forced tokens decode to %q, want %q", text, tgt)
	}
	// Mismatched sentence counts: one pair of whole texts.
	res, err = tr.Align(context.Background(), "One. Two.", "Uno dos.", Options{})
	if err != nil || len(res.Sentences) != 1 {
		t.Fatalf("got %d sentences, err %v", len(res.Sentences), err)
	}
	// With WholeLines, lines are paired, not sentences.
	for _, c := range []struct {
		whole bool
		want  int
	}{{false, 3}, {true, 2}} {
		res, err = tr.Align(context.Background(), "One. Two.\nThree.", "Uno. Dos.\nTres.", Options{WholeLines: c.whole})
		if err != nil || len(res.Sentences) != c.want {
			t.Fatalf("WholeLines %v: got %d pairs, want %d, err %v", c.whole, len(res.Sentences), c.want, err)
		}
	}
	// A blank target is the empty translation of the whole source: one
	// sentence pair, no target tokens, a score for the forced eos.
	for _, blank := range []string{"", "  \n"} {
		res, err = tr.Align(context.Background(), "One. Two.", blank, Options{Attention: true})
		if err != nil || len(res.Sentences) != 1 || len(res.Sentences[0].Hypotheses) != 1 {
			t.Fatalf("blank target %q: %+v, err %v", blank, res, err)
		}
		if h := res.Sentences[0].Hypotheses[0]; len(h.Tokens) != 0 || h.Text != "" || h.LogProb >= 0 {
			t.Errorf("blank target %q: hypothesis %+v", blank, h)
		}
	}
	// A blank source has nothing to align.
	if res, err = tr.Align(context.Background(), " ", "Hola.", Options{}); err != nil || len(res.Sentences) != 0 {
		t.Errorf("blank source: %+v, err %v", res, err)
	}
}

func TestConcurrentTranslate(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	want, err := tr.Translate(context.Background(), Request{Texts: texts, Options: Options{MaxLength: 10}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := tr.Translate(context.Background(), Request{Texts: texts, Options: Options{MaxLength: 10}}, nil)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("concurrent result differs (err %v)", err)
			}
		}()
	}
	wg.Wait()
}

// FuzzAlign force-decodes arbitrary text pairs with the tiny model: Align
// must answer or refuse with ErrInvalidArgument, never panic, and each
// aligned sentence's tokens must decode to text found in the target, in
// order.
func FuzzAlign(f *testing.F) {
	for _, p := range [][2]string{
		{"One. Two.", ""}, {"", "Uno."}, {" ", " "}, {"One. Two.", "Uno."}, {"A.", "B. C. D."},
		{"\xff.", "x"}, {"x", "\xc3"}, {"¿Qué? ¡No!", "What? No!"}, {"שלום. 你好。", "Hola. Hola."},
	} {
		f.Add(p[0], p[1])
	}
	tr := openTiny(f, "tiny-swish-shared")
	f.Fuzz(func(t *testing.T, source, target string) {
		if len(source) > 300 || len(target) > 300 {
			return // longer texts only cost time
		}
		res, err := tr.Align(context.Background(), source, target, Options{})
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("Align(%q, %q): %v is not ErrInvalidArgument", source, target, err)
			}
			return
		}
		pos := 0
		for k, s := range res.Sentences {
			if len(s.Hypotheses) != 1 {
				t.Fatalf("sentence %d: %d hypotheses", k, len(s.Hypotheses))
			}
			text := s.Hypotheses[0].Text
			at := strings.Index(target[pos:], text)
			if at < 0 {
				t.Fatalf("sentence %d: tokens decode to %q, not in %q after byte %d", k, text, target, pos)
			}
			pos += at + len(text)
		}
	})
}

func TestTranslateWholeLines(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	ctx := context.Background()
	opts := Options{BeamSize: 1, MaxLength: 12, WholeLines: true}
	out, err := tr.Translate(ctx, Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 1, 0, 1, 2} {
		if got := len(out[i].Sentences); got != want {
			t.Fatalf("text %d: %d units, want %d", i, got, want)
		}
	}
	s := out[3].Sentences[0]
	if s.Start != 0 || s.End != len(texts[3]) {
		t.Errorf("the line's unit spans [%d,%d), want [0,%d)", s.Start, s.End, len(texts[3]))
	}
	// The unit's source tokens are the whole line's, and the model read
	// them all: each output token attends over them and end-of-sentence.
	whole, err := tr.SourceTokenizer().Encode(texts[3])
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tokens) != len(whole) || s.Tokens[0].Start != 0 || s.Tokens[len(s.Tokens)-1].End != len(texts[3]) {
		t.Errorf("the line's unit has %d source tokens over [%d,%d), want %d over [0,%d)",
			len(s.Tokens), s.Tokens[0].Start, s.Tokens[len(s.Tokens)-1].End, len(whole), len(texts[3]))
	}
	withAttn := opts
	withAttn.Attention = true
	att, err := tr.Translate(ctx, Request{Texts: texts[3:4], Options: withAttn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(att[0].Sentences[0].Hypotheses[0].Tokens[0].Attention[0][0]); got != len(whole)+1 {
		t.Errorf("attention over %d source positions, want %d", got, len(whole)+1)
	}
	// A one-sentence text is translated the same either way.
	one, err := tr.Translate(ctx, Request{Texts: texts[:1], Options: Options{BeamSize: 1, MaxLength: 12}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one[0], out[0]) {
		t.Errorf("one sentence: %+v with WholeLines, %+v without", out[0], one[0])
	}
	// A line longer than the model's positions is translated sentence by
	// sentence rather than refused.
	long := texts[0]
	for n := 1; ; n++ {
		toks, err := tr.SourceTokenizer().Encode(long)
		if err != nil {
			t.Fatal(err)
		}
		if len(toks)+1 > tr.Info().MaxPositions {
			long2, err := tr.Translate(ctx, Request{Texts: []string{long + "\nJesus wept."}, Options: opts}, nil)
			if err != nil || len(long2[0].Sentences) != n+1 {
				t.Fatalf("a line of %d sentences over %d positions: %+v, err %v", n, tr.Info().MaxPositions, long2, err)
			}
			break
		}
		long += " " + texts[0]
	}
	split, err := tr.Translate(ctx, Request{Texts: texts[3:4], Options: Options{BeamSize: 1, MaxLength: 12}}, nil)
	if err != nil || len(split[0].Sentences) != 3 {
		t.Fatalf("without WholeLines: %+v, err %v", split, err)
	}
}
