package model

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/translated/translated/nmt/tensor"
)

// layerNormEps is the epsilon of every MarianMT layer norm (torch default).
const layerNormEps = 1e-5

// Model is a MarianMT encoder-decoder with its weights. It is immutable after
// construction and safe for concurrent use by any number of goroutines; the
// state of a translation lives in an Encoding and a Decoder.
type Model struct {
	cfg        Config
	encEmbed   []float32      // [V, D] source token embeddings
	decEmbed   []float32      // [Vdec, D] target token embeddings (encEmbed when shared)
	output     *tensor.Linear // [Vdec, D] output projection with final_logits_bias
	positions  positionTable  // sinusoidal rows, built as far as used
	embedScale float32        // sqrt(D) when scale_embedding, else 1
	activation func([]float32)
	enc        []encoderLayer
	dec        []decoderLayer
}

// layerNorm is a gain and a bias of D values each.
type layerNorm struct{ gamma, beta []float32 }

// attention is one multi-head attention block with its post-norm. For
// self-attention inProj stacks q, k and v ([3D, D]); for cross-attention it
// is q alone ([D, D]) and kvProj stacks k and v ([2D, D]), applied once to
// the encoder output.
type attention struct {
	heads   int
	inProj  *tensor.Linear
	kvProj  *tensor.Linear
	outProj *tensor.Linear // [D, D]
	norm    layerNorm
}

// feedForward is fc2(act(fc1(x))) with its post-norm.
type feedForward struct {
	fc1, fc2 *tensor.Linear // [F, D], [D, F]
	norm     layerNorm
}

type encoderLayer struct {
	self attention
	ffn  feedForward
}

type decoderLayer struct {
	self, cross attention
	ffn         feedForward
}

// Config returns a copy of the model's configuration.
func (m *Model) Config() Config {
	c := m.cfg
	c.Extra = make(map[string]json.RawMessage, len(m.cfg.Extra))
	for k, v := range m.cfg.Extra {
		c.Extra[k] = append([]byte(nil), v...)
	}
	return c
}

// weightSource hands out named tensors, checking their shape.
type weightSource interface {
	// get returns the tensor's values; ok is false when it is absent, err
	// non-nil when it is present but unusable (wrong shape or dtype).
	get(name string, shape []int) (values []float32, ok bool, err error)
	// missing is the error for an absent required tensor.
	missing(name string) error
}

// builder collects the first error while the weights are read.
type builder struct {
	src weightSource
	err error
}

func (b *builder) tensor(name string, shape ...int) []float32 {
	v, _ := b.optional(name, shape...)
	if v == nil && b.err == nil {
		b.err = b.src.missing(name)
	}
	return v
}

// optional returns nil, false without error when the tensor is absent.
func (b *builder) optional(name string, shape ...int) ([]float32, bool) {
	if b.err != nil {
		return nil, false
	}
	v, ok, err := b.src.get(name, shape)
	if err != nil {
		b.err = err
		return nil, false
	}
	return v, ok
}

// linears reads the weights and biases of several nn.Linear maps of the same
// input size and stacks them into one packed map.
func (b *builder) linears(in int, outs []int, prefixes ...string) *tensor.Linear {
	var w, bias []float32
	total := 0
	for i, p := range prefixes {
		w = append(w, b.tensor(p+".weight", outs[i], in)...)
		bias = append(bias, b.tensor(p+".bias", outs[i])...)
		total += outs[i]
	}
	if b.err != nil {
		return nil
	}
	return tensor.NewLinear(w, bias, total, in)
}

func (b *builder) layerNorm(prefix string, d int) layerNorm {
	return layerNorm{gamma: b.tensor(prefix+".weight", d), beta: b.tensor(prefix+".bias", d)}
}

func (b *builder) feedForward(prefix string, d, f int) feedForward {
	return feedForward{
		fc1:  b.linears(d, []int{f}, prefix+".fc1"),
		fc2:  b.linears(f, []int{d}, prefix+".fc2"),
		norm: b.layerNorm(prefix+".final_layer_norm", d),
	}
}

func (b *builder) selfAttention(prefix, norm string, d, heads int) attention {
	return attention{
		heads:   heads,
		inProj:  b.linears(d, []int{d, d, d}, prefix+".q_proj", prefix+".k_proj", prefix+".v_proj"),
		outProj: b.linears(d, []int{d}, prefix+".out_proj"),
		norm:    b.layerNorm(norm, d),
	}
}

func (b *builder) crossAttention(prefix, norm string, d, heads int) attention {
	return attention{
		heads:   heads,
		inProj:  b.linears(d, []int{d}, prefix+".q_proj"),
		kvProj:  b.linears(d, []int{d, d}, prefix+".k_proj", prefix+".v_proj"),
		outProj: b.linears(d, []int{d}, prefix+".out_proj"),
		norm:    b.layerNorm(norm, d),
	}
}

// embeddings finds the encoder and decoder token embeddings. With shared
// embeddings any of the three names may hold the matrix.
func (b *builder) embeddings(c *Config) (enc, dec []float32) {
	d := c.DModel
	if c.SharedEmbeddings() {
		for _, name := range []string{SharedEmbedding, "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight"} {
			if v, ok := b.optional(name, c.VocabSize, d); ok {
				return v, v
			}
		}
		if b.err == nil {
			b.err = b.src.missing(SharedEmbedding)
		}
		return nil, nil
	}
	enc, ok := b.optional("model.encoder.embed_tokens.weight", c.VocabSize, d)
	if !ok {
		enc = b.tensor(SharedEmbedding, c.VocabSize, d)
	}
	dec = b.tensor("model.decoder.embed_tokens.weight", c.DecoderVocabSize, d)
	return enc, dec
}

// build assembles a Model from c and the tensors of src.
func build(c *Config, src weightSource) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	d := c.DModel
	b := &builder{src: src}
	m := &Model{cfg: *c, embedScale: 1}
	if c.ScaleEmbedding {
		m.embedScale = float32(math.Sqrt(float64(d)))
	}
	m.activation = activation(c.ActivationFunction)
	m.encEmbed, m.decEmbed = b.embeddings(c)
	for i := 0; i < c.EncoderLayers && b.err == nil; i++ {
		p := "model.encoder.layers." + strconv.Itoa(i)
		m.enc = append(m.enc, encoderLayer{
			self: b.selfAttention(p+".self_attn", p+".self_attn_layer_norm", d, c.EncoderAttentionHeads),
			ffn:  b.feedForward(p, d, c.EncoderFFNDim),
		})
	}
	for i := 0; i < c.DecoderLayers && b.err == nil; i++ {
		p := "model.decoder.layers." + strconv.Itoa(i)
		m.dec = append(m.dec, decoderLayer{
			self:  b.selfAttention(p+".self_attn", p+".self_attn_layer_norm", d, c.DecoderAttentionHeads),
			cross: b.crossAttention(p+".encoder_attn", p+".encoder_attn_layer_norm", d, c.DecoderAttentionHeads),
			ffn:   b.feedForward(p, d, c.DecoderFFNDim),
		})
	}
	bias, ok := b.optional("final_logits_bias", 1, c.DecoderVocabSize)
	if !ok && b.err == nil {
		bias = make([]float32, c.DecoderVocabSize)
	}
	head := m.decEmbed
	if !c.TiedOutput() {
		head = b.tensor("lm_head.weight", c.DecoderVocabSize, d)
	}
	if b.err != nil {
		return nil, b.err
	}
	m.output = tensor.NewLinear(head, bias, c.DecoderVocabSize, d)
	m.positions.d = d
	return m, nil
}

// activation maps a config name to its in-place function.
func activation(name string) func([]float32) {
	switch name {
	case "relu":
		return tensor.ReLU
	case "gelu":
		return tensor.GELU
	case "gelu_new":
		return tensor.GELUTanh
	}
	return tensor.SiLU // "swish", "silu"; Validate refuses anything else
}
