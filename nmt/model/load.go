package model

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/translated/translated/nmt/safetensors"
)

// WeightsFile is the name of the weights file in a checkpoint directory.
const WeightsFile = "model.safetensors"

// Load reads a checkpoint directory: config.json and model.safetensors with
// Hugging Face MarianMTModel tensor names (see docs/checkpoints.md), or,
// when there is no model.safetensors, pytorch_model.bin (see LoadWeights).
// F32, F16 and BF16 tensors are accepted and widened to float32. A missing,
// mis-shaped or badly typed tensor is an error naming the file and the
// tensor; tensors the model does not use are ignored.
func Load(dir string) (*Model, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.Extra[EmbeddingsKey]; ok {
		return nil, fmt.Errorf("%s was saved without its embeddings (%s in config.json): it loads only beside the model it was trained from", dir, EmbeddingsKey)
	}
	return loadDir(dir, cfg)
}

// loadDir reads the weights of dir for its configuration cfg.
func loadDir(dir string, cfg *Config) (*Model, error) {
	path, err := weightsPath(dir)
	if err != nil {
		return nil, err
	}
	return LoadWeights(cfg, path)
}

// fileSource serves tensors from a parsed safetensors file.
type fileSource struct {
	path string
	f    *safetensors.File
}

func (s fileSource) get(name string, shape []int) ([]float32, bool, error) {
	t, ok := s.f.Tensors[name]
	if !ok {
		return nil, false, nil
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, false, fmt.Errorf("%s: tensor %q has shape %v, want %v", s.path, name, t.Shape, shape)
	}
	v, err := t.Float32()
	if err != nil {
		return nil, false, fmt.Errorf("%s: %v", s.path, err)
	}
	return v, true, nil
}

func (s fileSource) missing(name string) error {
	return fmt.Errorf("%s: tensor %q is missing", s.path, name)
}

// New builds a Model from a configuration and float32 weights keyed by their
// Hugging Face names (as Load reads them), each holding exactly the number of
// values its shape needs. The values are copied into the model's own layout;
// the map may be reused afterwards.
func New(cfg *Config, weights map[string][]float32) (*Model, error) {
	return build(cfg, mapSource(weights))
}

type mapSource map[string][]float32

func (s mapSource) get(name string, shape []int) ([]float32, bool, error) {
	v, ok := s[name]
	if !ok {
		return nil, false, nil
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if len(v) != n {
		return nil, false, fmt.Errorf("weights: tensor %q has %d values, want %d for shape %v", name, len(v), n, shape)
	}
	// A copy: the model keeps some tensors (the embeddings) as given, and
	// the caller may reuse the map.
	return slices.Clone(v), true, nil
}

func (s mapSource) missing(name string) error {
	return fmt.Errorf("weights: tensor %q is missing", name)
}

// Save writes m to dir as config.json and model.safetensors, storing the
// weights as F32, F16 or BF16. Tied matrices are written once (under
// model.shared.weight when embeddings are shared; no lm_head.weight when the
// output is tied), as Hugging Face does. The directory must exist.
func Save(dir string, m *Model, store safetensors.DType) error {
	cfg := m.Config()
	if err := WriteConfig(dir, &cfg); err != nil {
		return err
	}
	tensors := m.tensors()
	for i := range tensors {
		tensors[i].Store = store
	}
	return safetensors.WriteFile(filepath.Join(dir, WeightsFile), tensors, map[string]string{"format": "pt"})
}

// Weights returns a copy of every weight under its Hugging Face name, the
// form New accepts.
func (m *Model) Weights() map[string][]float32 {
	out := make(map[string][]float32)
	for _, t := range m.tensors() {
		out[t.Name] = t.Values
	}
	return out
}

// Shapes returns the shape of every tensor Weights returns.
func (m *Model) Shapes() map[string][]int {
	out := make(map[string][]int)
	for _, t := range m.tensors() {
		out[t.Name] = t.Shape
	}
	return out
}

// tensors lists the model's weights in a fixed order with their shapes.
func (m *Model) tensors() []safetensors.Float32Tensor {
	c := &m.cfg
	d := c.DModel
	var out []safetensors.Float32Tensor
	add := func(name string, v []float32, shape ...int) {
		out = append(out, safetensors.Float32Tensor{Name: name, Shape: shape, Values: append([]float32(nil), v...)})
	}
	if c.SharedEmbeddings() {
		add(SharedEmbedding, m.encEmbed, c.VocabSize, d)
	} else {
		add("model.encoder.embed_tokens.weight", m.encEmbed, c.VocabSize, d)
		add("model.decoder.embed_tokens.weight", m.decEmbed, c.DecoderVocabSize, d)
	}
	for i, l := range m.enc {
		p := "model.encoder.layers." + strconv.Itoa(i)
		out = l.self.appendTensors(out, p+".self_attn", p+".self_attn_layer_norm")
		out = l.ffn.appendTensors(out, p)
	}
	for i, l := range m.dec {
		p := "model.decoder.layers." + strconv.Itoa(i)
		out = l.self.appendTensors(out, p+".self_attn", p+".self_attn_layer_norm")
		out = l.cross.appendTensors(out, p+".encoder_attn", p+".encoder_attn_layer_norm")
		out = l.ffn.appendTensors(out, p)
	}
	add("final_logits_bias", m.output.Bias(), 1, c.DecoderVocabSize)
	if !c.TiedOutput() {
		w := make([]float32, c.DecoderVocabSize*d)
		m.output.Weight(w)
		add("lm_head.weight", w, c.DecoderVocabSize, d)
	}
	return out
}

// appendTensors unstacks the attention's packed projections back into the
// q, k, v and out maps of the checkpoint.
func (a *attention) appendTensors(out []safetensors.Float32Tensor, prefix, norm string) []safetensors.Float32Tensor {
	names := []string{"q_proj", "k_proj", "v_proj"}
	out = appendLinear(out, a.inProj, prefix, names[:a.inProj.Out()/a.inProj.In()]...)
	if a.kvProj != nil {
		out = appendLinear(out, a.kvProj, prefix, names[1:]...)
	}
	out = appendLinear(out, a.outProj, prefix, "out_proj")
	return a.norm.appendTensors(out, norm)
}

func (f *feedForward) appendTensors(out []safetensors.Float32Tensor, prefix string) []safetensors.Float32Tensor {
	out = appendLinear(out, f.fc1, prefix, "fc1")
	out = appendLinear(out, f.fc2, prefix, "fc2")
	return f.norm.appendTensors(out, prefix+".final_layer_norm")
}

func (n layerNorm) appendTensors(out []safetensors.Float32Tensor, prefix string) []safetensors.Float32Tensor {
	d := len(n.gamma)
	return append(out,
		safetensors.Float32Tensor{Name: prefix + ".weight", Shape: []int{d}, Values: append([]float32(nil), n.gamma...)},
		safetensors.Float32Tensor{Name: prefix + ".bias", Shape: []int{d}, Values: append([]float32(nil), n.beta...)})
}

// appendLinear splits a stacked map into equal parts named prefix.name.
func appendLinear(out []safetensors.Float32Tensor, l interface {
	Out() int
	In() int
	Weight([]float32)
	Bias() []float32
}, prefix string, names ...string) []safetensors.Float32Tensor {
	in := l.In()
	part := l.Out() / len(names)
	w := make([]float32, l.Out()*in)
	l.Weight(w)
	b := l.Bias()
	for i, name := range names {
		out = append(out,
			safetensors.Float32Tensor{Name: prefix + "." + name + ".weight", Shape: []int{part, in}, Values: w[i*part*in : (i+1)*part*in]},
			safetensors.Float32Tensor{Name: prefix + "." + name + ".bias", Shape: []int{part}, Values: b[i*part : (i+1)*part]})
	}
	return out
}
