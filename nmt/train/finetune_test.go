package train

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// shapedTrainer is tinyTrainer with encL+decL layers and model width d.
func shapedTrainer(t *testing.T, encL, decL, d int) *Trainer {
	t.Helper()
	train, dev := tinyCorpus(t)
	c := tinyConfig("swish")
	c.VocabSize, c.DecoderVocabSize = 259, 259
	c.MaxPositionEmbeddings = 128
	c.EncoderLayers, c.DecoderLayers, c.DModel = encL, decL, d
	o := Options{MaxTokens: 192, Buckets: []int{32, 64, 96}, Warmup: 5, PeakLR: 3e-3, MaxSteps: 2,
		Seed: 7, CheckpointEvery: time.Hour, LogEvery: 1000}
	tr, err := New(c, o, train, dev, []byte(`{"tokenizer":"bytes"}`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestInitFromDeeper: a deeper model starts with every layer copied from
// the source layer at its relative depth, and everything outside the
// layers copied as is; a shallower or differently shaped one is refused.
func TestInitFromDeeper(t *testing.T) {
	base := shapedTrainer(t, 1, 2, 8)
	base.Init()
	if err := base.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	from := filepath.Join(base.Dir, "last")
	deep := shapedTrainer(t, 3, 5, 8)
	if err := deep.InitFrom(from); err != nil {
		t.Fatal(err)
	}
	src := map[string][]float32{}
	for _, p := range base.Params.List {
		src[p.Name] = p.Data
	}
	// Decoder layer i of 5 reads layer ⌊2i/5⌋: 0 0 0 1 1; encoder: 0 0 0.
	want := func(name string) string {
		for i, j := range []int{0, 0, 0, 1, 1} {
			name = strings.Replace(name, fmt.Sprintf("decoder.layers.%d.", i), fmt.Sprintf("decoder.layers.@%d.", j), 1)
		}
		for i := range 3 {
			name = strings.Replace(name, fmt.Sprintf("encoder.layers.%d.", i), "encoder.layers.@0.", 1)
		}
		return strings.ReplaceAll(name, "@", "")
	}
	layers := 0
	for _, p := range deep.Params.List {
		w, ok := src[want(p.Name)]
		if !ok {
			t.Fatalf("%s: no source parameter %s", p.Name, want(p.Name))
		}
		if !slices.Equal(p.Data, w) {
			t.Fatalf("%s does not hold %s", p.Name, want(p.Name))
		}
		if strings.Contains(p.Name, ".layers.") {
			layers++
		}
	}
	if layers == 0 || deep.State.InitFrom != from || deep.State.Step != 0 {
		t.Fatalf("%d layer parameters checked; state %+v", layers, deep.State)
	}
	if err := deep.Run(context.Background()); err != nil {
		t.Fatalf("training the deeper model: %v", err)
	}
	for _, tc := range []struct {
		tr   *Trainer
		want string
	}{
		{shapedTrainer(t, 1, 1, 8), "1+1 layers cannot start from a model of 1+2"},
		{shapedTrainer(t, 2, 4, 16), "differ in more than their layer counts"},
	} {
		if err := tc.tr.InitFrom(from); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("InitFrom: err = %v, want one containing %q", err, tc.want)
		}
	}
}
