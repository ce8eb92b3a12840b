package model

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/safetensors"
	"github.com/translated/translated/nmt/search"
	"github.com/translated/translated/nmt/torchbin"
)

// The miniature OPUS-MT directories in testdata/models/opus-tiny and their
// greedy_golden.json come from scripts/reference/make_opus_tiny.py: random
// weights saved by torch.save (pytorch_model.bin, F32 in en-ROMANCE, F16 in
// en-es) and, for en-ROMANCE, as model.safetensors too; goldens from the
// float64 PyTorch reference scripts/reference/marian_ref.py. Logits must be
// within opusTol of the golden (largest difference seen: 1.5e-6).
const opusTol = 1e-4

type opusStep struct {
	Top       [][2]float64 `json:"top"` // [id, logit], best first
	EOS       float64      `json:"eos"`
	LogSumExp float64      `json:"logsumexp"` // over every id but the banned ones
}

type opusCase struct {
	Text           string     `json:"text"`
	TargetLanguage string     `json:"target_language"`
	SrcPieces      []string   `json:"src_pieces"`
	SrcIDs         []int      `json:"src_ids"`
	MaxLen         int        `json:"max_len"`
	GreedyIDs      []int      `json:"greedy_ids"`
	Translation    string     `json:"translation"`
	Steps          []opusStep `json:"steps"`
}

type opusGolden struct {
	Banned []int      `json:"banned"`
	Cases  []opusCase `json:"cases"`
}

// opusDirs lists the miniature OPUS-MT model directories.
func opusDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../../testdata/models/opus-tiny/*/greedy_golden.json")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no testdata/models/opus-tiny/*/greedy_golden.json (%v)", err)
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

func readOPUSGolden(t *testing.T, dir string) *opusGolden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "greedy_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g opusGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// opusWeights lists the weights files a directory holds.
func opusWeights(dir string) []string {
	var out []string
	for _, name := range []string{WeightsFile, TorchWeightsFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			out = append(out, name)
		}
	}
	return out
}

// TestOPUSTinyGreedy loads every weights file of every miniature OPUS-MT
// directory, decodes each case greedily through package search as the
// translator does (pad banned, </s> forced at the limit) and checks the ids
// against the golden; then it replays the golden output and checks the
// raw logits of every step. The F32 files of one directory must give
// bit-identical logits.
func TestOPUSTinyGreedy(t *testing.T) {
	for _, dir := range opusDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			g := readOPUSGolden(t, dir)
			cfg, err := ReadConfig(dir)
			if err != nil {
				t.Fatal(err)
			}
			files := opusWeights(dir)
			if len(files) == 0 {
				t.Fatal("no weights file")
			}
			var first [][]float32 // every step's logits of every case, from the first file
			for _, name := range files {
				m, err := LoadWeights(cfg, filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				var all [][]float32
				for _, c := range g.Cases {
					opts := search.Options{BeamSize: 1, MaxLength: c.MaxLen, EOS: cfg.EOSTokenID, Pad: cfg.PadTokenID, Start: cfg.DecoderStartTokenID}
					for _, id := range g.Banned {
						if id != cfg.PadTokenID {
							opts.Banned = append(opts.Banned, id)
						}
					}
					got := decodeWith(t, m, [][]int{c.SrcIDs}, opts)[0][0].Tokens
					if !slices.Equal(got, c.GreedyIDs) {
						t.Fatalf("%s %q: greedy %v, want %v", name, c.Text, got, c.GreedyIDs)
					}
					all = append(all, opusReplay(t, m, g.Banned, c, name)...)
				}
				if first == nil {
					first = all
					continue
				}
				for i := range all {
					if !slices.Equal(all[i], first[i]) {
						t.Fatalf("%s and %s give different logits at replayed step %d", files[0], name, i)
					}
				}
			}
		})
	}
}

// opusReplay feeds the golden output back through the decoder and checks
// each step's logits: the five best allowed ids and their values, the </s>
// logit and the log-sum-exp over the allowed ids. It returns the logits.
func opusReplay(t *testing.T, m *Model, banned []int, c opusCase, file string) [][]float32 {
	t.Helper()
	ctx := context.Background()
	dec := newDecoder(t, m, [][]int{c.SrcIDs})
	dims := dec.Dims()
	if len(c.Steps) != len(c.GreedyIDs) {
		t.Fatalf("%q: golden has %d steps for %d ids", c.Text, len(c.Steps), len(c.GreedyIDs))
	}
	var out [][]float32
	tok := m.cfg.DecoderStartTokenID
	for step, want := range c.Steps {
		logits := make([]float32, dims.Vocab)
		attn := make([]float32, dims.Layers*dims.Heads*dims.SrcLen)
		if err := dec.logits(ctx, []int{tok}, logits, attn); err != nil {
			t.Fatal(err)
		}
		out = append(out, logits)
		where := func(what string) string { return file + " " + c.Text + " step " + strconv.Itoa(step) + " " + what }
		allowed := make([]int, 0, len(logits))
		for id := range logits {
			if !slices.Contains(banned, id) {
				allowed = append(allowed, id)
			}
		}
		slices.SortStableFunc(allowed, func(a, b int) int {
			switch {
			case logits[a] > logits[b]:
				return -1
			case logits[a] < logits[b]:
				return 1
			}
			return 0
		})
		for k, top := range want.Top {
			id := int(top[0])
			if math.Abs(float64(logits[id])-top[1]) > opusTol {
				t.Fatalf("%s: logit of id %d is %.7g, want %.7g", where("top"), id, logits[id], top[1])
			}
			// Ties within the tolerance may order differently.
			if allowed[k] != id && math.Abs(float64(logits[allowed[k]])-top[1]) > opusTol {
				t.Fatalf("%s: rank %d is id %d (%.7g), want id %d (%.7g)", where("top"), k, allowed[k], logits[allowed[k]], id, top[1])
			}
		}
		if d := math.Abs(float64(logits[m.cfg.EOSTokenID]) - want.EOS); d > opusTol {
			t.Fatalf("%s: %.7g, want %.7g", where("eos logit"), logits[m.cfg.EOSTokenID], want.EOS)
		}
		if lse := logSumExp(logits, allowed); math.Abs(lse-want.LogSumExp) > opusTol {
			t.Fatalf("%s: %.7g, want %.7g", where("log-sum-exp"), lse, want.LogSumExp)
		}
		tok = c.GreedyIDs[step]
	}
	return out
}

func logSumExp(v []float32, ids []int) float64 {
	hi := math.Inf(-1)
	for _, id := range ids {
		hi = math.Max(hi, float64(v[id]))
	}
	sum := 0.0
	for _, id := range ids {
		sum += math.Exp(float64(v[id]) - hi)
	}
	return hi + math.Log(sum)
}

// TestOPUSTinyLoad checks that Load picks model.safetensors when a
// directory has both files and pytorch_model.bin otherwise, and that the
// OPUS-MT configs (the old one without decoder_vocab_size and
// share_encoder_decoder_embeddings, the tc-big one with relu and </s> ≠ 0)
// read as intended.
func TestOPUSTinyLoad(t *testing.T) {
	for _, tc := range []struct {
		dir, activation  string
		eos, pad, vocab  int
		weights          string
		hasShareField    bool
		hasDecoderVocabs bool
	}{
		{"en-ROMANCE", "swish", 0, 699, 700, WeightsFile, false, false},
		{"en-es", "relu", 2, 694, 695, TorchWeightsFile, true, true},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join("../../testdata/models/opus-tiny", tc.dir)
			raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(raw), "share_encoder_decoder_embeddings"); got != tc.hasShareField {
				t.Errorf("config.json has share_encoder_decoder_embeddings: %v, want %v", got, tc.hasShareField)
			}
			if got := strings.Contains(string(raw), "decoder_vocab_size"); got != tc.hasDecoderVocabs {
				t.Errorf("config.json has decoder_vocab_size: %v, want %v", got, tc.hasDecoderVocabs)
			}
			cfg, err := ReadConfig(dir)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ActivationFunction != tc.activation || cfg.EOSTokenID != tc.eos || cfg.PadTokenID != tc.pad ||
				cfg.DecoderStartTokenID != tc.pad || cfg.VocabSize != tc.vocab || cfg.DecoderVocabSize != tc.vocab ||
				!cfg.SharedEmbeddings() || !cfg.TiedOutput() {
				t.Errorf("config %+v", cfg)
			}
			path, err := weightsPath(dir)
			if err != nil || filepath.Base(path) != tc.weights {
				t.Errorf("weightsPath = %s, %v; want %s", path, err, tc.weights)
			}
			m, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.Config().DModel != 16 {
				t.Errorf("d_model %d", m.Config().DModel)
			}
		})
	}
}

// TestOPUSTinyPositionTables checks that the sinusoidal tables torch stored
// in pytorch_model.bin (made like transformers' MarianSinusoidalPositionalEmbedding)
// are the table the model computes, to float32 rounding: the reason Load
// may ignore them.
func TestOPUSTinyPositionTables(t *testing.T) {
	found := 0
	for _, dir := range opusDirs(t) {
		path := filepath.Join(dir, TorchWeightsFile)
		ts, err := torchbin.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := ReadConfig(dir)
		if err != nil {
			t.Fatal(err)
		}
		want := sinusoids(cfg.MaxPositionEmbeddings, cfg.DModel)
		for _, name := range []string{"model.encoder.embed_positions.weight", "model.decoder.embed_positions.weight"} {
			tensor, ok := ts[name]
			if !ok {
				continue
			}
			found++
			if tensor.DType != safetensors.F32 || !slices.Equal(tensor.Shape, []int{cfg.MaxPositionEmbeddings, cfg.DModel}) {
				t.Fatalf("%s: %s is %s %v", path, name, tensor.DType, tensor.Shape)
			}
			got, err := tensor.Float32()
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-6 {
					t.Fatalf("%s: %s[%d] = %g, computed %g", path, name, i, got[i], want[i])
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no stored position table to compare")
	}
}

// TestLoadWeightsRefuses covers the errors of the weights-file choice and
// of configs asking for BART features MarianMT lacks.
func TestLoadWeightsRefuses(t *testing.T) {
	legacy := t.TempDir()
	// The first bytes of a pre-1.6 torch.save file: pickle protocol 2 and
	// the legacy magic number.
	os.WriteFile(filepath.Join(legacy, TorchWeightsFile), []byte("\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."), 0o644)
	for _, tc := range []struct {
		name  string
		extra string // config fields added to tinyConfig's
		path  string
		want  string
	}{
		{"legacy torch format", "", filepath.Join(legacy, TorchWeightsFile), "legacy PyTorch format"},
		{"no such file", "", filepath.Join(legacy, "missing.bin"), "no such file"},
		{"pre-norm", `"normalize_before": true`, filepath.Join(legacy, TorchWeightsFile), "normalize_before true asks for pre-layer-norm blocks"},
		{"embedding norm", `"normalize_embedding": true`, filepath.Join(legacy, TorchWeightsFile), "normalize_embedding"},
		{"final norm", `"add_final_layer_norm": true`, filepath.Join(legacy, TorchWeightsFile), "add_final_layer_norm"},
		{"learned positions", `"static_position_embeddings": false`, filepath.Join(legacy, TorchWeightsFile), "learned position embeddings"},
		{"not a bool", `"normalize_before": "no"`, filepath.Join(legacy, TorchWeightsFile), `normalize_before must be true or false, got "no"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig()
			if tc.extra != "" {
				var err error
				b, _ := json.Marshal(cfg)
				b = append(append(b[:len(b)-1], ','), tc.extra+"}"...)
				if cfg, err = ParseConfig(b); err != nil {
					t.Fatal(err)
				}
			}
			_, err := LoadWeights(cfg, tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadWeights: %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
	t.Run("no weights file", func(t *testing.T) {
		dir := t.TempDir()
		b, _ := json.Marshal(tinyConfig())
		os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "model.safetensors: checkpoint has no weights file (nor pytorch_model.bin)") {
			t.Fatalf("Load: %v", err)
		}
	})
	t.Run("marian values accepted", func(t *testing.T) {
		b, _ := json.Marshal(tinyConfig())
		b = append(b[:len(b)-1], `,"normalize_before": false, "normalize_embedding": false, "add_final_layer_norm": false, "static_position_embeddings": true}`...)
		cfg, err := ParseConfig(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkArchitecture(cfg); err != nil {
			t.Fatal(err)
		}
	})
}
