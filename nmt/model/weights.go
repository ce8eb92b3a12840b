package model

import (
	"encoding/json"
	"fmt"
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
	encEmbed   *embedding     // [V, D] source token embeddings
	decEmbed   *embedding     // [Vdec, D] target token embeddings (encEmbed when shared)
	output     *tensor.Linear // [Vdec, D] output projection with final_logits_bias (decEmbed's matrix when tied)
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

// builder collects the first error while the weights are read.
type builder struct {
	src weightSource
	err error
	// quantize turns float32 matrices into int8 ones as they are read
	// (LoadOptions.Int8); matrices stored as I8 are int8 either way.
	quantize bool
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

// matrixOf finds the matrix name of shape [n, k]; ok is false without
// error when it is absent.
func (b *builder) matrixOf(name string, n, k int) (rowSource, bool) {
	if b.err != nil {
		return nil, false
	}
	src, ok, err := b.src.rows(name, n, k)
	if err != nil {
		b.err = err
		return nil, false
	}
	return src, ok
}

// dense reads a whole matrix [n, k] as float32 rows (int8 ones
// dequantized): an embedding looked up, not multiplied by.
func (b *builder) dense(src rowSource, n, k int) []float32 {
	v := make([]float32, n*k)
	if !src.isInt8() {
		b.fail(src.read(0, v))
		return v
	}
	q, scale := make([]int8, n*k), make([]float32, n)
	b.fail(src.readInt8(0, q, scale))
	for r := 0; r < n; r++ {
		for j := 0; j < k; j++ {
			v[r*k+j] = float32(q[r*k+j]) * scale[r]
		}
	}
	return v
}

// fail keeps err when it is the first.
func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// pieceValues is how many weights the builder reads at a time: a
// checkpoint's matrix goes to its packed map in pieces of this size.
const pieceValues = 1 << 18

// linear packs parts (matrices of k columns stacked by rows) with bias into
// one map: int8 when the parts are stored as int8 or the builder
// quantizes, else float32. The parts are read piece by piece.
func (b *builder) linear(parts []rowSource, outs []int, bias []float32, k int, names []string) *tensor.Linear {
	for i, p := range parts {
		if p.isInt8() != parts[0].isInt8() {
			b.err = fmt.Errorf("tensors %s and %s of one stacked map are not both I8", names[0], names[i])
			return nil
		}
	}
	asInt8 := parts[0].isInt8()
	lb := tensor.NewLinearBuilder(len(bias), k, asInt8 || b.quantize)
	chunk := max(1, pieceValues/k)
	f := make([]float32, min(chunk, len(bias))*k)
	var q []int8
	var scale []float32
	if asInt8 {
		q, scale = make([]int8, len(f)), make([]float32, len(f)/k)
	}
	off := 0
	for i, p := range parts {
		for r := 0; r < outs[i] && b.err == nil; r += chunk {
			rows := min(chunk, outs[i]-r)
			if asInt8 {
				b.fail(p.readInt8(r, q[:rows*k], scale[:rows]))
				lb.SetRowsInt8(off+r, q[:rows*k], scale[:rows])
			} else {
				v := p.view(r, rows)
				if v == nil {
					v = f[:rows*k]
					b.fail(p.read(r, v))
				}
				if err := lb.SetRows(off+r, v); err != nil {
					b.fail(p.faulted(err))
				}
				p.done(r, rows)
			}
		}
		off += outs[i]
	}
	if b.err != nil {
		return nil
	}
	return lb.Build(bias)
}

// linears reads the weights and biases of several nn.Linear maps of the same
// input size and stacks them into one packed map.
func (b *builder) linears(in int, outs []int, prefixes ...string) *tensor.Linear {
	var bias []float32
	parts := make([]rowSource, len(prefixes))
	names := make([]string, len(prefixes))
	for i, p := range prefixes {
		names[i] = p + ".weight"
		w, ok := b.matrixOf(names[i], outs[i], in)
		if !ok && b.err == nil {
			b.err = b.src.missing(names[i])
		}
		parts[i] = w
		bias = append(bias, b.tensor(p+".bias", outs[i])...)
	}
	if b.err != nil {
		return nil
	}
	return b.linear(parts, outs, bias, in, names)
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

// firstMatrix finds the first of names present, of shape [n, k].
func (b *builder) firstMatrix(n, k int, names ...string) (rowSource, string, bool) {
	for _, name := range names {
		if m, ok := b.matrixOf(name, n, k); ok {
			return m, name, true
		}
	}
	if b.err == nil {
		b.err = b.src.missing(names[0])
	}
	return nil, "", false
}

// embeddingsAndOutput reads the token embeddings and the output projection
// (with the final bias). A tied projection is the decoder embedding
// matrix itself, held once: the embedding reads its rows from the
// projection. With shared embeddings any of the three names may hold the
// matrix.
func (b *builder) embeddingsAndOutput(c *Config, bias []float32) (enc, dec *embedding, out *tensor.Linear) {
	d := c.DModel
	decNames := []string{"model.decoder.embed_tokens.weight"}
	if c.SharedEmbeddings() {
		decNames = []string{SharedEmbedding, "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight"}
	}
	if c.TiedOutput() {
		if l, ok := b.src.(lender); ok && c.SharedEmbeddings() && l.lent() != nil {
			out = l.lent().WithBias(bias)
		} else {
			m, name, ok := b.firstMatrix(c.DecoderVocabSize, d, decNames...)
			if !ok {
				return nil, nil, nil
			}
			out = b.linear([]rowSource{m}, []int{c.DecoderVocabSize}, bias, d, []string{name})
		}
		dec = &embedding{tied: out}
	} else {
		m, _, ok := b.firstMatrix(c.DecoderVocabSize, d, decNames...)
		if !ok {
			return nil, nil, nil
		}
		dec = &embedding{rows: b.dense(m, c.DecoderVocabSize, d)}
		head, ok := b.matrixOf("lm_head.weight", c.DecoderVocabSize, d)
		if !ok {
			if b.err == nil {
				b.err = b.src.missing("lm_head.weight")
			}
			return nil, nil, nil
		}
		out = b.linear([]rowSource{head}, []int{c.DecoderVocabSize}, bias, d, []string{"lm_head.weight"})
	}
	if c.SharedEmbeddings() {
		return dec, dec, out
	}
	m, _, ok := b.firstMatrix(c.VocabSize, d, "model.encoder.embed_tokens.weight", SharedEmbedding)
	if !ok {
		return nil, nil, nil
	}
	return &embedding{rows: b.dense(m, c.VocabSize, d)}, dec, out
}

// lender is a weight source that lends another model's output projection
// as the shared, tied embedding matrix (LoadOnEmbeddings); lent is nil
// when the file has the matrix itself.
type lender interface{ lent() *tensor.Linear }

// build assembles a Model from c and the tensors of src, quantizing its
// matrices to int8 when quantize is set.
func build(c *Config, src weightSource, quantize bool) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	d := c.DModel
	b := &builder{src: src, quantize: quantize}
	m := &Model{cfg: *c, embedScale: 1}
	if c.ScaleEmbedding {
		m.embedScale = float32(math.Sqrt(float64(d)))
	}
	m.activation = activation(c.ActivationFunction)
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
	if b.err == nil {
		m.encEmbed, m.decEmbed, m.output = b.embeddingsAndOutput(c, bias)
	}
	if b.err != nil {
		return nil, b.err
	}
	m.positions.d = d
	return m, nil
}

// Int8 reports whether the model's matrices are int8 (LoadOptions.Int8, or
// a checkpoint written with int8 weights).
func (m *Model) Int8() bool { return m.output.Int8() }

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
