package nmt

import (
	"strings"

	"github.com/translated/translated/tokenize"
	"github.com/translated/translated/tokenize/spm"
)

// targetLanguage resolves Options.TargetLanguage: the language token a
// multi-target model needs before every sentence, or nil for a model with
// one target language.
func (t *Translator) targetLanguage(lang string) (*tokenize.Token, error) {
	langs := t.info.TargetLanguages
	if len(langs) == 0 {
		if lang != "" && lang != t.info.Target {
			if t.info.Target == "" {
				return nil, invalidf("target_language %q: the model translates into one language only and takes no target language", lang)
			}
			return nil, invalidf("target_language %q: the model translates into %s only", lang, t.info.Target)
		}
		return nil, nil
	}
	if lang == "" {
		return nil, invalidf("target_language is required: the model translates into %d languages: %s", len(langs), strings.Join(langs, ", "))
	}
	tok, err := t.marian.LanguageToken(lang)
	if err != nil {
		return nil, invalidf("target_language %q is not one of the model's %d languages: %s", lang, len(langs), strings.Join(langs, ", "))
	}
	return &tok, nil
}

// encodeTarget splits target-language text into target tokens. A MarianMT
// tokenizer's Encode reads source text, so its target model is used.
func (t *Translator) encodeTarget(text string) ([]tokenize.Token, error) {
	if mt, ok := t.tgt.(*spm.Marian); ok {
		return mt.EncodeTarget(text)
	}
	return t.tgt.Encode(text)
}
