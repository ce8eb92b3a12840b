package nmt

// Options are the per-request decoding settings. The zero value means
// "the model's defaults": every zero field takes the model's own default
// (ModelInfo.Defaults, from its generation config) when it has one, else
// the default named on it.
type Options struct {
	BeamSize       int      // hypotheses kept per sentence; 1 is greedy; 0 → 4 (at least NBest)
	NBest          int      // hypotheses returned per sentence, ≤ BeamSize; 0 → 1
	LengthPenalty  *float64 // α in Score = Σ log p / length^α (length counts eos); nil → 1.0; 0 ranks by the plain sum
	MaxLength      int      // hard cap on target tokens (eos included); 0 → min(256, model positions)
	MaxLengthRatio float64  // per-sentence cap ⌊ratio × source tokens⌋ + 10; 0 → 3.0
	// Attention keeps every output token's cross-attention (all layers and
	// heads) in the result; alignments need it.
	Attention bool
	// TargetLanguage chooses the output language of a model that translates
	// into several (an OPUS-MT model such as en-ROMANCE, whose vocabulary
	// holds language tokens like ">>es<<"; ModelInfo.TargetLanguages lists
	// them): the code inside the token ("es") or the whole token. Its token
	// is put before the source tokens of every sentence, as the first
	// SourceToken (zero width, at the sentence start). Such a model needs
	// it; for any other model it must be "" or the model's own
	// ModelInfo.Target. Default: "".
	TargetLanguage string
	// Rerank weighs a second opinion on the beam's hypotheses: the reverse
	// model (target→source, see Translator.WithReverse) scores how well each
	// hypothesis explains the source (Hypothesis.ReverseScore), and every
	// hypothesis of the beam is ranked by Score + Rerank × ReverseScore
	// before the best NBest are kept. 0, the default, turns it off; at most
	// 10. With a weight, a sentence's tokens are streamed only once it has
	// been decoded and reranked, since until then its best hypothesis is not
	// known. Greedy decoding has nothing to rerank.
	Rerank float64
	// RightToLeft weighs a third opinion on the beam, with Rerank or alone:
	// the right-to-left model of the same direction (a directory's
	// right-to-left/ model, see Translator.WithRightToLeft), which reads
	// each hypothesis last token first, scores it
	// (Hypothesis.RightToLeftScore), and hypotheses are ranked by Score +
	// Rerank × ReverseScore + RightToLeft × RightToLeftScore. 0, the
	// default, turns it off; at most 10. Streaming waits for the sentence
	// as with Rerank.
	RightToLeft float64
	// MBR picks among the beam's hypotheses by minimum Bayes risk instead
	// of by score: the hypothesis chosen is the one that agrees best with
	// the others, its expected chrF2 against each of them (itself
	// included) weighted by how likely the model finds them
	// (Hypothesis.MBRScore). MBR is the sharpness of those weights: the
	// hypothesis j weighs exp(MBR × (key_j − key_best)), where key is the
	// ranking key above (Score, plus the reranking scores with Rerank or
	// RightToLeft), so a small value counts every hypothesis of the beam
	// alike and a large one trusts the best few. It suits a wide beam,
	// whose hypotheses give the consensus something to weigh. nil, the
	// default, turns it off; 0 weighs every hypothesis alike; at most 1000.
	// Streaming waits for the sentence as with Rerank; greedy decoding has
	// nothing to choose from.
	MBR *float64
	// WholeLines translates each line of a text as one unit: the text is
	// cut at line breaks only, not after full stops. It suits texts already
	// cut into the units a model learned from, where a sentence's
	// translation depends on its neighbours: the shipped models were trained
	// on whole Bible verses, a third of which hold several sentences.
	// A line longer than the model's positions is still cut into its
	// sentences. Default false: every sentence is translated on its own.
	WholeLines bool
	// Ensemble decodes with the model and its ensemble members together
	// (ModelInfo.EnsembleMembers; see Translator.WithEnsemble): each step
	// takes the mean of their log-probabilities. It costs one decoder pass
	// per model; what it gains depends on how differently the members were
	// trained (docs/quality.md#ensembles). The alignment (Attention) stays
	// the main model's. Default false; a model without members refuses it.
	Ensemble bool
}

// Request is a batch of texts for one model.
type Request struct {
	Texts   []string
	Options Options
}

// Token is one output subword.
type Token struct {
	ID      int     // target vocabulary id
	Piece   string  // vocabulary entry
	Text    string  // the text it adds to the translation (decoded piece)
	LogProb float32 // natural-log probability the model gave it
	// Attention is the cross-attention of this step, [layers][heads][S]
	// over the source tokens (S = source subwords + end-of-sentence); nil
	// unless Options.Attention.
	Attention [][][]float32
}

// SourceToken is one input subword with its span in the original text.
type SourceToken struct {
	ID    int
	Piece string
	Start int // byte offset in the request text
	End   int // byte offset (exclusive)
}

// Hypothesis is one translation of one text.
type Hypothesis struct {
	Text   string  // detokenized translation
	Tokens []Token // output subwords, end-of-sentence excluded
	// Score is the length-normalized log-probability used to rank
	// hypotheses; LogProb the plain sum over the tokens (eos included).
	Score   float64
	LogProb float64
	// ReverseScore is the reverse model's mean log-probability per token
	// (end-of-sentence included) of the source sentence given this
	// hypothesis; set only when Options.Rerank reranked it.
	ReverseScore float64
	// RightToLeftScore is the right-to-left model's mean log-probability
	// per token (end-of-sentence included) of this hypothesis read
	// backwards; set only when Options.RightToLeft reranked it.
	RightToLeftScore float64
	// MBRScore is this hypothesis's expected chrF2 (0–100) against the
	// beam's hypotheses, weighted as Options.MBR says; set only when
	// Options.MBR chose among them.
	MBRScore float64
	// EOSAttention is the cross-attention of the step that predicted the
	// end-of-sentence token, [layers][heads][S] like Token.Attention: a
	// shifted alignment selector reads it for the last token. Nil unless
	// Options.Attention, or when the hypothesis stopped at the length limit
	// without end-of-sentence.
	EOSAttention [][][]float32
}

// Translation is the result for one text of a request. A text of several
// sentences is split into sentences, which are translated as one batch and
// reported one by one; Text joins their best hypotheses with the text's own
// separators.
type Translation struct {
	Source    string     // the text as given
	Text      string     // the best translation of the whole text
	Sentences []Sentence // in source order; none for an empty text
}

// Sentence is one sentence of a text and its translations.
type Sentence struct {
	Start, End int           // byte span of the sentence in the request text
	Tokens     []SourceToken // source subwords (spans in the request text), eos excluded
	Hypotheses []Hypothesis  // best first; len ≤ Options.NBest
}

// Event is one streamed step: a target token of sentence Sentence of text
// Index that can no longer change in the best hypothesis, or, when Final is
// set, the whole result of that text (its last event).
type Event struct {
	Index    int          // which text of the request
	Sentence int          // which sentence of that text
	Pos      int          // position of Token in that sentence's output
	Token    *Token       // the new final token; nil on a text's last event
	Final    *Translation // set on a text's last event
	// Source is set on the first token of each sentence (Pos 0): the
	// sentence's span and source tokens, as in Final, without hypotheses,
	// so that a reader can place alignment rows before the text is done.
	Source *Sentence
}
