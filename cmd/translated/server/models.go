package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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
	name         string // "<source>-<target>"
	engine       engine
	tokens       tokenCounter       // nil: no token limit (test engines)
	maxPositions int                // longest sequence the model takes; 0: unknown
	info         *translatev1.Model // for ListModels
	selector     align.Selector     // heads whose attention makes alignment rows
	// languages are the output languages of a multi-target model (its
	// ">>xx<<" tokens); targetLanguage is the one its requests ask for
	// when it serves a pair under another name (see addLanguagePairs).
	languages      []string
	targetLanguage string
}

// canRerank says whether the engine holds the opposite pair's model for
// options.rerank (see linkReverses).
func (m *model) canRerank() bool {
	t, ok := m.engine.(*nmt.Translator)
	return ok && t.Reverse() != nil
}

// models are the served models by name.
type models map[string]*model

// lookup finds the model of a pair, or says which pairs exist.
func (ms models) lookup(source, target string) (*model, error) {
	if source == "" {
		return nil, invalidf("source_language", "required")
	}
	if target == "" {
		return nil, invalidf("target_language", "required")
	}
	name := source + "-" + target
	if m, ok := ms[name]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("%w: %s (this server translates %s)", errUnknownModel, name, strings.Join(ms.names(), ", "))
}

// names returns the model names, sorted.
func (ms models) names() []string {
	names := make([]string, 0, len(ms))
	for n := range ms {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// opener loads one model directory.
type opener func(dir string) (*model, error)

// loadModels opens every model directory directly under root: every
// subdirectory holding a config.json. Two directories serving the same pair
// are an error, and so is a root with no model at all.
func loadModels(root string, open opener) (models, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	ms := models{}
	dirs := map[string]string{}
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
		if prev, dup := dirs[m.name]; dup {
			return nil, fmt.Errorf("models: %s and %s both serve %s", prev, dir, m.name)
		}
		dirs[m.name] = dir
		ms[m.name] = m
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("models: no model directory (one holding config.json) under %s", root)
	}
	addLanguagePairs(ms)
	linkReverses(ms)
	return ms, nil
}

// linkReverses gives every real model whose opposite pair is also served
// that pair's model, for options.rerank. Pairs served through a
// multi-target model's language token are not linked.
func linkReverses(ms models) {
	for name, m := range ms {
		t, ok := m.engine.(*nmt.Translator)
		if !ok || m.targetLanguage != "" {
			continue
		}
		source, target, _ := strings.Cut(name, "-")
		r, ok := ms[target+"-"+source]
		if !ok || r.targetLanguage != "" {
			continue
		}
		rt, ok := r.engine.(*nmt.Translator)
		if !ok {
			continue
		}
		if linked, err := t.WithReverse(rt); err == nil {
			m.engine = linked
			if m.info != nil {
				m.info.CanRerank = true
			}
		}
	}
}
