package model

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/translated/translated/nmt/safetensors"
)

// int8Steps decodes srcs greedily for steps steps and returns every step's
// log-probabilities.
func int8Steps(t *testing.T, m *Model, srcs [][]int, steps int) [][]float32 {
	t.Helper()
	dec := newDecoder(t, m, srcs)
	V := m.cfg.DecoderVocabSize
	tokens := make([]int, len(srcs))
	var out [][]float32
	for s := 0; s < steps; s++ {
		lp := make([]float32, len(srcs)*V)
		if err := dec.Next(context.Background(), tokens, lp, nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, lp)
		for r := range tokens {
			tokens[r] = 2 + (s*7+r*3)%(V-2) // forced, the same for both models
		}
	}
	return out
}

// TestInt8Model loads a model as int8 in both ways (quantized at load, and
// from an int8 checkpoint written by Save), checks that the two give the
// same bits, that the int8 log-probabilities stay near the float32 ones,
// and that saving the int8 model again writes the same int8 values.
func TestInt8Model(t *testing.T) {
	for _, tc := range []struct {
		name         string
		shared, tied bool
	}{{"shared-tied", true, true}, {"untied", false, false}, {"unshared-tied", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			c := tinyConfig()
			c.ShareEncoderDecoderEmbeddings, c.TieWordEmbeddings = &tc.shared, &tc.tied
			m := randomModel(t, c, 23)
			f32dir, i8dir, again := t.TempDir(), t.TempDir(), t.TempDir()
			if err := Save(f32dir, m, safetensors.F32); err != nil {
				t.Fatal(err)
			}
			atLoad, err := LoadWith(f32dir, LoadOptions{Int8: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := Save(i8dir, m, safetensors.I8); err != nil {
				t.Fatal(err)
			}
			fromFile, err := Load(i8dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.Int8() || !atLoad.Int8() || !fromFile.Int8() {
				t.Fatalf("Int8: float32 %v, at load %v, from file %v", m.Int8(), atLoad.Int8(), fromFile.Int8())
			}
			srcs := [][]int{{5, 9, 1}, {7, 8, 4, 6, 1}}
			want, a, b := int8Steps(t, m, srcs, 6), int8Steps(t, atLoad, srcs, 6), int8Steps(t, fromFile, srcs, 6)
			var errSum float64
			n := 0
			for s := range want {
				for i := range want[s] {
					if a[s][i] != b[s][i] {
						t.Fatalf("step %d value %d: %g quantized at load, %g from the int8 file", s, i, a[s][i], b[s][i])
					}
					errSum += math.Abs(float64(a[s][i] - want[s][i]))
					n++
				}
			}
			// The tiny model's weights are N(0, 0.3): its logits move by a
			// few hundredths under int8.
			if mean := errSum / float64(n); mean > 0.05 {
				t.Errorf("mean |int8 − float32| log-probability %.4f", mean)
			}
			if err := Save(again, fromFile, safetensors.I8); err != nil {
				t.Fatal(err)
			}
			f1, _ := safetensors.ReadFile(filepath.Join(i8dir, WeightsFile))
			f2, _ := safetensors.ReadFile(filepath.Join(again, WeightsFile))
			for name, t1 := range f1.Tensors {
				t2, ok := f2.Tensors[name]
				if !ok || string(t1.Data) != string(t2.Data) || t1.DType != t2.DType {
					t.Fatalf("tensor %s differs when the int8 model is saved again", name)
				}
			}
			if len(f1.Tensors) != len(f2.Tensors) {
				t.Fatalf("%d tensors, then %d", len(f1.Tensors), len(f2.Tensors))
			}
		})
	}
}

// TestTiedEmbeddingHeldOnce checks that a shared, tied embedding lives in
// the output projection only, and that a model loaded on another's
// embeddings reads that same projection.
func TestTiedEmbeddingHeldOnce(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 25)
	if m.encEmbed != m.decEmbed || m.decEmbed.tied != m.output || m.decEmbed.rows != nil {
		t.Fatal("the shared, tied embedding has rows of its own")
	}
	dir := t.TempDir()
	if err := SaveWithoutEmbeddings(dir, m, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	other, err := LoadOnEmbeddings(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	if other.decEmbed.tied != other.output || other.output == m.output {
		t.Fatal("the lent embedding is not the borrower's own output projection")
	}
	row, want := make([]float32, c.DModel), make([]float32, c.DModel)
	for id := 0; id < c.VocabSize; id++ {
		other.encEmbed.lookup(row, id)
		m.encEmbed.lookup(want, id)
		for j := range row {
			if row[j] != want[j] {
				t.Fatalf("token %d: the lent embedding differs", id)
			}
		}
	}
	i8 := t.TempDir()
	if err := Save(i8, m, safetensors.I8); err != nil {
		t.Fatal(err)
	}
	base, err := Load(i8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOnEmbeddings(dir, base); err == nil {
		t.Error("an int8 model lent its embeddings")
	}
}
