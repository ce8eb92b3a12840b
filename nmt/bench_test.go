package nmt

import (
	"context"
	"errors"
	"testing"

	"github.com/translated/translated/nmt/model"
)

var tinyShape = BenchShape{DModel: 16, EncoderLayers: 1, DecoderLayers: 2, Heads: 2, FFN: 24, Vocab: 40}

func TestBenchCountsSteps(t *testing.T) {
	m, err := RandomModel(tinyShape, 3, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []BenchOptions{
		{Sentences: 5, Batch: 2, Beam: 1, SourceLen: 7, TargetLen: 9, Rounds: 2},
		{Sentences: 3, Batch: 3, Beam: 4, SourceLen: 4, TargetLen: 6, Rounds: 1},
		{},
	}
	i8, err := RandomModel(tinyShape, 3, model.LoadOptions{Int8: true})
	if err != nil || !i8.Int8() || m.Int8() {
		t.Fatalf("int8 random model: %v", err)
	}
	for i, o := range cases {
		mm := m
		if i == 1 {
			mm = i8
		}
		res, err := Bench(context.Background(), mm, o)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		o = o.withDefaults()
		batches := (o.Sentences + o.Batch - 1) / o.Batch
		if res.TargetTokens != o.Sentences*o.TargetLen || len(res.Rounds) != o.Rounds || res.Steps != o.Rounds*batches*o.TargetLen {
			t.Errorf("%+v: %d tokens, %d rounds, %d steps", o, res.TargetTokens, len(res.Rounds), res.Steps)
		}
		if res.TokensPerSecond <= 0 || res.StepP50 > res.StepP99 {
			t.Errorf("%+v: %v tok/s, p50 %v, p99 %v", o, res.TokensPerSecond, res.StepP50, res.StepP99)
		}
		if res.ShortlistMean != float64(tinyShape.Vocab) {
			t.Errorf("%+v: %v output rows, want the vocabulary", o, res.ShortlistMean)
		}
	}
	res, err := Bench(context.Background(), m, BenchOptions{Sentences: 2, TargetLen: 3, Rounds: 1, ShortlistSize: 10})
	if err != nil || res.ShortlistMean < 10 || res.ShortlistMean > 11 {
		t.Errorf("shortlist of 10: %v output rows, %v", res, err)
	}
}

func TestBenchRejectsBadOptions(t *testing.T) {
	m, err := RandomModel(tinyShape, 3, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []BenchOptions{{Batch: -1}, {Beam: -2}, {TargetLen: 513}, {SourceLen: 600}, {Rounds: -1}, {ShortlistSize: 41}} {
		if _, err := Bench(context.Background(), m, o); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if _, err := RandomModel(BenchShape{DModel: 15, EncoderLayers: 1, DecoderLayers: 1, Heads: 2, FFN: 4, Vocab: 10}, 1, model.LoadOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("odd d_model: %v", err)
	}
}

func TestBenchSourcesFollowThePeer(t *testing.T) {
	c, err := tinyShape.Config()
	if err != nil {
		t.Fatal(err)
	}
	// scripts/reference/bench.py: 3 + (7i + 13j) mod (V − 3), then eos.
	got := model.SyntheticSources(c, 2, 4)
	want := [][]int{{3, 16, 29}, {10, 23, 36}}
	for i := range want {
		for j, id := range want[i] {
			if got[i][j] != id {
				t.Fatalf("sentence %d: %v, want %v then eos", i, got[i], want[i])
			}
		}
		if got[i][3] != c.EOSTokenID {
			t.Fatalf("sentence %d does not end with eos: %v", i, got[i])
		}
	}
}
