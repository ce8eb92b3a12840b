package nmt

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// echo is a Requester that returns each text as its translation and
// counts the requests.
type echo struct {
	requests []int // texts per request
	err      error
}

func (e *echo) Translate(_ context.Context, req Request, _ func(Event)) ([]Translation, error) {
	if e.err != nil {
		return nil, e.err
	}
	e.requests = append(e.requests, len(req.Texts))
	out := make([]Translation, len(req.Texts))
	for i, t := range req.Texts {
		out[i] = Translation{Source: t, Text: t}
	}
	return out, nil
}

func TestEvaluate(t *testing.T) {
	sources := []string{"Y dijo Dios: Sea la luz.", "  línea uno\r\nlínea dos\n", "中文\r句子", "🦤 ñandú", "עִברִית"}
	refs := []string{"Y dijo Dios: Sea la luz.", "línea uno línea dos", "中文 句子", "🦤 ñandú", "עִברִית"}
	tr := &echo{}
	ev, err := Evaluate(context.Background(), tr, sources, refs, Options{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ev.Hypotheses, "|") != strings.Join(refs, "|") {
		t.Errorf("hypotheses %q, want %q", ev.Hypotheses, refs)
	}
	if math.Abs(ev.BLEU.Score-100) > 1e-9 || math.Abs(ev.CHRF-100) > 1e-9 {
		t.Errorf("echoed references score %s, chrF2 %.2f; want 100 and 100", ev.BLEU, ev.CHRF)
	}
	if got := tr.requests; len(got) != 3 || got[0] != 2 || got[1] != 2 || got[2] != 1 {
		t.Errorf("requests of %v texts, want 2, 2, 1", got)
	}
	if sc, err := Score(ev.Hypotheses, refs); err != nil || sc.BLEU != ev.BLEU || sc.CHRF != ev.CHRF {
		t.Errorf("Score of the same lines: %+v, %v", sc, err)
	}

	boom := errors.New("boom")
	cases := []struct {
		name          string
		tr            Requester
		sources, refs []string
		batch         int
		want          error
	}{
		{"translation error", &echo{err: boom}, sources, refs, 32, boom},
		{"fewer references", &echo{}, sources, refs[:4], 32, ErrInvalidArgument},
		{"no batch", &echo{}, sources, refs, 0, ErrInvalidArgument},
	}
	for _, c := range cases {
		if _, err := Evaluate(context.Background(), c.tr, c.sources, c.refs, Options{}, c.batch); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Score(refs[:2], refs); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Score of 2 lines for 5 references: %v", err)
	}
}

// TestEvaluateModel: a real model's translations are scored as the
// translator gives them.
func TestEvaluateModel(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	sources := []string{"Hello world.", "The cat sat. The dog ran."}
	opts := Options{MaxLength: 6}
	ev, err := Evaluate(context.Background(), tr, sources, []string{"Hola mundo.", "El gato."}, opts, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tr.Translate(context.Background(), Request{Texts: sources, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if ev.Hypotheses[i] != OneLine(want[i].Text) {
			t.Errorf("hypothesis %d: %q, want %q", i, ev.Hypotheses[i], want[i].Text)
		}
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		" \t\n":                   "",
		"uno\ndos":                "uno dos",
		"uno\r\ndos\rtres":        "uno dos tres",
		"e\u0301\n\u05e9\u05dc":   "e\u0301 \u05e9\u05dc",
		"  日本語\n\n中文  ":           "日本語  中文",
		"👩‍👩‍👧\r\n🦤":              "👩‍👩‍👧 🦤",
		"bad \xff\nbyte":          "bad \xff byte",
		"\u2028line separator\n ": "line separator", // U+2028 is space too
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
