package train

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/safetensors"
)

// TestKeepAndAverage: with Keep 2 and a checkpoint every 2 steps, an
// 8-step run keeps steps/6 and steps/8 only; their average is the
// element-wise mean, loads as an engine model, and differs from both.
func TestKeepAndAverage(t *testing.T) {
	dir := t.TempDir()
	tr := tinyTrainer(t, dir, 8)
	tr.Options.Keep, tr.Options.CheckpointSteps = 2, 2
	tr.Init()
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	steps, err := Snapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(steps, []int{6, 8}) {
		t.Fatalf("kept steps %v, want [6 8]", steps)
	}
	in := []string{snapshotPath(dir, 6), snapshotPath(dir, 8)}
	out := filepath.Join(t.TempDir(), "avg")
	if err := Average(out, in, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	a, b, avg := readTensors(t, in[0]), readTensors(t, in[1]), readTensors(t, out)
	if len(avg) != len(a) {
		t.Fatalf("average holds %d tensors, inputs %d", len(avg), len(a))
	}
	differs := false
	for name, v := range avg {
		for i := range v {
			want := float32((float64(a[name][i]) + float64(b[name][i])) / 2)
			if v[i] != want {
				t.Fatalf("%s[%d] = %g, want the mean %g", name, i, v[i], want)
			}
			differs = differs || v[i] != a[name][i]
		}
	}
	if !differs {
		t.Error("the average equals the first input: the two snapshots were the same")
	}
	if _, err := model.Load(out); err != nil {
		t.Errorf("the averaged model does not load: %v", err)
	}
}

func snapshotPath(dir string, step int) string {
	return filepath.Join(dir, SnapshotDir, strconv.Itoa(step))
}

func readTensors(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for name, ts := range f.Tensors {
		if out[name], err = ts.Float32(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestAverageRefuses: inputs of different runs or shapes, no inputs, and an
// output that is one of the inputs are refused with a sentence naming why.
func TestAverageRefuses(t *testing.T) {
	dir := t.TempDir()
	tr := tinyTrainer(t, dir, 2)
	tr.Init()
	if err := tr.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	last := filepath.Join(dir, "last")

	otherTok := copyDir(t, last)
	if err := os.WriteFile(filepath.Join(otherTok, TokenizerFile), []byte(`{"other":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	otherShape := copyDir(t, last)
	if err := safetensors.WriteFile(filepath.Join(otherShape, WeightsFile),
		[]safetensors.Float32Tensor{{Name: "x", Shape: []int{2}, Values: []float32{1, 2}, Store: safetensors.F32}}, nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "avg")
	for _, c := range []struct {
		name string
		dirs []string
		dst  string
		want string
	}{
		{"none", nil, out, "no model directories"},
		{"into an input", []string{last, otherShape}, last, "one of its inputs"},
		{"other tokenizer", []string{last, otherTok}, out, "different tokenizers"},
		{"other tensors", []string{last, otherShape}, out, "tensors"},
		{"missing", []string{last, filepath.Join(dir, "nope")}, out, "different tokenizers"},
	} {
		err := Average(c.dst, c.dirs, safetensors.F32)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
