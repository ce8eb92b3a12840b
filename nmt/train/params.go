package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/translated/translated/nmt/model"
)

// Param is one trainable tensor under its Hugging Face name. Linear weights
// are kept as [in, out] for the graph's x·W products and written as
// Hugging Face's [out, in] (Transposed set).
type Param struct {
	Name       string
	Shape      []int // shape as held here
	Transposed bool
	Data, Grad []float32
	// Frozen keeps the values as they are: the optimizer skips the tensor
	// and its gradient does not count towards the clipping norm.
	Frozen bool
}

// Params is the model's parameter set, in a fixed order (the order of
// optimizer state in a checkpoint).
type Params struct {
	List   []*Param
	byName map[string]*Param
	// FinalLogitsBias is Marian's final_logits_bias [V]: a buffer, not trained.
	FinalLogitsBias []float32
}

func (ps *Params) add(name string, transposed bool, shape ...int) {
	n := 1
	for _, s := range shape {
		n *= s
	}
	p := &Param{Name: name, Shape: shape, Transposed: transposed, Data: make([]float32, n), Grad: make([]float32, n)}
	ps.List = append(ps.List, p)
	ps.byName[name] = p
}

// Get returns the parameter called name, or nil.
func (ps *Params) Get(name string) *Param { return ps.byName[name] }

// Count is the number of trainable values.
func (ps *Params) Count() int {
	n := 0
	for _, p := range ps.List {
		n += len(p.Data)
	}
	return n
}

// NewParams lays out the parameters of a MarianMT model with shared, tied
// embeddings, all zero.
func NewParams(c *model.Config) (*Params, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !c.SharedEmbeddings() || !c.TiedOutput() {
		return nil, fmt.Errorf("train: only shared and tied embeddings are supported")
	}
	ps := &Params{byName: map[string]*Param{}, FinalLogitsBias: make([]float32, c.VocabSize)}
	d := c.DModel
	ps.add(model.SharedEmbedding, false, c.VocabSize, d)
	linear := func(prefix string, in, out int) {
		ps.add(prefix+".weight", true, in, out)
		ps.add(prefix+".bias", false, out)
	}
	norm := func(prefix string) {
		ps.add(prefix+".weight", false, d)
		ps.add(prefix+".bias", false, d)
	}
	attention := func(prefix string) {
		for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			linear(prefix+"."+n, d, d)
		}
	}
	for i := 0; i < c.EncoderLayers; i++ {
		p := fmt.Sprintf("model.encoder.layers.%d", i)
		attention(p + ".self_attn")
		norm(p + ".self_attn_layer_norm")
		linear(p+".fc1", d, c.EncoderFFNDim)
		linear(p+".fc2", c.EncoderFFNDim, d)
		norm(p + ".final_layer_norm")
	}
	for i := 0; i < c.DecoderLayers; i++ {
		p := fmt.Sprintf("model.decoder.layers.%d", i)
		attention(p + ".self_attn")
		norm(p + ".self_attn_layer_norm")
		attention(p + ".encoder_attn")
		norm(p + ".encoder_attn_layer_norm")
		linear(p+".fc1", d, c.DecoderFFNDim)
		linear(p+".fc2", c.DecoderFFNDim, d)
		norm(p + ".final_layer_norm")
	}
	return ps, nil
}

// Init fills the parameters for training from scratch: embeddings from
// N(0, 1/D) with the pad row zero, linear weights Xavier-uniform, biases
// zero, layer-norm gains one.
func (ps *Params) Init(rng *rand.Rand, padID int) {
	for _, p := range ps.List {
		switch {
		case p.Name == model.SharedEmbedding:
			d := p.Shape[1]
			std := 1 / math.Sqrt(float64(d))
			for i := range p.Data {
				p.Data[i] = float32(rng.NormFloat64() * std)
			}
			clear(p.Data[padID*d : (padID+1)*d])
		case p.Transposed:
			limit := math.Sqrt(6 / float64(p.Shape[0]+p.Shape[1]))
			for i := range p.Data {
				p.Data[i] = float32((2*rng.Float64() - 1) * limit)
			}
		case isNormGain(p.Name):
			for i := range p.Data {
				p.Data[i] = 1
			}
		default:
			clear(p.Data)
		}
	}
	clear(ps.FinalLogitsBias)
}

func isNormGain(name string) bool {
	const suffix = "_layer_norm.weight"
	return len(name) > len(suffix) && name[len(name)-len(suffix):] == suffix
}
