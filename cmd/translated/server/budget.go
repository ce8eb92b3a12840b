package server

import (
	"slices"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// The memory a request needs is estimated before it gets a worker, from
// its plan (the sentences its texts split into and the search options) and
// the model's shape, so that the pool can keep the requests decoding
// within Options.MemoryBudget. The estimate follows what the decoder
// allocates, per sentence s of S input tokens and at most T target tokens
// (T = min(max_length, ⌊ratio × S⌋ + 10)), with a beam of B rows and
// n-best N, for a model of width D, L decoder layers, H heads and a
// target vocabulary of V:
//
//	decoding state of the batch of sentences decoded together (the
//	largest batch counts; batches run one after the other):
//	  Σ_s B·T·(8·L·D + 4·L·H·S)  self-attention keys and values, and the
//	                             cross-attention every step keeps
//	  Σ_s 12·B·V                 scores of a step
//	  Σ_s 4·S·D·(2·L + 4)        encoder output, its keys and values
//	times the models that decode together (ensemble) plus those that
//	rescore the beam (rerank, right_to_left);
//
//	kept until the reply is sent, for every sentence of the request:
//	  Σ_s N·T·(tokenBytes + 4·L·H·S + 8·S)   with alignment
//	  Σ_s N·T·tokenBytes                     without
//
// and the sum is multiplied by gcFactor, the ratio of the process's peak
// resident memory to the bytes the request keeps live (Go's collector
// lets the heap grow to about twice what is live before it runs). The
// constants were fitted to the peak resident memory of one request at a
// time on checkpoints/en-es: docs/operations.md#memory gives the
// measurements and the command that makes them.
const (
	// tokenBytes is one target token of a reply: its protobuf message,
	// text, piece and span.
	tokenBytes = 256
	// requestBytes is the fixed part: buffers of the call, the request.
	requestBytes = 64 << 10
	// gcFactor turns live bytes into resident bytes.
	gcFactor = 2
)

// modelShape is what the estimate needs of a model.
type modelShape struct {
	width, layers, heads, vocab int64
}

func shapeOf(m *model) modelShape {
	in := m.info
	if in == nil {
		return modelShape{}
	}
	return modelShape{width: int64(in.GetDModel()), layers: int64(in.GetDecoderLayers()),
		heads: int64(in.GetAttentionHeads()), vocab: int64(in.GetVocabSize())}
}

// estimateBytes returns the estimated peak memory of decoding plan with a
// model of shape sh and converting its result, alignment mode mode.
func estimateBytes(plan nmt.Plan, sh modelShape, mode translatev1.AlignmentMode) int64 {
	aligned := mode != translatev1.AlignmentMode_ALIGNMENT_MODE_NONE && mode != translatev1.AlignmentMode_ALIGNMENT_MODE_UNSPECIFIED
	B, N := int64(max(plan.BeamSize, 1)), int64(max(plan.NBest, 1))
	D, L, H, V := sh.width, sh.layers, sh.heads, sh.vocab
	var kept int64
	var lens []int
	for _, ss := range plan.Sentences {
		for _, s := range ss {
			lens = append(lens, s)
			S, T := int64(s), int64(plan.TargetLimit(s))
			if aligned {
				kept += N * T * (tokenBytes + 4*L*H*S + 8*S)
			} else {
				kept += N * T * tokenBytes
			}
		}
	}
	// Batches are cut from the sentences sorted by length, as the
	// translator cuts them.
	slices.Sort(lens)
	batch := int64(0)
	size := max(plan.BatchSize, 1)
	for lo := 0; lo < len(lens); lo += size {
		var b int64
		for _, s := range lens[lo:min(lo+size, len(lens))] {
			S, T := int64(s), int64(plan.TargetLimit(s))
			b += B*T*(8*L*D+4*L*H*S) + 12*B*V + 4*S*D*(2*L+4)
		}
		batch = max(batch, b)
	}
	models := int64(max(plan.Models, 1) + plan.Rescorers)
	return requestBytes + gcFactor*(batch*models+kept)
}
