package model

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/translated/translated/nmt/safetensors"
)

// FuzzLoad feeds mutated config.json and model.safetensors bytes to Load:
// it must return an error or a model that encodes and decodes a step, and
// never panic.
func FuzzLoad(f *testing.F) {
	c, err := ParseConfig([]byte(`{"vocab_size": 6, "d_model": 4, "encoder_layers": 1,
		"decoder_layers": 1, "encoder_attention_heads": 2, "decoder_attention_heads": 1,
		"encoder_ffn_dim": 3, "decoder_ffn_dim": 2, "max_position_embeddings": 8,
		"pad_token_id": 0, "eos_token_id": 1}`))
	if err != nil {
		f.Fatal(err)
	}
	m, err := New(c, randomWeights(c, 1, 0.5))
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	for _, store := range []safetensors.DType{safetensors.F32, safetensors.F16} {
		if err := Save(dir, m, store); err != nil {
			f.Fatal(err)
		}
		cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		w, _ := os.ReadFile(filepath.Join(dir, WeightsFile))
		f.Add(cfg, w)
	}
	f.Add([]byte(`{}`), []byte{})
	f.Add([]byte(`{"vocab_size": 6, "d_model": 4}`), []byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, cfg, weights []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, WeightsFile), weights, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(dir)
		if err != nil {
			return
		}
		c := m.Config()
		ctx := context.Background()
		dec := newDecoder(t, m, [][]int{{c.EOSTokenID}})
		d := dec.Dims()
		lp := make([]float32, d.Vocab)
		attn := make([]float32, d.Layers*d.Heads*d.SrcLen)
		if err := dec.Next(ctx, []int{c.DecoderStartTokenID}, lp, attn); err != nil {
			t.Fatal(err)
		}
	})
}
