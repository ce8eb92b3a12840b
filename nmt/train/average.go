package train

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/translated/translated/nmt/safetensors"
)

// Average writes to dst a model whose every weight is the element-wise mean
// of that weight in the model directories dirs (checkpoint averaging: the
// mean of the last few checkpoints of one run usually translates better
// than any one of them). The directories must hold the same tensors with
// the same shapes and the same tokenizer.json; config.json and
// tokenizer.json are copied from dirs[0]. The mean is summed in float64
// and stored as store (F32, F16 or BF16). dst is created when missing and
// must not be one of dirs.
func Average(dst string, dirs []string, store safetensors.DType) error {
	if len(dirs) == 0 {
		return errors.New("train: nothing to average: no model directories given")
	}
	for _, d := range dirs {
		if sameDir(d, dst) {
			return fmt.Errorf("train: the averaged model cannot be written into %s, one of its inputs", d)
		}
	}
	tok, err := os.ReadFile(filepath.Join(dirs[0], TokenizerFile))
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	var sums map[string][]float64
	var shapes map[string][]int
	for _, d := range dirs {
		if other, err := os.ReadFile(filepath.Join(d, TokenizerFile)); err != nil || !bytes.Equal(other, tok) {
			return fmt.Errorf("train: %s and %s have different tokenizers: only checkpoints of one run can be averaged", dirs[0], d)
		}
		f, err := safetensors.ReadFile(filepath.Join(d, WeightsFile))
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		if sums == nil {
			sums, shapes = make(map[string][]float64, len(f.Tensors)), make(map[string][]int, len(f.Tensors))
			for name, t := range f.Tensors {
				sums[name], shapes[name] = make([]float64, t.NumElements()), t.Shape
			}
		}
		if err := addWeights(sums, shapes, f, d); err != nil {
			return err
		}
	}
	return writeAverage(dst, dirs[0], sums, shapes, len(dirs), store)
}

// addWeights adds the tensors of f (read from dir) to sums, checking that
// f holds exactly the tensors and shapes of the first directory.
func addWeights(sums map[string][]float64, shapes map[string][]int, f *safetensors.File, dir string) error {
	if len(f.Tensors) != len(sums) {
		return fmt.Errorf("train: %s holds %d tensors, the first directory %d", filepath.Join(dir, WeightsFile), len(f.Tensors), len(sums))
	}
	for name, t := range f.Tensors {
		sum, ok := sums[name]
		if !ok || !slices.Equal(t.Shape, shapes[name]) {
			return fmt.Errorf("train: %s: tensor %s %v is not in the first directory with that shape", filepath.Join(dir, WeightsFile), name, t.Shape)
		}
		v, err := t.Float32()
		if err != nil {
			return fmt.Errorf("train: %s: %s: %w", filepath.Join(dir, WeightsFile), name, err)
		}
		for i, x := range v {
			sum[i] += float64(x)
		}
	}
	return nil
}

// writeAverage stores sums/n in dst with config.json and tokenizer.json of from.
func writeAverage(dst, from string, sums map[string][]float64, shapes map[string][]int, n int, store safetensors.DType) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(sums))
	for name := range sums {
		names = append(names, name)
	}
	slices.Sort(names)
	ts := make([]safetensors.Float32Tensor, 0, len(names))
	for _, name := range names {
		vals := make([]float32, len(sums[name]))
		for i, s := range sums[name] {
			vals[i] = float32(s / float64(n))
		}
		ts = append(ts, safetensors.Float32Tensor{Name: name, Shape: shapes[name], Values: vals, Store: store})
	}
	if err := safetensors.WriteFile(filepath.Join(dst, WeightsFile), ts, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	for _, name := range []string{ConfigFile, TokenizerFile} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		if err := safetensors.WriteAtomic(filepath.Join(dst, name), b); err != nil {
			return err
		}
	}
	return nil
}

// sameDir reports whether a and b name the same directory.
func sameDir(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	aa, _ := filepath.Abs(a)
	ab, _ := filepath.Abs(b)
	return aa == ab
}
