package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/safetensors"
)

// State is the trainer's position, written as trainer.json beside the
// model so a run resumes exactly where its checkpoint was taken.
type State struct {
	Step       int     `json:"step"`        // updates made
	Epoch      int     `json:"epoch"`       // current epoch, from 0
	Batch      int     `json:"batch"`       // next batch of the epoch
	Seed       uint64  `json:"seed"`        // data order and dropout seed
	Pairs      int     `json:"pairs"`       // training pairs (a changed corpus is refused)
	TargetToks int64   `json:"target_toks"` // target tokens trained on
	Seconds    float64 `json:"seconds"`     // training wall time so far
	BestDev    float64 `json:"best_dev"`    // best dev score so far (see BestMetric)
	BestMetric string  `json:"best_metric"` // "bleu" (higher is better) or "loss" (lower)
	BestStep   int     `json:"best_step"`
	// Guided is the supervised cross-attention head of a guided-alignment
	// run; absent (nil) for an unguided run.
	Guided *GuidedState `json:"guided,omitempty"`
	// InitFrom is the checkpoint a fine-tuning run took its weights from;
	// empty for a run started from random weights.
	InitFrom string `json:"init_from,omitempty"`
	// Cooldown is the linear decay of the learning rate that ends the run,
	// once begun (Options.Cooldown); nil before.
	Cooldown *Cooldown `json:"cooldown,omitempty"`
}

// Checkpoint file names inside a checkpoint directory.
const (
	ConfigFile    = "config.json"
	WeightsFile   = "model.safetensors"
	TokenizerFile = "tokenizer.json"
	StateFile     = "trainer.json"
	OptimizerFile = "optimizer.safetensors"
)

// hfTensors returns the parameters in Hugging Face layout, stored as store.
func hfTensors(ps *Params, store safetensors.DType) []safetensors.Float32Tensor {
	var out []safetensors.Float32Tensor
	for _, p := range ps.List {
		t := safetensors.Float32Tensor{Name: p.Name, Shape: p.Shape, Values: p.Data, Store: store}
		if p.Transposed {
			in, o := p.Shape[0], p.Shape[1]
			vals := make([]float32, len(p.Data))
			for i := 0; i < in; i++ {
				for j := 0; j < o; j++ {
					vals[j*in+i] = p.Data[i*o+j]
				}
			}
			t.Shape, t.Values = []int{o, in}, vals
		}
		out = append(out, t)
	}
	out = append(out, safetensors.Float32Tensor{Name: "final_logits_bias", Shape: []int{1, len(ps.FinalLogitsBias)}, Values: ps.FinalLogitsBias, Store: store})
	return out
}

// WriteModel writes config.json and model.safetensors (the engine's format)
// into dir, which must exist.
func WriteModel(dir string, c *model.Config, ps *Params, store safetensors.DType) error {
	if err := model.WriteConfig(dir, c); err != nil {
		return err
	}
	return safetensors.WriteFile(filepath.Join(dir, WeightsFile), hfTensors(ps, store), map[string]string{"format": "pt"})
}

// ReadWeights loads model.safetensors from dir into ps (any stored float type).
func ReadWeights(dir string, ps *Params) error {
	return readWeights(dir, ps, func(name string) string { return name })
}

// readWeights is ReadWeights reading parameter p from the tensor named
// rename(p.Name).
func readWeights(dir string, ps *Params, rename func(string) string) error {
	f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		return err
	}
	get := func(name string, n int) ([]float32, error) {
		t, ok := f.Tensors[name]
		if !ok {
			return nil, fmt.Errorf("%s: tensor %s is missing", WeightsFile, name)
		}
		v, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", WeightsFile, name, err)
		}
		if len(v) != n {
			return nil, fmt.Errorf("%s: %s has %d values, want %d", WeightsFile, name, len(v), n)
		}
		return v, nil
	}
	for _, p := range ps.List {
		v, err := get(rename(p.Name), len(p.Data))
		if err != nil {
			return err
		}
		if !p.Transposed {
			copy(p.Data, v)
			continue
		}
		in, o := p.Shape[0], p.Shape[1]
		for i := 0; i < in; i++ {
			for j := 0; j < o; j++ {
				p.Data[i*o+j] = v[j*in+i]
			}
		}
	}
	if _, ok := f.Tensors["final_logits_bias"]; ok {
		v, err := get("final_logits_bias", len(ps.FinalLogitsBias))
		if err != nil {
			return err
		}
		copy(ps.FinalLogitsBias, v)
	}
	return nil
}

// writeCheckpoint writes a complete checkpoint (model, tokenizer, optimizer,
// state) to dir atomically: everything goes to a fresh sibling directory
// which then replaces dir by two renames; a crash between them leaves the
// previous checkpoint as dir+".old", which readCheckpointDir falls back to.
func writeCheckpoint(dir string, c *model.Config, ps *Params, opt *Adam, st *State, tokenizerJSON []byte) error {
	parent := filepath.Dir(dir)
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := WriteModel(tmp, c, ps, safetensors.F32); err != nil {
		return err
	}
	if err := safetensors.WriteAtomic(filepath.Join(tmp, TokenizerFile), tokenizerJSON); err != nil {
		return err
	}
	if opt != nil {
		var ts []safetensors.Float32Tensor
		for i, p := range ps.List {
			ts = append(ts, safetensors.Float32Tensor{Name: "m/" + p.Name, Shape: p.Shape, Values: opt.M[i]},
				safetensors.Float32Tensor{Name: "v/" + p.Name, Shape: p.Shape, Values: opt.V[i]})
		}
		meta := map[string]string{"adam_steps": fmt.Sprint(opt.Steps)}
		if err := safetensors.WriteFile(filepath.Join(tmp, OptimizerFile), ts, meta); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := safetensors.WriteAtomic(filepath.Join(tmp, StateFile), append(b, '\n')); err != nil {
		return err
	}
	old := dir + ".old"
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// resolveCheckpointDir returns dir, or dir+".old" when a crash interrupted
// the swap of a new checkpoint into place.
func resolveCheckpointDir(dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, StateFile)); err == nil {
		return dir, nil
	}
	if _, err := os.Stat(filepath.Join(dir+".old", StateFile)); err == nil {
		return dir + ".old", nil
	}
	return "", fmt.Errorf("no checkpoint in %s", dir)
}

// readCheckpoint restores weights, optimizer moments and state from dir.
func readCheckpoint(dir string, ps *Params, opt *Adam) (*State, error) {
	dir, err := resolveCheckpointDir(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return nil, err
	}
	st := &State{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("%s: %w", StateFile, err)
	}
	if err := ReadWeights(dir, ps); err != nil {
		return nil, err
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, OptimizerFile))
	if err != nil {
		return nil, err
	}
	for i, p := range ps.List {
		for _, mv := range []struct {
			prefix string
			dst    []float32
		}{{"m/", opt.M[i]}, {"v/", opt.V[i]}} {
			t, ok := f.Tensors[mv.prefix+p.Name]
			if !ok {
				return nil, fmt.Errorf("%s: %s%s is missing", OptimizerFile, mv.prefix, p.Name)
			}
			v, err := t.Float32()
			if err != nil {
				return nil, err
			}
			if len(v) != len(mv.dst) {
				return nil, fmt.Errorf("%s: %s%s has %d values, want %d", OptimizerFile, mv.prefix, p.Name, len(v), len(mv.dst))
			}
			copy(mv.dst, v)
		}
	}
	if _, err := fmt.Sscan(f.Metadata["adam_steps"], &opt.Steps); err != nil {
		return nil, fmt.Errorf("%s: bad adam_steps metadata: %w", OptimizerFile, err)
	}
	return st, nil
}
