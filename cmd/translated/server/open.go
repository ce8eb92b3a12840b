package main

import (
	"fmt"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// openModel loads one model directory with the real translator. The model
// is named after its languages ("en-es"), which come from the directory
// name; a directory whose name is no pair is refused, since requests could
// not reach it. heads must fit the model's layers and heads; unless forced,
// a model whose config.json names measured alignment_heads uses those.
func openModel(dir string, heads align.Selector, force bool) (*model, error) {
	t, err := nmt.Open(dir)
	if err != nil {
		return nil, err
	}
	in := t.Info()
	if in.Source == "" || in.Target == "" {
		return nil, fmt.Errorf("cannot tell its languages: name the directory <source>-<target>, such as en-es")
	}
	if !force && in.AlignmentHeads != "" {
		if sel, err := align.ParseSelector(in.AlignmentHeads); err == nil && sel.Validate(in.DecoderLayers, in.Heads) == nil {
			heads = sel
		}
	}
	if err := heads.Validate(in.DecoderLayers, in.Heads); err != nil {
		return nil, fmt.Errorf("-alignment-heads: %w", err)
	}
	// The source tokenizer counts request tokens before any decoding
	// starts, so that the token limit costs no worker time.
	return &model{
		name:         in.Source + "-" + in.Target,
		engine:       t,
		tokens:       t.SourceTokenizer(),
		maxPositions: in.MaxPositions,
		selector:     heads,
		languages:    in.TargetLanguages,
		info: &translatev1.Model{
			Name:                  in.Source + "-" + in.Target,
			SourceLanguage:        in.Source,
			TargetLanguage:        in.Target,
			DModel:                uint32(in.DModel),
			EncoderLayers:         uint32(in.EncoderLayers),
			DecoderLayers:         uint32(in.DecoderLayers),
			AttentionHeads:        uint32(in.Heads),
			VocabSize:             uint32(in.TargetVocab),
			Parameters:            uint64(in.Parameters),
			EnsembleMembers:       uint32(in.EnsembleMembers),
			EnsembleParameters:    uint64(in.EnsembleParameters),
			RightToLeftParameters: uint64(in.RightToLeftParameters),
		},
	}, nil
}
