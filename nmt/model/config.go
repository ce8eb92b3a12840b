package model

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/translated/translated/nmt/safetensors"
)

// Config holds the MarianMT fields of a checkpoint's config.json. Field names
// follow the Hugging Face MarianConfig so that a directory saved here loads
// in Python with transformers.MarianMTModel and the reverse. Absent fields
// take the values Marian models use (swish, scaled embeddings, 512
// positions), not transformers' class defaults (gelu, unscaled, 1024):
// every OPUS-MT config and every config written here spells them out.
type Config struct {
	ModelType             string `json:"model_type"`              // "marian"
	VocabSize             int    `json:"vocab_size"`              // source (and shared) vocabulary size
	DecoderVocabSize      int    `json:"decoder_vocab_size"`      // default: VocabSize
	DModel                int    `json:"d_model"`                 // hidden size D
	EncoderLayers         int    `json:"encoder_layers"`          // number of encoder blocks
	DecoderLayers         int    `json:"decoder_layers"`          // number of decoder blocks
	EncoderAttentionHeads int    `json:"encoder_attention_heads"` // D must divide by it
	DecoderAttentionHeads int    `json:"decoder_attention_heads"` // D must divide by it
	EncoderFFNDim         int    `json:"encoder_ffn_dim"`         // inner size of the encoder feed-forward
	DecoderFFNDim         int    `json:"decoder_ffn_dim"`         // inner size of the decoder feed-forward
	ActivationFunction    string `json:"activation_function"`     // "swish" (= "silu"), "relu", "gelu", "gelu_new"
	ScaleEmbedding        bool   `json:"scale_embedding"`         // multiply token embeddings by sqrt(D)
	MaxPositionEmbeddings int    `json:"max_position_embeddings"` // longest sequence, source or target
	PadTokenID            int    `json:"pad_token_id"`            // padding; also the decoder start token
	EOSTokenID            int    `json:"eos_token_id"`            // end of sentence, appended to the source
	DecoderStartTokenID   int    `json:"decoder_start_token_id"`  // first decoder input (the pad token in Marian)

	// SharedEmbeddings: encoder and decoder use one embedding matrix
	// (model.shared.weight). Default true (absent in older configs).
	ShareEncoderDecoderEmbeddings *bool `json:"share_encoder_decoder_embeddings,omitempty"`
	// TieWordEmbeddings: the output projection is the decoder embedding
	// transposed. Default true.
	TieWordEmbeddings *bool `json:"tie_word_embeddings,omitempty"`
	// RightToLeft: the decoder writes the target last token first (a model
	// trained with translate-cli train --right-to-left); the translator
	// turns its output around. Default false.
	RightToLeft bool `json:"right_to_left,omitempty"`

	// Extra keeps every other field of config.json so a save writes it back.
	Extra map[string]json.RawMessage `json:"-"`
}

// ReadConfig reads dir/config.json.
func ReadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes config.json bytes, applies the MarianConfig defaults
// for absent fields and validates the result.
func ParseConfig(b []byte) (*Config, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config is not a JSON object: %v", err)
	}
	c := &Config{ActivationFunction: "swish", ScaleEmbedding: true, MaxPositionEmbeddings: 512}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("config field has the wrong type: %v", err)
	}
	if c.DecoderVocabSize == 0 {
		c.DecoderVocabSize = c.VocabSize
	}
	if _, ok := raw["decoder_start_token_id"]; !ok {
		c.DecoderStartTokenID = c.PadTokenID
	}
	c.Extra = make(map[string]json.RawMessage)
	for k, v := range raw {
		if !knownConfigKeys[k] {
			c.Extra[k] = v
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

var knownConfigKeys = map[string]bool{
	"model_type": true, "vocab_size": true, "decoder_vocab_size": true, "d_model": true,
	"encoder_layers": true, "decoder_layers": true, "encoder_attention_heads": true,
	"decoder_attention_heads": true, "encoder_ffn_dim": true, "decoder_ffn_dim": true,
	"activation_function": true, "scale_embedding": true, "max_position_embeddings": true,
	"pad_token_id": true, "eos_token_id": true, "decoder_start_token_id": true,
	"share_encoder_decoder_embeddings": true, "tie_word_embeddings": true, "right_to_left": true,
}

// SharedEmbeddings reports whether encoder and decoder share one embedding.
func (c *Config) SharedEmbeddings() bool {
	return c.ShareEncoderDecoderEmbeddings == nil || *c.ShareEncoderDecoderEmbeddings
}

// TiedOutput reports whether the output projection is the decoder embedding.
func (c *Config) TiedOutput() bool { return c.TieWordEmbeddings == nil || *c.TieWordEmbeddings }

// Validate returns one sentence naming the first field that is out of range.
func (c *Config) Validate() error {
	positive := []struct {
		name string
		v    int
	}{
		{"vocab_size", c.VocabSize}, {"decoder_vocab_size", c.DecoderVocabSize}, {"d_model", c.DModel},
		{"encoder_layers", c.EncoderLayers}, {"decoder_layers", c.DecoderLayers},
		{"encoder_attention_heads", c.EncoderAttentionHeads}, {"decoder_attention_heads", c.DecoderAttentionHeads},
		{"encoder_ffn_dim", c.EncoderFFNDim}, {"decoder_ffn_dim", c.DecoderFFNDim},
		{"max_position_embeddings", c.MaxPositionEmbeddings},
	}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("config: %s must be positive, got %d", p.name, p.v)
		}
	}
	if c.DModel%c.EncoderAttentionHeads != 0 || c.DModel%c.DecoderAttentionHeads != 0 {
		return fmt.Errorf("config: d_model %d must be divisible by the attention heads (%d encoder, %d decoder)", c.DModel, c.EncoderAttentionHeads, c.DecoderAttentionHeads)
	}
	if c.DModel%2 != 0 {
		return fmt.Errorf("config: d_model must be even for sinusoidal positions, got %d", c.DModel)
	}
	if c.SharedEmbeddings() && c.DecoderVocabSize != c.VocabSize {
		return fmt.Errorf("config: shared embeddings need decoder_vocab_size (%d) equal to vocab_size (%d)", c.DecoderVocabSize, c.VocabSize)
	}
	ids := []struct {
		name string
		v, n int
	}{
		{"pad_token_id", c.PadTokenID, c.VocabSize}, {"eos_token_id", c.EOSTokenID, c.DecoderVocabSize},
		{"decoder_start_token_id", c.DecoderStartTokenID, c.DecoderVocabSize},
	}
	for _, id := range ids {
		if id.v < 0 || id.v >= id.n {
			return fmt.Errorf("config: %s %d is outside the vocabulary of %d", id.name, id.v, id.n)
		}
	}
	switch c.ActivationFunction {
	case "swish", "silu", "relu", "gelu", "gelu_new":
	default:
		return fmt.Errorf("config: activation_function %q is not one of swish, silu, relu, gelu, gelu_new", c.ActivationFunction)
	}
	return nil
}

// MarshalJSON writes the known fields and every extra field back.
func (c *Config) MarshalJSON() ([]byte, error) {
	type plain Config
	b, err := json.Marshal((*plain)(c))
	if err != nil {
		return nil, err
	}
	if len(c.Extra) == 0 {
		return b, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range c.Extra {
		if _, known := m[k]; !known {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// WriteConfig writes c as dir/config.json (indented, atomically).
func WriteConfig(dir string, c *Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return safetensors.WriteAtomic(filepath.Join(dir, "config.json"), append(b, '\n'))
}
