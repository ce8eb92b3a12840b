package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
	nmtmodel "github.com/translated/translated/nmt/model"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// openModel loads one model directory with the real translator. The model
// is named after its directory, whose name tells its languages (see
// pairOf); a directory whose name is no pair is refused, since requests
// could not reach it. o.Heads, when not nil, must fit the model's layers
// and heads; when nil, a model whose config.json names measured
// alignment_heads uses those, any other the average of all heads. With
// o.Shortlists, the directory's shipped shortlist, if any, is read; with
// o.Int8, the weight matrices are quantized to int8 as they are read.
func openModel(dir string, o LoadOptions) (*model, error) {
	heads := o.Heads
	name := filepath.Base(filepath.Clean(dir))
	source, target, ok := pairOf(name)
	if !ok {
		return nil, fmt.Errorf("cannot tell its languages: name the directory <source>-<target>, such as en-es, or <source>-<target>-<variant>, such as en-es-bible")
	}
	t, err := nmt.OpenWith(dir, nmtmodel.LoadOptions{Int8: o.Int8})
	if err != nil {
		return nil, err
	}
	if path := filepath.Join(dir, nmt.ShortlistFile); o.Shortlists {
		if _, err := os.Stat(path); err == nil {
			if t, err = t.OpenShortlist(path); err != nil {
				return nil, fmt.Errorf("%w: %v", nmt.ErrBadModel, err)
			}
		}
	}
	in := t.Info()
	sel := align.AllHeads()
	if heads != nil {
		sel = *heads
	} else if in.AlignmentHeads != "" {
		if measured, err := align.ParseSelector(in.AlignmentHeads); err == nil && measured.Validate(in.DecoderLayers, in.Heads) == nil {
			sel = measured
		}
	}
	if err := sel.Validate(in.DecoderLayers, in.Heads); err != nil {
		return nil, headsError{err}
	}
	// The source tokenizer counts request tokens before any decoding
	// starts, so that the token limit costs no worker time.
	return &model{
		name:         name,
		source:       source,
		target:       target,
		engine:       t,
		tokens:       t.SourceTokenizer(),
		maxPositions: in.MaxPositions,
		selector:     sel,
		languages:    in.TargetLanguages,
		info: &translatev1.Model{
			DModel:                uint32(in.DModel),
			EncoderLayers:         uint32(in.EncoderLayers),
			DecoderLayers:         uint32(in.DecoderLayers),
			AttentionHeads:        uint32(in.Heads),
			VocabSize:             uint32(in.TargetVocab),
			Parameters:            uint64(in.Parameters),
			EnsembleMembers:       uint32(in.EnsembleMembers),
			EnsembleParameters:    uint64(in.EnsembleParameters),
			RightToLeftParameters: uint64(in.RightToLeftParameters),
			AlignmentHeads:        sel.String(),
		},
	}, nil
}

// ErrAlignmentHeads is wrapped by LoadModels' error when the heads it was
// given do not fit a model: a mistake in the flags rather than in the
// models.
var ErrAlignmentHeads = errors.New("alignment heads do not fit the model")

type headsError struct{ err error }

func (e headsError) Error() string   { return "-alignment-heads: " + e.err.Error() }
func (e headsError) Unwrap() []error { return []error{e.err, ErrAlignmentHeads} }

// pairOf reads the language pair from a model directory's name:
// "<source>-<target>", or "<source>-<target>-<variant>" for another model
// of the same pair ("en-es-bible" translates en into es).
func pairOf(name string) (source, target string, ok bool) {
	source, rest, ok := strings.Cut(name, "-")
	target, _, _ = strings.Cut(rest, "-")
	return source, target, ok && source != "" && target != ""
}

func cloneInfo(m *translatev1.Model) *translatev1.Model { return proto.Clone(m).(*translatev1.Model) }
