package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"

	"github.com/translated/translated/nmt/safetensors"
	"github.com/translated/translated/nmt/tensor"
)

// EmbeddingsKey is the config.json field of a checkpoint saved without its
// embedding matrix (SaveWithoutEmbeddings): the EmbeddingsDigest of the
// matrix it was trained with, which LoadOnEmbeddings requires of its base.
const EmbeddingsKey = "embeddings_sha256"

// EmbeddingsDigest identifies the shared embedding matrix: the SHA-256 of
// its values as float32, little-endian, in hex, with −0 written as +0 (a
// mean of checkpoints turns one into the other without changing a value).
func (m *Model) EmbeddingsDigest() string {
	h := sha256.New()
	var b [4]byte
	for _, v := range m.encEmbed.values() {
		if v == 0 {
			v = 0
		}
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SaveWithoutEmbeddings writes m like Save but leaves out the shared
// embedding matrix, and records its digest in config.json (EmbeddingsKey).
// Such a checkpoint loads only with LoadOnEmbeddings, on a model with the
// same matrix: a model fine-tuned from another with the embeddings frozen
// ships without a second copy of them.
func SaveWithoutEmbeddings(dir string, m *Model, store safetensors.DType) error {
	if !m.cfg.SharedEmbeddings() || !m.cfg.TiedOutput() {
		return fmt.Errorf("only a model with shared, tied embeddings can be saved without them")
	}
	cfg := m.Config()
	digest, err := json.Marshal(m.EmbeddingsDigest())
	if err != nil {
		return err
	}
	cfg.Extra[EmbeddingsKey] = digest
	if err := WriteConfig(dir, &cfg); err != nil {
		return err
	}
	return safetensors.WriteFile(filepath.Join(dir, WeightsFile), m.stored(store, SharedEmbedding), map[string]string{"format": "pt"})
}

// LoadOnEmbeddings reads a checkpoint directory saved by
// SaveWithoutEmbeddings, taking the embedding matrix from base, which must
// be the one the checkpoint's config.json names by digest. The two models
// then share that matrix in memory. A checkpoint with its own embeddings
// loads as with Load.
func LoadOnEmbeddings(dir string, base *Model) (*Model, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	raw, ok := cfg.Extra[EmbeddingsKey]
	if !ok {
		return loadDir(dir, cfg, LoadOptions{})
	}
	var want string
	if err := json.Unmarshal(raw, &want); err != nil {
		return nil, fmt.Errorf("%s: %s is not a string", filepath.Join(dir, "config.json"), EmbeddingsKey)
	}
	if base.Int8() {
		return nil, fmt.Errorf("%s shares the embeddings of its model, which was loaded as int8: load both as float32", dir)
	}
	bc := base.cfg
	if !bc.SharedEmbeddings() || bc.VocabSize != cfg.VocabSize || bc.DModel != cfg.DModel {
		return nil, fmt.Errorf("%s: its embeddings are another model's, of %d × %d; the model given has %d × %d",
			dir, cfg.VocabSize, cfg.DModel, bc.VocabSize, bc.DModel)
	}
	if got := base.EmbeddingsDigest(); got != want {
		return nil, fmt.Errorf("%s was trained on another embedding matrix than the model's (%s %.12s…, the model's %.12s…): train it again from this model", dir, EmbeddingsKey, want, got)
	}
	path := filepath.Join(dir, WeightsFile)
	r, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return build(cfg, embeddingsFrom{newFileSource(path, onDisk{r}), base}, false)
}

// SharedEmbedding is the tensor name of the embedding matrix that encoder,
// decoder and output projection share.
const SharedEmbedding = "model.shared.weight"

// embeddingsFrom serves a file's tensors and, for the shared embedding
// matrix the file lacks, another model's: its output projection's weights
// when tied (held once by both models), else its rows.
type embeddingsFrom struct {
	fileSource
	base *Model
}

func (s embeddingsFrom) get(name string, shape []int) ([]float32, bool, error) {
	if name == SharedEmbedding && !s.inFile() {
		return s.base.encEmbed.values(), true, nil
	}
	return s.fileSource.get(name, shape)
}

// lent is the base's output projection when the file lacks the matrix and
// the base's embedding is that projection's.
func (s embeddingsFrom) lent() *tensor.Linear {
	if s.inFile() {
		return nil
	}
	return s.base.encEmbed.tied
}

func (s embeddingsFrom) rows(name string, n, k int) (rowSource, bool, error) {
	if name == SharedEmbedding && !s.inFile() {
		return sliceRows{v: s.base.encEmbed.values(), k: k}, true, nil
	}
	return s.fileSource.rows(name, n, k)
}

func (s embeddingsFrom) inFile() bool {
	_, ok := s.data.tensor(SharedEmbedding)
	return ok
}
