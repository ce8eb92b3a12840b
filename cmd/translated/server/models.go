package server

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
	translatev1 "github.com/translated/translated/proto/translate/v1"
	"github.com/translated/translated/tokenize"
)

// engine is what the server needs from a translator; *nmt.Translator is
// the real one.
type engine interface {
	Translate(ctx context.Context, req nmt.Request, stream func(nmt.Event)) ([]nmt.Translation, error)
	Align(ctx context.Context, source, target string, opts nmt.Options) (nmt.Translation, error)
}

// tokenCounter counts the source tokens of a text.
type tokenCounter interface {
	Encode(text string) ([]tokenize.Token, error)
}

// model is one served model.
type model struct {
	// name is its directory's name ("en-es", "en-es-bible"), or
	// "<source>-<target>" for a pair served through a multi-target model.
	name           string
	source, target string             // its language pair
	engine         engine             //
	tokens         tokenCounter       // nil: no token limit (test engines)
	maxPositions   int                // longest sequence the model takes; 0: unknown
	info           *translatev1.Model // for ListModels
	selector       align.Selector     // heads whose attention makes alignment rows
	// languages are the output languages of a multi-target model (its
	// ">>xx<<" tokens); targetLanguage is the one its requests ask for
	// when it serves a pair under another name (see addLanguagePairs).
	languages      []string
	targetLanguage string
}

// pair names a language pair: "<source>-<target>".
func (m *model) pair() string { return m.source + "-" + m.target }

// canRerank says whether the engine holds the opposite pair's model for
// options.rerank (see linkReverses).
func (m *model) canRerank() bool {
	t, ok := m.engine.(*nmt.Translator)
	return ok && t.Reverse() != nil
}

// Models are the models a Server serves: by name, and for each language
// pair its default model. They are immutable once made.
type Models struct {
	byName   map[string]*model
	defaults map[string]*model // by pair, "<source>-<target>"
}

// LoadModels opens every model directory directly under root: every
// subdirectory (or link to one) holding a config.json. Each is a model
// named by its directory, whose language pair the name tells:
// "<source>-<target>", or "<source>-<target>-<variant>" for another model
// of the same pair ("en-es-bible"). A directory named otherwise is
// refused, and so is a root with no model at all.
//
// The default model of a pair, which serves the requests naming no model,
// is the one named exactly "<source>-<target>", else the first of the
// pair's models by name. A multi-target model (an OPUS-MT en-ROMANCE)
// serves each of its languages' pairs that no directory serves, under the
// name "<source>-<language>". Every model whose opposite pair is served
// can rerank with that pair's model of the same variant, else its default
// model.
//
// heads chooses the cross-attention heads that make alignments for every
// model; nil lets each model use the heads its config.json names
// (alignment_heads), else the average of all.
func LoadModels(root string, heads *align.Selector) (*Models, error) {
	return LoadModelsWith(root, LoadOptions{Heads: heads})
}

// LoadOptions are how LoadModelsWith opens each model directory.
type LoadOptions struct {
	// Heads chooses the cross-attention heads that make alignments for
	// every model; nil lets each model use its own (see LoadModels).
	Heads *align.Selector
	// Shortlists makes every model whose directory ships a vocabulary
	// shortlist (nmt.ShortlistFile) decode with it: each sentence keeps
	// only the target tokens listed for its source tokens, and a step
	// computes the output layer for those of the sentences decoding
	// together only. Models without one use the whole vocabulary. An
	// unreadable shortlist fails the load. Default: false.
	Shortlists bool
	// Int8 quantizes every model's weight matrices to int8 (one scale per
	// output row) as they are read: a quarter of the float32 bytes read
	// per step, and integer products where the CPU has them
	// (model.LoadOptions.Int8). Default: false, the weights as stored.
	Int8 bool
}

// LoadModelsWith is LoadModels with more options.
func LoadModelsWith(root string, o LoadOptions) (*Models, error) {
	return loadModels(root, func(dir string) (*model, error) { return openModel(dir, o) })
}

// opener loads one model directory.
type opener func(dir string) (*model, error)

func loadModels(root string, open opener) (*Models, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	var list []*model
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if st, err := os.Stat(dir); err != nil || !st.IsDir() { // follows symbolic links
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
			continue
		}
		m, err := open(dir)
		if err != nil {
			return nil, fmt.Errorf("models: %s: %w", dir, err)
		}
		list = append(list, m)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("models: no model directory (one holding config.json) under %s", root)
	}
	return newModels(list...)
}

// newModels indexes ms by name and pair, adds the pairs of multi-target
// models, links reverses, and fills in each model's ListModels entry.
func newModels(ms ...*model) (*Models, error) {
	out := &Models{byName: map[string]*model{}, defaults: map[string]*model{}}
	for _, m := range ms {
		if _, dup := out.byName[m.name]; dup {
			return nil, fmt.Errorf("models: two models named %s", m.name)
		}
		out.byName[m.name] = m
	}
	for _, name := range out.Names() { // sorted: the first of a pair's models wins
		m := out.byName[name]
		if d, ok := out.defaults[m.pair()]; !ok || (name == m.pair() && d.name != name) {
			out.defaults[m.pair()] = m
		}
	}
	out.addLanguagePairs()
	out.linkReverses()
	for name, m := range out.byName {
		if m.info == nil {
			m.info = &translatev1.Model{}
		} else {
			m.info = cloneInfo(m.info) // the caller's may be shared
		}
		m.info.Name, m.info.SourceLanguageCode, m.info.TargetLanguageCode = name, m.source, m.target
		m.info.PairDefault = out.defaults[m.pair()] == m
		m.info.TargetLanguageCodes = m.languages
		m.info.CanRerank = m.canRerank()
	}
	return out, nil
}

// Names returns the model names, sorted.
func (ms *Models) Names() []string { return slices.Sorted(maps.Keys(ms.byName)) }

// pairs returns the served language pairs, sorted.
func (ms *Models) pairs() []string { return slices.Sorted(maps.Keys(ms.defaults)) }

// lookup finds the model a request names, or its pair's default model.
// The fields named in errors are those of TranslateRequest and
// AlignRequest.
func (ms *Models) lookup(name, source, target string) (*model, error) {
	if name != "" {
		m, ok := ms.byName[name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: model %s (this server serves %s)", errUnknownModel, quote(name), strings.Join(ms.Names(), ", "))
		case source != "" && source != m.source:
			return nil, invalidf("source_language_code", "%s, but model %s translates from %q", quote(source), name, m.source)
		case target != "" && target != m.target:
			return nil, invalidf("target_language_code", "%s, but model %s translates into %q", quote(target), name, m.target)
		}
		return m, nil
	}
	if source == "" {
		return nil, invalidf("source_language_code", "required unless model is set")
	}
	if target == "" {
		return nil, invalidf("target_language_code", "required unless model is set")
	}
	if m, ok := ms.defaults[source+"-"+target]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("%w: %s-%s (this server translates %s)", errUnknownPair, short(source), short(target), strings.Join(ms.pairs(), ", "))
}

// reverseName is the name of the other variant's opposite model: es-en-bible
// for en-es-bible; "" for a pair's plain name, which reranks with the
// opposite pair's default.
func reverseName(name, pair string) string {
	variant, ok := strings.CutPrefix(name, pair+"-")
	if !ok || variant == "" {
		return ""
	}
	source, target, _ := strings.Cut(pair, "-")
	return target + "-" + source + "-" + variant
}

// linkReverses gives every model whose opposite pair is also served the
// same variant of that pair when it is served (en-es-bible reranks with
// es-en-bible), else that pair's default model, for options.rerank. Pairs served through a
// multi-target model's language token are not linked.
func (ms *Models) linkReverses() {
	// Reverses are the engines as loaded, whatever order the links are
	// made in, so that two models of a pair share one reverse.
	loaded := make(map[*model]engine, len(ms.byName))
	for _, m := range ms.byName {
		loaded[m] = m.engine
	}
	for _, m := range ms.byName {
		t, ok := m.engine.(*nmt.Translator)
		if !ok || m.targetLanguage != "" {
			continue
		}
		r, ok := ms.byName[reverseName(m.name, m.pair())]
		if !ok {
			r, ok = ms.defaults[m.target+"-"+m.source]
		}
		if !ok || r.targetLanguage != "" {
			continue
		}
		rt, ok := loaded[r].(*nmt.Translator)
		if !ok {
			continue
		}
		if linked, err := t.WithReverse(rt); err == nil {
			m.engine = linked
		}
	}
}
