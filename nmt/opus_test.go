package nmt

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/model"
)

// The miniature OPUS-MT directories testdata/models/opus-tiny/en-ROMANCE
// (multi-target) and en-es (single target, </s> = 2, F16
// pytorch_model.bin) and their greedy_golden.json are made by
// scripts/reference/make_opus_tiny.py: the source pieces come from
// Debian's spm_encode, the ids through vocab.json, the outputs from the
// PyTorch reference marian_ref.py, the translations from spm_decode.

type opusCase struct {
	Text           string   `json:"text"`
	TargetLanguage string   `json:"target_language"`
	SrcPieces      []string `json:"src_pieces"`
	SrcIDs         []int    `json:"src_ids"`
	MaxLen         int      `json:"max_len"`
	GreedyIDs      []int    `json:"greedy_ids"`
	Translation    string   `json:"translation"`
}

func opusDir(name string) string {
	return filepath.Join("..", "testdata", "models", "opus-tiny", name)
}

func readOPUSCases(t *testing.T, name string) []opusCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(opusDir(name), "greedy_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ Cases []opusCase }
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g.Cases
}

// TestOPUSTinyTextPath opens each miniature OPUS-MT directory and
// translates every golden text greedily: the source pieces and ids (the
// language token first for en-ROMANCE, then source.spm pieces looked up
// in vocab.json), the output ids and the detokenized translation must be
// the reference's.
func TestOPUSTinyTextPath(t *testing.T) {
	for _, name := range []string{"en-ROMANCE", "en-es"} {
		t.Run(name, func(t *testing.T) {
			tr, err := Open(opusDir(name))
			if err != nil {
				t.Fatal(err)
			}
			eos := tr.cfg.EOSTokenID
			for _, c := range readOPUSCases(t, name) {
				opts := Options{BeamSize: 1, MaxLength: c.MaxLen, TargetLanguage: c.TargetLanguage}
				out, err := tr.Translate(context.Background(), Request{Texts: []string{c.Text}, Options: opts}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if strings.TrimSpace(c.Text) == "" {
					if len(out[0].Sentences) != 0 || out[0].Text != c.Text {
						t.Errorf("blank text %q: %+v", c.Text, out[0])
					}
					continue
				}
				if len(out[0].Sentences) != 1 {
					t.Fatalf("%q: %d sentences, want 1", c.Text, len(out[0].Sentences))
				}
				s := out[0].Sentences[0]
				var ids []int
				var pieces []string
				for _, tok := range s.Tokens {
					ids, pieces = append(ids, tok.ID), append(pieces, tok.Piece)
				}
				if !slices.Equal(append(ids, eos), c.SrcIDs) || !slices.Equal(pieces, c.SrcPieces) {
					t.Errorf("%q: source %v %q\nwant %v %q", c.Text, append(ids, eos), pieces, c.SrcIDs, c.SrcPieces)
				}
				if c.TargetLanguage != "" {
					first := s.Tokens[0]
					if first.Piece != ">>"+c.TargetLanguage+"<<" || first.Start != s.Start || first.End != s.Start {
						t.Errorf("%q: language token %+v, want a zero-width >>%s<< at %d", c.Text, first, c.TargetLanguage, s.Start)
					}
				}
				var got []int
				for _, tok := range s.Hypotheses[0].Tokens {
					got = append(got, tok.ID)
				}
				if want := c.GreedyIDs[:len(c.GreedyIDs)-1]; !slices.Equal(got, want) {
					t.Errorf("%q: output %v, want %v (then </s>)", c.Text, got, want)
				}
				// The text's own surrounding white space is kept around the
				// translation.
				if got := s.Hypotheses[0].Text; got != c.Translation || strings.TrimSpace(out[0].Text) != got {
					t.Errorf("%q: translation %q (text %q), want %q", c.Text, got, out[0].Text, c.Translation)
				}
			}
		})
	}
}

// TestOPUSTinyInfo checks what Open reads besides the weights: the target
// languages of a multi-target model and the decoding defaults of the
// generation config.
func TestOPUSTinyInfo(t *testing.T) {
	for _, tc := range []struct {
		name      string
		languages []string
		defaults  Options
	}{
		// max_length 64 counts the decoder start token: 63 generated.
		{"en-ROMANCE", []string{"es", "fr", "it", "pt", "pt_br", "ro"}, Options{BeamSize: 4, MaxLength: 63}},
		{"en-es", nil, Options{BeamSize: 6, MaxLength: 63}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Open(opusDir(tc.name))
			if err != nil {
				t.Fatal(err)
			}
			in := tr.Info()
			if !reflect.DeepEqual(in.TargetLanguages, tc.languages) || !reflect.DeepEqual(in.Defaults, tc.defaults) || len(in.Banned) != 0 {
				t.Errorf("info: languages %v, defaults %+v, banned %v; want %v, %+v, none", in.TargetLanguages, in.Defaults, in.Banned, tc.languages, tc.defaults)
			}
			s, err := tr.searchOptions(Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s.BeamSize != tc.defaults.BeamSize || s.MaxLength != tc.defaults.MaxLength || s.LengthPenalty != 1 {
				t.Errorf("search options %+v", s)
			}
			s, err = tr.searchOptions(Options{BeamSize: 2, MaxLength: 9})
			if err != nil || s.BeamSize != 2 || s.MaxLength != 9 {
				t.Errorf("request options lost: %+v, %v", s, err)
			}
			if s, _ = tr.searchOptions(Options{LengthPenalty: new(0.0)}); s.LengthPenalty != 0 {
				t.Errorf("α = 0 asked for, %v used", s.LengthPenalty)
			}
			if s, _ = tr.searchOptions(Options{NBest: 8}); s.BeamSize != 8 {
				t.Errorf("nbest 8 with the model's beam %d: beam %d", tc.defaults.BeamSize, s.BeamSize)
			}
		})
	}
}

// TestOPUSTinyTargetLanguage covers the choice of target language.
func TestOPUSTinyTargetLanguage(t *testing.T) {
	romance, err := Open(opusDir("en-ROMANCE"))
	if err != nil {
		t.Fatal(err)
	}
	single, err := Open(opusDir("en-es"))
	if err != nil {
		t.Fatal(err)
	}
	const all = "es, fr, it, pt, pt_br, ro"
	for _, tc := range []struct {
		name  string
		tr    *Translator
		lang  string
		piece string // the language token, "" for none
		err   string // "" for success
	}{
		{"code", romance, "pt_br", ">>pt_br<<", ""},
		{"token", romance, ">>fr<<", ">>fr<<", ""},
		{"missing", romance, "", "", "target_language is required: the model translates into 6 languages: " + all},
		{"unknown", romance, "de", "", `target_language "de" is not one of the model's 6 languages: ` + all},
		{"malformed token", romance, ">>es", "", `target_language ">>es" is not one of`},
		{"unicode", romance, "español", "", `target_language "español" is not one of`},
		{"single target, none", single, "", "", ""},
		{"single target, its own", single, "es", "", ""},
		{"single target, another", single, "fr", "", `target_language "fr": the model translates into es only`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := Request{Texts: []string{"Jesus wept. Amen."}, Options: Options{BeamSize: 1, MaxLength: 3, TargetLanguage: tc.lang}}
			out, err := tc.tr.Translate(context.Background(), req, nil)
			if tc.err != "" {
				if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want ErrInvalidArgument containing %q", err, tc.err)
				}
				_, err = tc.tr.Align(context.Background(), "Jesus wept.", "Jesús lloró.", Options{TargetLanguage: tc.lang})
				if !errors.Is(err, ErrInvalidArgument) {
					t.Fatalf("Align: error %v, want ErrInvalidArgument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(out[0].Sentences) != 2 {
				t.Fatalf("%d sentences, want 2", len(out[0].Sentences))
			}
			for _, s := range out[0].Sentences { // every sentence gets the token
				if first := s.Tokens[0].Piece; (tc.piece != "") != (first == tc.piece) {
					t.Errorf("sentence %d starts with %q, want %q", s.Start, first, tc.piece)
				}
			}
		})
	}
}

// TestOPUSTinyAlign force-decodes a target with the language token in the
// source and target.spm pieces as labels.
func TestOPUSTinyAlign(t *testing.T) {
	tr, err := Open(opusDir("en-ROMANCE"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.Align(context.Background(), "Jesus wept.", "Jesús lloró.", Options{TargetLanguage: "es"})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Sentences[0]
	if s.Tokens[0].Piece != ">>es<<" {
		t.Errorf("source tokens %+v", s.Tokens)
	}
	want, err := tr.marian.EncodeTarget("Jesús lloró.")
	if err != nil {
		t.Fatal(err)
	}
	h := s.Hypotheses[0]
	if len(h.Tokens) != len(want) {
		t.Fatalf("%d target tokens, want %d", len(h.Tokens), len(want))
	}
	for i, tok := range h.Tokens {
		if tok.ID != want[i].ID || len(tok.Attention) != tr.cfg.DecoderLayers || len(tok.Attention[0][0]) != len(s.Tokens)+1 {
			t.Fatalf("token %d: %+v, want id %d with attention over %d source tokens", i, tok, want[i].ID, len(s.Tokens)+1)
		}
	}
}

// TestOpenMarianMismatch refuses a vocab.json whose special ids disagree
// with config.json.
func TestOpenMarianMismatch(t *testing.T) {
	src := opusDir("en-es")
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"eos", "eos_token_id", "0", "gives </s> the id 2, but config.json has eos_token_id 0"},
		{"pad", "pad_token_id", "1", "gives <pad> the id 694, but config.json has pad_token_id 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, src)
			cfgPath := filepath.Join(dir, "config.json")
			var cfg map[string]any
			b, _ := os.ReadFile(cfgPath)
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			cfg[tc.field] = json.Number(tc.value)
			b, _ = json.Marshal(cfg)
			os.WriteFile(cfgPath, b, 0o644)
			os.Remove(filepath.Join(dir, GenerationConfigFile))
			_, err := Open(dir)
			if !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v\nwant ErrBadModel containing %q", err, tc.want)
			}
		})
	}
}

// copyDir copies the files of a model directory into a temporary one.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// testConfig is a model config with 64 positions, a vocabulary of 100, eos
// 0 and pad 99, plus the JSON fields in extra.
func testConfig(t testing.TB, extra string) *model.Config {
	t.Helper()
	b := `{"model_type": "marian", "vocab_size": 100, "d_model": 8, "encoder_layers": 1, "decoder_layers": 1,
		"encoder_attention_heads": 2, "decoder_attention_heads": 2, "encoder_ffn_dim": 8, "decoder_ffn_dim": 8,
		"max_position_embeddings": 64, "pad_token_id": 99, "eos_token_id": 0, "decoder_start_token_id": 99` + extra + "}"
	c, err := model.ParseConfig([]byte(b))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseGeneration(t *testing.T) {
	cfg := testConfig(t, "")
	for _, tc := range []struct {
		name, json string
		defaults   Options
		banned     []int
		err        string
	}{
		{"opus-mt", `{"bad_words_ids": [[99]], "bos_token_id": 0, "decoder_start_token_id": 99, "eos_token_id": 0,
			"forced_eos_token_id": 0, "max_length": 512, "num_beams": 6, "pad_token_id": 99, "renormalize_logits": true}`,
			Options{BeamSize: 6, MaxLength: 64}, nil, ""},
		{"empty", `{}`, Options{}, nil, ""},
		{"max_length counts the start token", `{"max_length": 20}`, Options{MaxLength: 19}, nil, ""},
		{"max_new_tokens wins", `{"max_length": 20, "max_new_tokens": 30}`, Options{MaxLength: 30}, nil, ""},
		{"length penalty", `{"length_penalty": 0.6}`, Options{LengthPenalty: new(0.6)}, nil, ""},
		{"bad words", `{"bad_words_ids": [[99], [7], [3, 4], [], [7]]}`, Options{}, []int{7, 7}, ""},
		{"eos list", `{"eos_token_id": [0, 5], "pad_token_id": null}`, Options{}, nil, ""},
		{"unknown fields", `{"do_sample": false, "temperature": 0.7, "transformers_version": "4.32.0"}`, Options{}, nil, ""},
		{"zero beams", `{"num_beams": 0}`, Options{}, nil, "num_beams must be at least 1, got 0"},
		{"short max_length", `{"max_length": 1}`, Options{}, nil, "max_length must be at least 2"},
		{"zero max_new_tokens", `{"max_new_tokens": 0}`, Options{}, nil, "max_new_tokens must be at least 1"},
		{"eos banned", `{"bad_words_ids": [[0]]}`, Options{}, nil, "bans the end-of-sentence id 0"},
		{"banned outside", `{"bad_words_ids": [[100]]}`, Options{}, nil, "holds 100, outside the vocabulary of 100"},
		{"negative banned", `{"bad_words_ids": [[-1]]}`, Options{}, nil, "holds -1"},
		{"eos differs", `{"eos_token_id": 2}`, Options{}, nil, "eos_token_id 2 differs from config.json's 0"},
		{"start differs", `{"decoder_start_token_id": 0}`, Options{}, nil, "decoder_start_token_id 0 differs"},
		{"wrong type", `{"num_beams": "four"}`, Options{}, nil, "generation config: json: cannot unmarshal"},
		{"not an object", `[1, 2]`, Options{}, nil, "generation config: json: cannot unmarshal array"},
		{"not json", `{"num_beams": 4`, Options{}, nil, "generation config: unexpected end of JSON input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := parseGeneration([]byte(tc.json), cfg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g.defaults, tc.defaults) || !slices.Equal(g.banned, tc.banned) {
				t.Errorf("defaults %+v banned %v, want %+v %v", g.defaults, g.banned, tc.defaults, tc.banned)
			}
		})
	}
}

// TestReadGenerationFallback reads generation_config.json when there is
// one, and the generation fields of config.json otherwise.
func TestReadGenerationFallback(t *testing.T) {
	cfg := testConfig(t, `, "num_beams": 5, "max_length": 40, "bad_words_ids": [[99], [3]]`)
	dir := t.TempDir()
	g, err := readGeneration(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if g.defaults != (Options{BeamSize: 5, MaxLength: 39}) || !slices.Equal(g.banned, []int{3}) {
		t.Errorf("from config.json: %+v %v", g.defaults, g.banned)
	}
	os.WriteFile(filepath.Join(dir, GenerationConfigFile), []byte(`{"num_beams": 2}`), 0o644)
	if g, err = readGeneration(dir, cfg); err != nil || g.defaults != (Options{BeamSize: 2}) || g.banned != nil {
		t.Errorf("from generation_config.json: %+v %v %v", g.defaults, g.banned, err)
	}
	os.WriteFile(filepath.Join(dir, GenerationConfigFile), []byte(`{"num_beams": -1}`), 0o644)
	if _, err = readGeneration(dir, cfg); err == nil || !strings.Contains(err.Error(), GenerationConfigFile+": num_beams") {
		t.Errorf("error %v should name the file", err)
	}
}

func FuzzParseGeneration(f *testing.F) {
	f.Add([]byte(`{"bad_words_ids": [[99]], "max_length": 512, "num_beams": 4, "eos_token_id": 0}`))
	f.Add([]byte(`{"max_new_tokens": 3, "length_penalty": -1e308, "bad_words_ids": [[1, 2], []]}`))
	f.Add([]byte(`{"eos_token_id": [0, 1], "num_beams": 9223372036854775807}`))
	cfg := testConfig(f, "")
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := parseGeneration(b, cfg)
		if err != nil {
			return
		}
		d := g.defaults
		if d.BeamSize < 0 || d.MaxLength < 0 || d.MaxLength > cfg.MaxPositionEmbeddings {
			t.Fatalf("defaults out of range: %+v", d)
		}
		for _, id := range g.banned {
			if id < 0 || id >= cfg.DecoderVocabSize || id == cfg.EOSTokenID || id == cfg.PadTokenID {
				t.Fatalf("banned id %d", id)
			}
		}
	})
}
