package model

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
)

// tinyConfig is a small configuration for tests that need no golden.
func tinyConfig() *Config {
	c, err := ParseConfig([]byte(`{"model_type": "marian", "vocab_size": 50, "d_model": 16,
		"encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 2,
		"decoder_attention_heads": 4, "encoder_ffn_dim": 24, "decoder_ffn_dim": 20,
		"max_position_embeddings": 40, "pad_token_id": 0, "eos_token_id": 1,
		"decoder_start_token_id": 0, "activation_function": "swish"}`))
	if err != nil {
		panic(err)
	}
	return c
}

// randomWeights draws every tensor the configuration needs from N(0, std)
// with a fixed seed; layer-norm gains are drawn around 1.
func randomWeights(c *Config, seed uint64, std float64) map[string][]float32 {
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
		put("model.shared.weight", c.VocabSize*d, 0)
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

func randomModel(t testing.TB, c *Config, seed uint64) *Model {
	t.Helper()
	m, err := New(c, randomWeights(c, seed, 0.3))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newDecoder encodes srcs and starts a decoder over them.
func newDecoder(t testing.TB, m *Model, srcs [][]int) *Decoder {
	t.Helper()
	enc, err := m.Encode(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := m.NewDecoder(enc)
	if err != nil {
		t.Fatal(err)
	}
	return dec
}
