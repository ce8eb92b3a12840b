package model

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/safetensors"
)

// TestSaveLoadRoundTrip saves models of each kind of tying, loads them back
// and checks the weights and outputs agree.
func TestSaveLoadRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name          string
		shared, tied  bool
		store         safetensors.DType
		tol           float64
		decoderVocab  int
		wantTensorsIn []string
		wantNot       []string
	}{
		{"shared-tied-f32", true, true, safetensors.F32, 0, 0, []string{"model.shared.weight"}, []string{"lm_head.weight", "model.encoder.embed_tokens.weight"}},
		{"untied-f16", false, false, safetensors.F16, 2e-3, 37, []string{"lm_head.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight"}, []string{"model.shared.weight"}},
		{"unshared-tied-bf16", false, true, safetensors.BF16, 1e-2, 0, []string{"model.decoder.embed_tokens.weight"}, []string{"lm_head.weight"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tinyConfig()
			c.ShareEncoderDecoderEmbeddings, c.TieWordEmbeddings = &tc.shared, &tc.tied
			if tc.decoderVocab > 0 {
				c.DecoderVocabSize = tc.decoderVocab
			}
			m := randomModel(t, c, 21)
			dir := t.TempDir()
			if err := Save(dir, m, tc.store); err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.wantTensorsIn {
				if _, ok := f.Tensors[n]; !ok {
					t.Errorf("saved file lacks %s", n)
				}
			}
			for _, n := range tc.wantNot {
				if _, ok := f.Tensors[n]; ok {
					t.Errorf("saved file has %s", n)
				}
			}
			back, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			want, got := m.Weights(), back.Weights()
			if len(want) != len(got) {
				t.Fatalf("%d tensors back, want %d", len(got), len(want))
			}
			for name, v := range want {
				assertClose(t, name, got[name], v, tc.tol*4)
			}
			if tc.store == safetensors.F32 {
				a := replay(t, m, []int{4, 5, 1}, []int{0, 7})
				b := replay(t, back, []int{4, 5, 1}, []int{0, 7})
				assertClose(t, "reloaded log-probs", b, a, 0)
			}
		})
	}
}

// TestLoadErrors corrupts a saved checkpoint in each way a file can be
// wrong; every error must name the file and say what is wrong.
func TestLoadErrors(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 2)
	good := t.TempDir()
	if err := Save(good, m, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	cfgBytes, _ := os.ReadFile(filepath.Join(good, "config.json"))
	weights := m.tensors(false)
	encode := func(edit func([]safetensors.Float32Tensor) []safetensors.Float32Tensor) []byte {
		ts := edit(append([]safetensors.Float32Tensor(nil), weights...))
		b, err := safetensors.Encode(ts, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	without := func(name string) func([]safetensors.Float32Tensor) []safetensors.Float32Tensor {
		return func(ts []safetensors.Float32Tensor) []safetensors.Float32Tensor {
			var out []safetensors.Float32Tensor
			for _, x := range ts {
				if x.Name != name {
					out = append(out, x)
				}
			}
			return out
		}
	}
	reshaped := func(name string, shape []int) func([]safetensors.Float32Tensor) []safetensors.Float32Tensor {
		return func(ts []safetensors.Float32Tensor) []safetensors.Float32Tensor {
			for i := range ts {
				if ts[i].Name == name {
					n := 1
					for _, d := range shape {
						n *= d
					}
					ts[i] = safetensors.Float32Tensor{Name: name, Shape: shape, Values: make([]float32, n)}
				}
			}
			return ts
		}
	}
	full, _ := os.ReadFile(filepath.Join(good, WeightsFile))
	cases := []struct {
		name    string
		config  []byte
		weights []byte
		want    string
	}{
		{"missing tensor", nil, encode(without("model.decoder.layers.1.encoder_attn.k_proj.weight")),
			`model.safetensors: tensor "model.decoder.layers.1.encoder_attn.k_proj.weight" is missing`},
		{"missing embeddings", nil, encode(without("model.shared.weight")), `tensor "model.shared.weight" is missing`},
		{"wrong shape", nil, encode(reshaped("model.encoder.layers.0.fc1.weight", []int{24, 15})),
			`model.safetensors: tensor "model.encoder.layers.0.fc1.weight" has shape [24 15], want [24 16]`},
		{"wrong bias shape", nil, encode(reshaped("final_logits_bias", []int{50})),
			`tensor "final_logits_bias" has shape [50], want [1 50]`},
		{"truncated", nil, full[:len(full)-10], "model.safetensors: safetensors: tensor"},
		{"truncated header", nil, full[:5], "shorter than the 8-byte header length"},
		{"not json config", []byte("{"), nil, "config.json: config is not a JSON object"},
		{"bad config", []byte(strings.Replace(string(cfgBytes), `"d_model": 16`, `"d_model": 15`, 1)), nil, "config.json: config: d_model 15 must be divisible"},
		{"bad activation", []byte(strings.Replace(string(cfgBytes), `"swish"`, `"tanh"`, 1)), nil, `activation_function "tanh" is not one of`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cb, wb := tc.config, tc.weights
			if cb == nil {
				cb = cfgBytes
			}
			if wb == nil {
				wb = full
			}
			os.WriteFile(filepath.Join(dir, "config.json"), cb, 0o644)
			os.WriteFile(filepath.Join(dir, WeightsFile), wb, 0o644)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load: %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
	t.Run("bad dtype", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), cfgBytes, 0o644)
		os.WriteFile(filepath.Join(dir, WeightsFile), withI64(t, weights, "model.encoder.layers.1.fc2.bias"), 0o644)
		_, err := Load(dir)
		want := `model.safetensors: tensor "model.encoder.layers.1.fc2.bias" has dtype I64`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Load: %v\nwant an error containing %q", err, want)
		}
	})
	t.Run("no weights file", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), cfgBytes, 0o644)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "checkpoint has no weights file") {
			t.Fatalf("Load: %v", err)
		}
	})
	t.Run("no config", func(t *testing.T) {
		if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "config.json") {
			t.Fatalf("Load: %v", err)
		}
	})
	t.Run("extra tensors ignored", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), cfgBytes, 0o644)
		extra := append(append([]safetensors.Float32Tensor(nil), weights...),
			safetensors.Float32Tensor{Name: "model.encoder.embed_positions.weight", Shape: []int{40, 16}, Values: sinusoids(40, 16)},
			safetensors.Float32Tensor{Name: "something.else", Shape: []int{3}, Values: make([]float32, 3)})
		b, _ := safetensors.Encode(extra, nil)
		os.WriteFile(filepath.Join(dir, WeightsFile), b, 0o644)
		if _, err := Load(dir); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("map constructor", func(t *testing.T) {
		w := m.Weights()
		w["model.encoder.layers.0.fc1.bias"] = w["model.encoder.layers.0.fc1.bias"][:3]
		if _, err := New(c, w); err == nil || !strings.Contains(err.Error(), `tensor "model.encoder.layers.0.fc1.bias" has 3 values, want 24`) {
			t.Fatalf("New: %v", err)
		}
		delete(w, "model.encoder.layers.0.fc1.bias")
		if _, err := New(c, w); err == nil || !strings.Contains(err.Error(), `weights: tensor "model.encoder.layers.0.fc1.bias" is missing`) {
			t.Fatalf("New: %v", err)
		}
	})
}

// withI64 lays out the tensors as a safetensors file by hand, with the
// named one stored as I64 zeros of its shape.
func withI64(t *testing.T, ts []safetensors.Float32Tensor, name string) []byte {
	t.Helper()
	header := map[string]any{}
	var data []byte
	for _, x := range ts {
		dtype, size := "F32", 4
		if x.Name == name {
			dtype, size = "I64", 8
		}
		lo := len(data)
		data = append(data, make([]byte, size*len(x.Values))...)
		header[x.Name] = map[string]any{"dtype": dtype, "shape": x.Shape, "data_offsets": []int{lo, len(data)}}
	}
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), data...)
}
