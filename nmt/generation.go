package nmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/translated/translated/nmt/model"
)

// GenerationConfigFile holds a Hugging Face model's decoding defaults.
const GenerationConfigFile = "generation_config.json"

// generation is what a model directory says about decoding: defaults for
// the zero fields of Options and ids that are never generated.
type generation struct {
	defaults Options // BeamSize, MaxLength and LengthPenalty may be set
	banned   []int   // single-token bad_words_ids, without the pad id
}

// generationFields are the fields of a generation config that translated
// uses. Pointers tell an absent field from a zero one.
type generationFields struct {
	NumBeams            *int             `json:"num_beams"`
	MaxLength           *int             `json:"max_length"`
	MaxNewTokens        *int             `json:"max_new_tokens"`
	LengthPenalty       *float64         `json:"length_penalty"`
	BadWordsIDs         [][]int          `json:"bad_words_ids"`
	EOSTokenID          *json.RawMessage `json:"eos_token_id"`
	PadTokenID          *json.RawMessage `json:"pad_token_id"`
	DecoderStartTokenID *json.RawMessage `json:"decoder_start_token_id"`
}

// readGeneration reads dir/generation_config.json or, when the directory
// has none, the same fields of config.json (older OPUS-MT configs carry
// num_beams, max_length and bad_words_ids there), as transformers does.
func readGeneration(dir string, cfg *model.Config) (generation, error) {
	path := filepath.Join(dir, GenerationConfigFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		path = filepath.Join(dir, "config.json")
		b, err = json.Marshal(cfg.Extra)
	}
	if err != nil {
		return generation{}, err
	}
	g, err := parseGeneration(b, cfg)
	if err != nil {
		return generation{}, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// parseGeneration turns the fields of a generation config into defaults:
//
//   - num_beams → BeamSize;
//   - max_length → MaxLength = max_length − 1, since transformers counts
//     the decoder start token and Options.MaxLength does not; max_new_tokens
//     → MaxLength as it is, and wins over max_length; either is capped at
//     the model's positions;
//   - length_penalty → LengthPenalty (0 leaves the built-in default, as
//     before Options could ask for α = 0);
//   - bad_words_ids → ids never generated; only single-token entries are
//     used (longer sequences are ignored), the pad id is banned anyway;
//   - eos_token_id, pad_token_id and decoder_start_token_id, when they are
//     single ids, must agree with config.json.
//
// renormalize_logits, forced_eos_token_id and the sampling fields are not
// read: search already ends a hypothesis at its length limit with </s>, and
// always decodes deterministically.
func parseGeneration(b []byte, cfg *model.Config) (generation, error) {
	var f generationFields
	if err := json.Unmarshal(b, &f); err != nil {
		return generation{}, fmt.Errorf("generation config: %v", err)
	}
	var g generation
	if f.NumBeams != nil {
		if *f.NumBeams < 1 {
			return g, fmt.Errorf("num_beams must be at least 1, got %d", *f.NumBeams)
		}
		g.defaults.BeamSize = *f.NumBeams
	}
	maxPos := cfg.MaxPositionEmbeddings
	switch {
	case f.MaxNewTokens != nil:
		if *f.MaxNewTokens < 1 {
			return g, fmt.Errorf("max_new_tokens must be at least 1, got %d", *f.MaxNewTokens)
		}
		g.defaults.MaxLength = min(*f.MaxNewTokens, maxPos)
	case f.MaxLength != nil:
		if *f.MaxLength < 2 {
			return g, fmt.Errorf("max_length must be at least 2 (the start token and one more), got %d", *f.MaxLength)
		}
		g.defaults.MaxLength = min(*f.MaxLength-1, maxPos)
	}
	if f.LengthPenalty != nil && *f.LengthPenalty != 0 {
		g.defaults.LengthPenalty = f.LengthPenalty
	}
	for _, seq := range f.BadWordsIDs {
		if len(seq) != 1 || seq[0] == cfg.PadTokenID {
			continue
		}
		id := seq[0]
		switch {
		case id < 0 || id >= cfg.DecoderVocabSize:
			return g, fmt.Errorf("bad_words_ids holds %d, outside the vocabulary of %d", id, cfg.DecoderVocabSize)
		case id == cfg.EOSTokenID:
			return g, fmt.Errorf("bad_words_ids bans the end-of-sentence id %d: no translation could end", id)
		}
		g.banned = append(g.banned, id)
	}
	ids := []struct {
		name string
		raw  *json.RawMessage
		want int
	}{
		{"eos_token_id", f.EOSTokenID, cfg.EOSTokenID},
		{"pad_token_id", f.PadTokenID, cfg.PadTokenID},
		{"decoder_start_token_id", f.DecoderStartTokenID, cfg.DecoderStartTokenID},
	}
	for _, x := range ids {
		var id int
		if x.raw == nil || json.Unmarshal(*x.raw, &id) != nil {
			continue // absent, null or a list of ids
		}
		if id != x.want {
			return g, fmt.Errorf("%s %d differs from config.json's %d", x.name, id, x.want)
		}
	}
	return g, nil
}
