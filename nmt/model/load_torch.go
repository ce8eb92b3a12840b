package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/translated/translated/nmt/safetensors"
	"github.com/translated/translated/nmt/torchbin"
)

// TorchWeightsFile is the PyTorch weights file of a Hugging Face checkpoint
// (a torch.save archive). Load reads it when a directory has no
// model.safetensors, as the older OPUS-MT uploads do.
const TorchWeightsFile = "pytorch_model.bin"

// weightsPath chooses the weights file of a checkpoint directory:
// model.safetensors when it exists, else pytorch_model.bin.
func weightsPath(dir string) (string, error) {
	for _, name := range []string{WeightsFile, TorchWeightsFile} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: checkpoint has no weights file (nor %s)", filepath.Join(dir, WeightsFile), TorchWeightsFile)
}

// LoadWeights builds a model from a configuration and one weights file:
// a safetensors file when the name ends in ".safetensors", otherwise a
// PyTorch archive written by torch.save (pytorch_model.bin). Both are read
// alike: Hugging Face MarianMTModel tensor names, F32, F16 or BF16 values
// widened to float32, unused tensors ignored.
//
// The sinusoidal position tables that OPUS-MT checkpoints store
// (model.encoder.embed_positions.weight, model.decoder.embed_positions.weight)
// are accepted and not read: the model computes the same table itself (see
// sinusoids). A MarianMT checkpoint never has learned positions (the
// converter refuses them, and a config asking for them is refused here), and
// a stored copy may be rounded to F16, so the computed table is the exact
// one. nmt/model's OPUS-MT tests check that the tables torch stores agree
// with it.
func LoadWeights(cfg *Config, path string) (*Model, error) {
	return loadWeights(cfg, path, LoadOptions{})
}

// loadWeights is LoadWeights with options.
func loadWeights(cfg *Config, path string, o LoadOptions) (*Model, error) {
	if err := checkArchitecture(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(filepath.Dir(path), "config.json"), err)
	}
	if strings.HasSuffix(path, ".safetensors") {
		// Read tensor by tensor: the file is never held whole.
		r, err := safetensors.Open(path)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return build(cfg, newFileSource(path, onDisk{r}), o.Int8)
	}
	tensors, err := torchbin.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return build(cfg, newFileSource(path, inMemory(tensors)), o.Int8)
}

// checkArchitecture refuses the BART settings that older MarianMT configs
// spell out and that this model does not implement. A Marian checkpoint
// always has them at their Marian values (or leaves them out).
func checkArchitecture(cfg *Config) error {
	wants := []struct {
		key  string
		want bool
		what string
	}{
		{"normalize_before", false, "pre-layer-norm blocks"},
		{"normalize_embedding", false, "a layer norm after the embeddings"},
		{"add_final_layer_norm", false, "a final layer norm"},
		{"static_position_embeddings", true, "learned position embeddings"},
	}
	for _, w := range wants {
		raw, ok := cfg.Extra[w.key]
		if !ok {
			continue
		}
		if got := string(raw); got != "true" && got != "false" {
			return fmt.Errorf("config: %s must be true or false, got %s", w.key, got)
		} else if (got == "true") != w.want {
			return fmt.Errorf("config: %s %s asks for %s, which MarianMT models do not have and this engine does not implement", w.key, got, w.what)
		}
	}
	return nil
}
