package search

import (
	"fmt"
	"math"
)

// Defaults used when an Options field is left at zero.
const (
	DefaultBeamSize  = 4   // num_beams of the OPUS-MT generation configs
	DefaultMaxLength = 512 // max_length of the OPUS-MT configs (and their position table)
)

// Options control Decode (and, for the token ids and the length penalty,
// Force). The zero value of every numeric field selects its default; the
// token ids have no default and come from the model's config.json.
//
// Lengths count generated tokens, including the final EOS and excluding the
// decoder start token.
type Options struct {
	// BeamSize is the number of hypotheses kept per sentence at every step.
	// 1 is greedy decoding: the most likely token at every step, ending at the
	// first EOS (LengthPenalty and EarlyStop then have no effect on the
	// choice). Default (0): DefaultBeamSize.
	BeamSize int

	// NBest is the number of finished hypotheses returned per sentence, best
	// first; at most BeamSize. Default (0): 1.
	NBest int

	// LengthPenalty is the exponent α of the length normalization that ranks
	// finished hypotheses:
	//
	//	NormScore = Score / len(Tokens)^α,   Score = Σ log p(token)
	//
	// where len(Tokens) counts the EOS (the normalization of Hugging Face's
	// length_penalty and Marian's --normalize). 0 (the default, as in Marian)
	// ranks by the raw sum, which favours short outputs; 1 ranks by the mean
	// log-probability per token; negative values favour short outputs even
	// more. Live beams are always ranked by their raw sum.
	LengthPenalty float64

	// MaxLength is the absolute limit on the number of generated tokens,
	// counting the EOS. A hypothesis that reaches its limit is ended with EOS:
	// at its last position every token but EOS is masked, so every output
	// ends with EOS and carries the model's own log-probability for it.
	// A hypothesis of n tokens takes n decoder positions (start token
	// included), so keep it at most the model's max_position_embeddings.
	// Default (0): DefaultMaxLength.
	MaxLength int

	// MaxLengthRatio, when positive, also limits each sentence by its source
	// length (in tokens, counting the source EOS, as in Decode's srcLens):
	//
	//	limit = min(MaxLength, max(1, ⌊MaxLengthRatio × srcLen + MaxLengthOffset⌋))
	//
	// Default (0): no ratio limit, only MaxLength applies.
	MaxLengthRatio float64

	// MaxLengthOffset is added to MaxLengthRatio × srcLen (see above). It
	// needs a positive MaxLengthRatio. Default: 0.
	MaxLengthOffset int

	// MinLength is the least number of tokens before EOS: EOS is masked while
	// fewer than MinLength tokens have been generated. When a sentence's
	// length limit leaves no room for it, the limit wins (the minimum becomes
	// limit−1). Default: 0.
	MinLength int

	// EarlyStop chooses when beam search stops working on a sentence.
	// false (the default): when no live hypothesis can still beat the
	// NBest-th finished one, using the exact bound that future tokens only
	// lower the sum (log-probabilities are ≤ 0) and that the final length
	// lies between the next step and the sentence's limit. With α = 0 this
	// stops as soon as the finished hypotheses outscore every live beam; with
	// α > 0 it often runs to the length limit, so pair it with
	// MaxLengthRatio. true: as soon as NBest hypotheses have finished, which
	// is faster but may miss a longer, better-normalized hypothesis. Either
	// way a sentence stops when it has no live hypothesis left. Greedy
	// decoding ignores it.
	EarlyStop bool

	// LikelyStop, when EarlyStop is false, replaces the exact bound with a
	// cheaper estimate: a sentence stops once NBest hypotheses have finished
	// and no live hypothesis's current NormScore (its sum over its present
	// length) beats the NBest-th finished one — the rule of Hugging Face's
	// early_stopping=False. With α > 0 it stops long before the length limit,
	// at the risk of missing a hypothesis that grows into a better
	// normalized score. Streaming stays exact either way.
	LikelyStop bool

	// EOS is the end-of-sentence token id (config eos_token_id). It is never
	// banned.
	EOS int

	// Pad is the padding token id (config pad_token_id). It is never
	// generated: it is masked at every step, even when the model prefers it.
	Pad int

	// Start is the decoder start token id (config decoder_start_token_id,
	// which Marian models set to the pad id). Decode and Force feed it to
	// every row on the first call to Scorer.Next.
	Start int

	// Banned lists further token ids that are never generated (for example
	// unknown-word or language tags). It may not contain EOS. Default: none.
	Banned []int
}

// withDefaults returns o with its zero fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.BeamSize == 0 {
		o.BeamSize = DefaultBeamSize
	}
	if o.NBest == 0 {
		o.NBest = 1
	}
	if o.MaxLength == 0 {
		o.MaxLength = DefaultMaxLength
	}
	return o
}

// Validate reports the first setting that is out of range, in one sentence.
// Token ids are checked against the vocabulary by Decode and Force, which
// know the scorer's size.
func (o Options) Validate() error {
	if o.BeamSize < 0 {
		return fmt.Errorf("search: beam size %d is negative", o.BeamSize)
	}
	if o.NBest < 0 {
		return fmt.Errorf("search: nbest %d is negative", o.NBest)
	}
	if o.MaxLength < 0 {
		return fmt.Errorf("search: max length %d is negative", o.MaxLength)
	}
	if o.MinLength < 0 {
		return fmt.Errorf("search: min length %d is negative", o.MinLength)
	}
	r := o.withDefaults()
	if r.NBest > r.BeamSize {
		return fmt.Errorf("search: nbest %d exceeds beam size %d", r.NBest, r.BeamSize)
	}
	if math.IsNaN(o.LengthPenalty) || math.IsInf(o.LengthPenalty, 0) {
		return fmt.Errorf("search: length penalty %v is not a finite number", o.LengthPenalty)
	}
	if math.IsNaN(o.MaxLengthRatio) || math.IsInf(o.MaxLengthRatio, 0) || o.MaxLengthRatio < 0 {
		return fmt.Errorf("search: max length ratio %v is not a finite number ≥ 0", o.MaxLengthRatio)
	}
	if o.MaxLengthOffset < 0 {
		return fmt.Errorf("search: max length offset %d is negative", o.MaxLengthOffset)
	}
	if o.MaxLengthOffset != 0 && o.MaxLengthRatio == 0 {
		return fmt.Errorf("search: max length offset %d needs a positive max length ratio", o.MaxLengthOffset)
	}
	if o.MinLength >= r.MaxLength {
		return fmt.Errorf("search: min length %d leaves no room for eos within max length %d", o.MinLength, r.MaxLength)
	}
	ids := []struct {
		name string
		id   int
	}{{"eos", o.EOS}, {"pad", o.Pad}, {"start", o.Start}}
	for _, x := range ids {
		if x.id < 0 {
			return fmt.Errorf("search: %s id %d is negative", x.name, x.id)
		}
	}
	if o.Pad == o.EOS {
		return fmt.Errorf("search: pad id %d equals the eos id; pad is never generated, so no hypothesis could end", o.Pad)
	}
	for _, id := range o.Banned {
		if id < 0 {
			return fmt.Errorf("search: banned id %d is negative", id)
		}
		if id == o.EOS {
			return fmt.Errorf("search: banned id %d is the eos id; no hypothesis could end", id)
		}
	}
	return nil
}

// checkVocab reports the first token id of o outside a vocabulary of n.
func (o Options) checkVocab(n int) error {
	ids := []struct {
		name string
		id   int
	}{{"eos", o.EOS}, {"pad", o.Pad}, {"start", o.Start}}
	for _, x := range ids {
		if x.id >= n {
			return fmt.Errorf("search: %s id %d is outside the vocabulary of %d", x.name, x.id, n)
		}
	}
	for _, id := range o.Banned {
		if id >= n {
			return fmt.Errorf("search: banned id %d is outside the vocabulary of %d", id, n)
		}
	}
	return nil
}

// limits are the length bounds of one sentence.
type limits struct {
	maxLen int // most tokens, counting EOS; ≥ 1
	minLen int // fewest tokens before EOS; < maxLen
}

// limitsFor applies MaxLength, MaxLengthRatio/Offset and MinLength (o has
// its defaults set) to a source of srcLen tokens.
func (o Options) limitsFor(srcLen int) limits {
	l := limits{maxLen: o.MaxLength, minLen: o.MinLength}
	if o.MaxLengthRatio > 0 {
		x := math.Floor(o.MaxLengthRatio*float64(srcLen) + float64(o.MaxLengthOffset))
		if x < float64(l.maxLen) {
			l.maxLen = max(1, int(x))
		}
	}
	l.minLen = min(l.minLen, l.maxLen-1)
	return l
}

// lengthNorm returns pow with pow[L] = L^α for L in [0, maxLen], made
// monotone (non-decreasing for α ≥ 0, non-increasing for α < 0) so that the
// stopping bound in beam search is exact in floating point too.
func lengthNorm(alpha float64, maxLen int) []float64 {
	pow := make([]float64, maxLen+1)
	pow[0] = 1
	for l := 1; l <= maxLen; l++ {
		pow[l] = math.Pow(float64(l), alpha)
		if l > 1 && (alpha >= 0 && pow[l] < pow[l-1] || alpha < 0 && pow[l] > pow[l-1]) {
			pow[l] = pow[l-1]
		}
	}
	return pow
}
