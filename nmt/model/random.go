package model

import (
	"math/rand/v2"
	"strconv"
)

// RandomWeights draws every tensor that c needs, under its Hugging Face
// name, from a normal distribution N(0, std) with a fixed seed; layer-norm
// gains are drawn around 1. New(c, RandomWeights(c, seed, std)) is a model
// of c's shape with meaningless weights: what benchmarks and tests need when
// the values do not matter (translate-cli bench without a model directory).
func RandomWeights(c *Config, seed uint64, std float64) map[string][]float32 {
	r := rand.New(rand.NewPCG(seed, 17))
	w := make(map[string][]float32)
	put := func(name string, n int, mean float64) {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(mean + std*r.NormFloat64())
		}
		w[name] = v
	}
	d := c.DModel
	if c.SharedEmbeddings() {
		put(SharedEmbedding, c.VocabSize*d, 0)
	} else {
		put("model.encoder.embed_tokens.weight", c.VocabSize*d, 0)
		put("model.decoder.embed_tokens.weight", c.DecoderVocabSize*d, 0)
	}
	if !c.TiedOutput() {
		put("lm_head.weight", c.DecoderVocabSize*d, 0)
	}
	put("final_logits_bias", c.DecoderVocabSize, 0)
	linear := func(p string, out, in int) {
		put(p+".weight", out*in, 0)
		put(p+".bias", out, 0)
	}
	norm := func(p string) {
		put(p+".weight", d, 1)
		put(p+".bias", d, 0)
	}
	attn := func(p string) {
		for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			linear(p+"."+n, d, d)
		}
	}
	for i := 0; i < c.EncoderLayers; i++ {
		p := "model.encoder.layers." + strconv.Itoa(i)
		attn(p + ".self_attn")
		norm(p + ".self_attn_layer_norm")
		linear(p+".fc1", c.EncoderFFNDim, d)
		linear(p+".fc2", d, c.EncoderFFNDim)
		norm(p + ".final_layer_norm")
	}
	for i := 0; i < c.DecoderLayers; i++ {
		p := "model.decoder.layers." + strconv.Itoa(i)
		attn(p + ".self_attn")
		norm(p + ".self_attn_layer_norm")
		attn(p + ".encoder_attn")
		norm(p + ".encoder_attn_layer_norm")
		linear(p+".fc1", c.DecoderFFNDim, d)
		linear(p+".fc2", d, c.DecoderFFNDim)
		norm(p + ".final_layer_norm")
	}
	return w
}

// SyntheticSources makes n source sentences of length tokens for
// benchmarks, as scripts/reference/bench.py does: sentence i holds the ids
// 3 + (7i + 13j) mod (V − 3) for j < length − 1, then the end-of-sentence
// token.
func SyntheticSources(c *Config, n, length int) [][]int {
	srcs := make([][]int, n)
	for i := range srcs {
		s := make([]int, length)
		for j := 0; j < length-1; j++ {
			s[j] = 3 + (7*i+13*j)%(c.VocabSize-3)
		}
		s[length-1] = c.EOSTokenID
		srcs[i] = s
	}
	return srcs
}
