package model

import (
	"context"
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

// randomWeights is RandomWeights, under the name the tests use.
func randomWeights(c *Config, seed uint64, std float64) map[string][]float32 {
	return RandomWeights(c, seed, std)
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
