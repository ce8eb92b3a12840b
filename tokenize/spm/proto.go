package spm

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The .spm file is a serialized ModelProto (sentencepiece_model.proto,
// proto2). Only the fields the encoder and decoder need are read; every
// other field is skipped, as a protobuf parser skips unknown fields. The
// field numbers below are those of the public schema.

// pieceType is ModelProto.SentencePiece.Type.
type pieceType int32

const (
	typeNormal      pieceType = 1 // an ordinary piece, with a score
	typeUnknown     pieceType = 2 // <unk>; exactly one per model
	typeControl     pieceType = 3 // <s>, </s> and other invisible symbols
	typeUserDefined pieceType = 4 // always kept whole, never normalized
	typeUnused      pieceType = 5 // in the vocabulary but never produced
	typeByte        pieceType = 6 // <0xNN>, used by byte fallback
)

// Model types of TrainerSpec.model_type.
const (
	modelUnigram = 1
	modelBPE     = 2
	modelWord    = 3
	modelChar    = 4
)

// Field numbers.
const (
	fModelPieces       = 1 // repeated SentencePiece
	fModelTrainer      = 2 // TrainerSpec
	fModelNormalizer   = 3 // NormalizerSpec
	fModelDenormalizer = 5 // NormalizerSpec

	fPiecePiece = 1 // string
	fPieceScore = 2 // float
	fPieceType  = 3 // enum Type, default NORMAL

	fTrainerModelType    = 3  // enum, default UNIGRAM
	fTrainerWSAsSuffix   = 24 // bool treat_whitespace_as_suffix
	fTrainerByteFallback = 35 // bool
	fTrainerUnkID        = 40 // int32, default 0
	fTrainerBOSID        = 41 // int32, default 1
	fTrainerEOSID        = 42 // int32, default 2
	fTrainerPadID        = 43 // int32, default -1
	fTrainerUnkSurface   = 44 // string, default " \u2047 "

	fNormName          = 1 // string
	fNormCharsMap      = 2 // bytes precompiled_charsmap
	fNormDummyPrefix   = 3 // bool add_dummy_prefix, default true
	fNormRemoveExtraWS = 4 // bool remove_extra_whitespaces, default true
	fNormEscapeWS      = 5 // bool escape_whitespaces, default true
)

// defaultUnkSurface is what an <unk> piece decodes to unless the model says
// otherwise: U+2047 DOUBLE QUESTION MARK between two spaces.
const defaultUnkSurface = " \u2047 "

type protoPiece struct {
	piece string
	score float32
	typ   pieceType
}

type trainerSpec struct {
	modelType               int32
	byteFallback            bool
	treatWhitespaceAsSuffix bool
	unkID, bosID, eosID     int32
	padID                   int32
	unkSurface              string
}

type normalizerSpec struct {
	name                   string
	charsMap               []byte
	addDummyPrefix         bool
	removeExtraWhitespaces bool
	escapeWhitespaces      bool
}

type modelProto struct {
	pieces          []protoPiece
	trainer         trainerSpec
	normalizer      normalizerSpec
	denormalizer    normalizerSpec
	hasDenormalizer bool
}

func defaultNormalizerSpec() normalizerSpec {
	return normalizerSpec{addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true}
}

// parseModelProto decodes the fields of a ModelProto it knows. A message
// field that appears twice is merged, a scalar field takes its last value,
// and an enum value outside the schema leaves the field at its default, as
// proto2 parsers do.
func parseModelProto(b []byte) (*modelProto, error) {
	m := &modelProto{
		trainer: trainerSpec{
			modelType: modelUnigram, unkID: 0, bosID: 1, eosID: 2, padID: -1,
			unkSurface: defaultUnkSurface,
		},
		normalizer:   defaultNormalizerSpec(),
		denormalizer: defaultNormalizerSpec(),
	}
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fModelPieces && typ == protowire.BytesType:
			p, err := parsePiece(v)
			if err != nil {
				return fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			m.pieces = append(m.pieces, p)
		case num == fModelTrainer && typ == protowire.BytesType:
			if err := parseTrainer(v, &m.trainer); err != nil {
				return fmt.Errorf("trainer_spec: %w", err)
			}
		case num == fModelNormalizer && typ == protowire.BytesType:
			if err := parseNormalizer(v, &m.normalizer); err != nil {
				return fmt.Errorf("normalizer_spec: %w", err)
			}
		case num == fModelDenormalizer && typ == protowire.BytesType:
			if err := parseNormalizer(v, &m.denormalizer); err != nil {
				return fmt.Errorf("denormalizer_spec: %w", err)
			}
			m.hasDenormalizer = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func parsePiece(b []byte) (protoPiece, error) {
	p := protoPiece{typ: typeNormal}
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fPiecePiece && typ == protowire.BytesType:
			p.piece = string(v)
		case num == fPieceScore && typ == protowire.Fixed32Type:
			p.score = math.Float32frombits(uint32(x))
		case num == fPieceType && typ == protowire.VarintType:
			if t := pieceType(int32(x)); t >= typeNormal && t <= typeByte {
				p.typ = t
			}
		}
		return nil
	})
	return p, err
}

func parseTrainer(b []byte, t *trainerSpec) error {
	return eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		if typ == protowire.VarintType {
			switch num {
			case fTrainerModelType:
				if mt := int32(x); mt >= modelUnigram && mt <= modelChar {
					t.modelType = mt
				}
			case fTrainerWSAsSuffix:
				t.treatWhitespaceAsSuffix = x != 0
			case fTrainerByteFallback:
				t.byteFallback = x != 0
			case fTrainerUnkID:
				t.unkID = int32(x)
			case fTrainerBOSID:
				t.bosID = int32(x)
			case fTrainerEOSID:
				t.eosID = int32(x)
			case fTrainerPadID:
				t.padID = int32(x)
			}
		}
		if num == fTrainerUnkSurface && typ == protowire.BytesType {
			t.unkSurface = string(v)
		}
		return nil
	})
}

func parseNormalizer(b []byte, n *normalizerSpec) error {
	return eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fNormName && typ == protowire.BytesType:
			n.name = string(v)
		case num == fNormCharsMap && typ == protowire.BytesType:
			n.charsMap = append([]byte(nil), v...)
		case num == fNormDummyPrefix && typ == protowire.VarintType:
			n.addDummyPrefix = x != 0
		case num == fNormRemoveExtraWS && typ == protowire.VarintType:
			n.removeExtraWhitespaces = x != 0
		case num == fNormEscapeWS && typ == protowire.VarintType:
			n.escapeWhitespaces = x != 0
		}
		return nil
	})
}

// eachField walks the fields of one message. For a length-delimited field
// v holds its bytes; for a varint or fixed field x holds its value. Groups
// and unknown fields are skipped; a truncated or malformed field is an error.
func eachField(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad field tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var (
			v []byte
			x uint64
		)
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var u uint32
			u, n = protowire.ConsumeFixed32(b)
			x = uint64(u)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}
