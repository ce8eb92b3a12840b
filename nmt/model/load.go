package model

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/translated/translated/nmt/safetensors"
	"github.com/translated/translated/nmt/tensor"
)

// WeightsFile is the name of the weights file in a checkpoint directory.
const WeightsFile = "model.safetensors"

// Load reads a checkpoint directory: config.json and model.safetensors with
// Hugging Face MarianMTModel tensor names (see docs/checkpoints.md), or,
// when there is no model.safetensors, pytorch_model.bin (see LoadWeights).
// F32, F16 and BF16 tensors are accepted and widened to float32. A missing,
// mis-shaped or badly typed tensor is an error naming the file and the
// tensor; tensors the model does not use are ignored.
func Load(dir string) (*Model, error) { return LoadWith(dir, LoadOptions{}) }

// LoadOptions choose how a checkpoint is held in memory.
type LoadOptions struct {
	// Int8 quantizes every weight matrix (the attention and feed-forward
	// maps, the output projection and the embedding tied to it) to int8
	// with one scale per output row as it is read (tensor.NewLinearInt8):
	// a quarter of the float32 bytes, and integer products where the CPU
	// has them. A checkpoint whose matrices are stored as int8 (translate-cli
	// convert --dtype int8) loads as int8 whatever this says.
	Int8 bool
}

// LoadWith is Load with options.
func LoadWith(dir string, o LoadOptions) (*Model, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.Extra[EmbeddingsKey]; ok {
		return nil, fmt.Errorf("%s was saved without its embeddings (%s in config.json): it loads only beside the model it was trained from", dir, EmbeddingsKey)
	}
	return loadDir(dir, cfg, o)
}

// loadDir reads the weights of dir for its configuration cfg.
func loadDir(dir string, cfg *Config, o LoadOptions) (*Model, error) {
	path, err := weightsPath(dir)
	if err != nil {
		return nil, err
	}
	return loadWeights(cfg, path, o)
}

// New builds a Model from a configuration and float32 weights keyed by their
// Hugging Face names (as Load reads them), each holding exactly the number of
// values its shape needs. The values are copied into the model's own layout;
// the map may be reused afterwards.
func New(cfg *Config, weights map[string][]float32) (*Model, error) {
	return build(cfg, mapSource(weights), false)
}

// Quantized returns a copy of m with its weight matrices quantized to
// int8, as LoadOptions.Int8 does at load (m itself is left as it is).
func Quantized(m *Model) (*Model, error) {
	return build(&m.cfg, mapSource(m.Weights()), true)
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

func (s mapSource) rows(name string, n, k int) (rowSource, bool, error) {
	v, ok := s[name]
	if !ok {
		return nil, false, nil
	}
	if len(v) != n*k {
		return nil, false, fmt.Errorf("weights: tensor %q has %d values, want %d for shape [%d, %d]", name, len(v), n*k, n, k)
	}
	return sliceRows{v: v, k: k}, true, nil
}

func (s mapSource) missing(name string) error {
	return fmt.Errorf("weights: tensor %q is missing", name)
}

// Save writes m to dir as config.json and model.safetensors, storing the
// weights as F32, F16, BF16 or I8. Tied matrices are written once (under
// model.shared.weight when embeddings are shared; no lm_head.weight when the
// output is tied), as Hugging Face does. With I8 every weight matrix is
// stored as int8 with its per-row scales beside it (ScaleSuffix), quantized
// as LoadOptions.Int8 does unless the model already holds it so, and the
// rest (biases, layer norms, embeddings not tied to the output) as F32:
// such a checkpoint loads here as an int8 model, not in Python. The
// directory must exist.
func Save(dir string, m *Model, store safetensors.DType) error {
	cfg := m.Config()
	if err := WriteConfig(dir, &cfg); err != nil {
		return err
	}
	return safetensors.WriteFile(filepath.Join(dir, WeightsFile), m.stored(store, ""), map[string]string{"format": "pt"})
}

// stored lists m's tensors as Save writes them with store, leaving out the
// one named skip.
func (m *Model) stored(store safetensors.DType, skip string) []safetensors.Float32Tensor {
	var out []safetensors.Float32Tensor
	for _, t := range m.tensors(store == safetensors.I8) {
		if t.Name == skip {
			continue
		}
		switch {
		case t.Int8 != nil:
			t.Store = safetensors.I8
		case store != safetensors.I8:
			t.Store = store
		}
		out = append(out, t)
	}
	return out
}

// Weights returns a copy of every weight under its Hugging Face name, the
// form New accepts (int8 matrices dequantized).
func (m *Model) Weights() map[string][]float32 {
	out := make(map[string][]float32)
	for _, t := range m.tensors(false) {
		out[t.Name] = t.Values
	}
	return out
}

// Shapes returns the shape of every tensor Weights returns.
func (m *Model) Shapes() map[string][]int {
	out := make(map[string][]int)
	for _, t := range m.tensors(false) {
		out[t.Name] = t.Shape
	}
	return out
}

// tensors lists the model's weights in a fixed order with their shapes;
// with int8 the matrices come as int8 values (Int8 set, Values nil)
// followed by their scales.
func (m *Model) tensors(asInt8 bool) []safetensors.Float32Tensor {
	c := &m.cfg
	d := c.DModel
	var out []safetensors.Float32Tensor
	add := func(name string, v []float32, shape ...int) {
		out = append(out, safetensors.Float32Tensor{Name: name, Shape: shape, Values: append([]float32(nil), v...)})
	}
	// A matrix the model multiplies by (a projection, or an embedding
	// tied to one) is stored as int8 with asInt8; an embedding with rows
	// of its own, only ever looked up, stays float32 as in memory.
	addMatrix := func(name string, w *tensor.Linear, e *embedding) {
		if asInt8 && w != nil {
			out = appendInt8(out, name, w)
			return
		}
		if w != nil {
			v := make([]float32, w.Out()*w.In())
			w.Weight(v)
			add(name, v, w.Out(), w.In())
			return
		}
		add(name, e.values(), len(e.rows)/d, d)
	}
	if c.SharedEmbeddings() {
		addMatrix(SharedEmbedding, m.encEmbed.tied, m.encEmbed)
	} else {
		addMatrix("model.encoder.embed_tokens.weight", m.encEmbed.tied, m.encEmbed)
		addMatrix("model.decoder.embed_tokens.weight", m.decEmbed.tied, m.decEmbed)
	}
	for i, l := range m.enc {
		p := "model.encoder.layers." + strconv.Itoa(i)
		out = l.self.appendTensors(out, asInt8, p+".self_attn", p+".self_attn_layer_norm")
		out = l.ffn.appendTensors(out, asInt8, p)
	}
	for i, l := range m.dec {
		p := "model.decoder.layers." + strconv.Itoa(i)
		out = l.self.appendTensors(out, asInt8, p+".self_attn", p+".self_attn_layer_norm")
		out = l.cross.appendTensors(out, asInt8, p+".encoder_attn", p+".encoder_attn_layer_norm")
		out = l.ffn.appendTensors(out, asInt8, p)
	}
	add("final_logits_bias", m.output.Bias(), 1, c.DecoderVocabSize)
	if !c.TiedOutput() {
		addMatrix("lm_head.weight", m.output, nil)
	}
	return out
}

// appendInt8 appends the matrix of w as int8 values and their scales,
// quantizing float32 weights.
func appendInt8(out []safetensors.Float32Tensor, name string, w *tensor.Linear) []safetensors.Float32Tensor {
	n, k := w.Out(), w.In()
	q, scale := w.Int8Weights()
	if q == nil {
		v := make([]float32, n*k)
		w.Weight(v)
		q, scale = tensor.QuantizeRows(v, n, k)
	}
	return append(out,
		safetensors.Float32Tensor{Name: name, Shape: []int{n, k}, Int8: q},
		safetensors.Float32Tensor{Name: name + ScaleSuffix, Shape: []int{n}, Values: scale})
}

// appendTensors unstacks the attention's packed projections back into the
// q, k, v and out maps of the checkpoint.
func (a *attention) appendTensors(out []safetensors.Float32Tensor, asInt8 bool, prefix, norm string) []safetensors.Float32Tensor {
	names := []string{"q_proj", "k_proj", "v_proj"}
	out = appendLinear(out, a.inProj, asInt8, prefix, names[:a.inProj.Out()/a.inProj.In()]...)
	if a.kvProj != nil {
		out = appendLinear(out, a.kvProj, asInt8, prefix, names[1:]...)
	}
	out = appendLinear(out, a.outProj, asInt8, prefix, "out_proj")
	return a.norm.appendTensors(out, norm)
}

func (f *feedForward) appendTensors(out []safetensors.Float32Tensor, asInt8 bool, prefix string) []safetensors.Float32Tensor {
	out = appendLinear(out, f.fc1, asInt8, prefix, "fc1")
	out = appendLinear(out, f.fc2, asInt8, prefix, "fc2")
	return f.norm.appendTensors(out, prefix+".final_layer_norm")
}

func (n layerNorm) appendTensors(out []safetensors.Float32Tensor, prefix string) []safetensors.Float32Tensor {
	d := len(n.gamma)
	return append(out,
		safetensors.Float32Tensor{Name: prefix + ".weight", Shape: []int{d}, Values: append([]float32(nil), n.gamma...)},
		safetensors.Float32Tensor{Name: prefix + ".bias", Shape: []int{d}, Values: append([]float32(nil), n.beta...)})
}

// appendLinear splits a stacked map into equal parts named prefix.name,
// their weights as float32 or, with int8, as int8 values and scales.
func appendLinear(out []safetensors.Float32Tensor, l *tensor.Linear, asInt8 bool, prefix string, names ...string) []safetensors.Float32Tensor {
	in := l.In()
	part := l.Out() / len(names)
	w := make([]float32, l.Out()*in)
	l.Weight(w)
	var q []int8
	var scale []float32
	if asInt8 {
		if q, scale = l.Int8Weights(); q == nil {
			q, scale = tensor.QuantizeRows(w, l.Out(), in)
		}
	}
	b := l.Bias()
	for i, name := range names {
		wt := safetensors.Float32Tensor{Name: prefix + "." + name + ".weight", Shape: []int{part, in}, Values: w[i*part*in : (i+1)*part*in]}
		if asInt8 {
			wt.Values, wt.Int8 = nil, q[i*part*in:(i+1)*part*in]
		}
		out = append(out, wt)
		if asInt8 {
			out = append(out, safetensors.Float32Tensor{Name: wt.Name + ScaleSuffix, Shape: []int{part}, Values: scale[i*part : (i+1)*part]})
		}
		out = append(out, safetensors.Float32Tensor{Name: prefix + "." + name + ".bias", Shape: []int{part}, Values: b[i*part : (i+1)*part]})
	}
	return out
}
