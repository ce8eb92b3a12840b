package spm

import (
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// testPiece is one piece of a hand-made model.
type testPiece struct {
	piece string
	score float32
	typ   pieceType
}

// testSpec holds the settings of a hand-made model that differ from the
// protobuf defaults.
type testSpec struct {
	modelType      int32 // 0: leave unset (unigram)
	byteFallback   bool
	noDummyPrefix  bool
	keepWhitespace bool // remove_extra_whitespaces = false
	noEscape       bool
	wsAsSuffix     bool
	charsMap       []byte
}

// encodeModel serializes a ModelProto with the given pieces and settings.
func encodeModel(pieces []testPiece, spec testSpec) []byte {
	var b []byte
	for _, p := range pieces {
		var pb []byte
		pb = protowire.AppendTag(pb, fPiecePiece, protowire.BytesType)
		pb = protowire.AppendString(pb, p.piece)
		pb = protowire.AppendTag(pb, fPieceScore, protowire.Fixed32Type)
		pb = protowire.AppendFixed32(pb, math.Float32bits(p.score))
		pb = protowire.AppendTag(pb, fPieceType, protowire.VarintType)
		pb = protowire.AppendVarint(pb, uint64(p.typ))
		b = protowire.AppendTag(b, fModelPieces, protowire.BytesType)
		b = protowire.AppendBytes(b, pb)
	}
	var tb []byte
	if spec.modelType != 0 {
		tb = appendVarintField(tb, fTrainerModelType, uint64(spec.modelType))
	}
	tb = appendBoolField(tb, fTrainerByteFallback, spec.byteFallback)
	tb = appendBoolField(tb, fTrainerWSAsSuffix, spec.wsAsSuffix)
	b = protowire.AppendTag(b, fModelTrainer, protowire.BytesType)
	b = protowire.AppendBytes(b, tb)

	var nb []byte
	nb = appendBoolField(nb, fNormDummyPrefix, !spec.noDummyPrefix)
	nb = appendBoolField(nb, fNormRemoveExtraWS, !spec.keepWhitespace)
	nb = appendBoolField(nb, fNormEscapeWS, !spec.noEscape)
	if spec.charsMap != nil {
		nb = protowire.AppendTag(nb, fNormCharsMap, protowire.BytesType)
		nb = protowire.AppendBytes(nb, spec.charsMap)
	}
	b = protowire.AppendTag(b, fModelNormalizer, protowire.BytesType)
	return protowire.AppendBytes(b, nb)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendBoolField(b []byte, num protowire.Number, v bool) []byte {
	return appendVarintField(b, num, protowire.EncodeBool(v))
}

// basicPieces is a small vocabulary over "a", "b", "c" and "▁".
func basicPieces() []testPiece {
	return []testPiece{
		{"<unk>", 0, typeUnknown},
		{"<s>", 0, typeControl},
		{"</s>", 0, typeControl},
		{"▁", -2, typeNormal},
		{"a", -3, typeNormal},
		{"b", -3, typeNormal},
		{"c", -3, typeNormal},
		{"▁a", -2.5, typeNormal},
		{"ab", -2, typeNormal},
		{"abc", -2.5, typeNormal},
	}
}

// byteTestPieces is basicPieces plus the 256 byte pieces.
func byteTestPieces() []testPiece {
	p := basicPieces()
	for v := 0; v < 256; v++ {
		p = append(p, testPiece{bytePiece(byte(v)), 0, typeByte})
	}
	return p
}

func mustParse(t testing.TB, b []byte) *Model {
	t.Helper()
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
