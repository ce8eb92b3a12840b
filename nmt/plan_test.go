package nmt

import (
	"context"
	"errors"
	"testing"
)

// TestPlan: a plan counts the sentences and tokens Translate decodes,
// fills in the defaults, and refuses what Translate refuses, without
// decoding.
func TestPlan(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	req := Request{Texts: []string{"Hello world. How are you?", "", "Café 👩‍👩‍👧 שלום"}}
	p, err := tr.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.Translate(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if len(p.Sentences[i]) != len(r.Sentences) {
			t.Fatalf("text %d: plan of %d sentences, translation of %d", i, len(p.Sentences[i]), len(r.Sentences))
		}
		for k, s := range r.Sentences {
			if p.Sentences[i][k] != len(s.Tokens)+1 {
				t.Errorf("text %d sentence %d: plan says %d input tokens, the translation read %d + end of sentence", i, k, p.Sentences[i][k], len(s.Tokens))
			}
			if n := len(s.Hypotheses[0].Tokens); n > p.TargetLimit(p.Sentences[i][k]) {
				t.Errorf("text %d sentence %d: %d target tokens, over the plan's limit %d", i, k, n, p.TargetLimit(p.Sentences[i][k]))
			}
		}
	}
	if p.BeamSize < 1 || p.NBest != 1 || p.MaxLength < 1 || p.Models != 1 || p.BatchSize < 1 {
		t.Errorf("defaults not filled in: %+v", p)
	}
	bad := Request{Texts: []string{"ab\x80"}}
	if _, err := tr.Plan(bad); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("invalid UTF-8: %v, want ErrInvalidArgument", err)
	}
	if _, err := tr.Plan(Request{Texts: []string{"Hi."}, Options: Options{MaxLength: 1 << 20}}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("max_length over the positions: %v, want ErrInvalidArgument", err)
	}
}
