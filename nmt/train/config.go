package train

import (
	"errors"
	"fmt"
	"math"

	"github.com/translated/translated/nmt/align"
)

// Config is one training run as Run carries it out: the corpus and its
// split, the run directory, how the run starts (afresh, resumed, or from
// another checkpoint), the model shape of a fresh start, the
// hyper-parameters, BPE-dropout and guided alignment. DefaultConfig gives
// every default; Validate checks a Config before it runs.
//
// Each field names the translate-cli train flag that sets it; the messages
// of Validate and Run name the fields by those flags, which is how people
// meet them.
type Config struct {
	// Train is the training corpus TSV (--train; required).
	Train string
	// Extra are more TSV files with the same columns, read after Train
	// (--extra): other source text for the same targets, or translated
	// copies of the training pairs.
	Extra []string
	// Dev is the dev corpus TSV (--dev); "" reads the dev pairs from Train.
	// Only its DevBooks pairs are used.
	Dev string
	// Columns of the book, source and target (--book-col, --src-col,
	// --tgt-col); default 2, 3, 4 (Book 0: no book column, no split).
	Columns TSVColumns
	// TestBooks are never trained on (--test-books); default the test
	// books of the Bible corpus (align.HeldOutBooks).
	TestBooks []string
	// DevBooks are never trained on and are scored during training
	// (--dev-books); default the dev books of the Bible corpus; none: no
	// dev split.
	DevBooks []string
	// TrimBibleExtras cuts from the training pairs what one side of the
	// Bible corpus prints and the other lacks (TrimBibleExtras;
	// --trim-bible-extras). Dev pairs stay as printed.
	TrimBibleExtras bool

	// Run is the run directory: checkpoints, train.log and the
	// guided-alignment link cache (--run; required).
	Run string
	// Command is the command line, written into train.log's start line.
	Command string
	// Resume continues the run directory's last checkpoint (--resume).
	// The model shape, vocabulary and seed then come from the checkpoint.
	Resume bool
	// Init starts a new run from the weights, vocabulary and model shape
	// of this checkpoint directory, with a fresh optimizer and schedule
	// (--init; fine-tuning). Ignored with Resume.
	Init string
	// InitEncoderLayers and InitDecoderLayers, with Init, deepen the
	// checkpoint's stacks to this many layers, each trained layer repeated
	// in place (Trainer.InitFrom); 0 keeps the checkpoint's (--encoder-layers
	// and --decoder-layers given with --init).
	InitEncoderLayers, InitDecoderLayers int
	// Tokenizer, on a fresh start, is a tokenizer.json whose vocabulary the
	// run takes instead of learning one (--tokenizer); its <pad> and </s>
	// must be ids 0 and 2, as in the vocabularies the trainer learns.
	Tokenizer string
	// Vocab is the size of the joint BPE vocabulary learned from the
	// training pairs on a fresh start without Tokenizer (--vocab); default
	// 8000.
	Vocab int

	// The model shape of a fresh start (neither Resume nor Init): width
	// (--d-model, default 256), attention heads (--heads, 4), encoder and
	// decoder blocks (--encoder-layers, --decoder-layers, 3 and 3),
	// feed-forward inner width (--ffn, 1024), its activation (--activation,
	// "swish" or "relu") and the max_position_embeddings of the saved
	// config (--max-positions, 512).
	DModel, Heads, EncoderLayers, DecoderLayers, FFN int
	Activation                                       string
	MaxPositions                                     int
	// RightToLeft trains the decoder to write each target last token first
	// (--right-to-left); on Resume the checkpoint decides.
	RightToLeft bool

	// Options are the hyper-parameters (--max-tokens, --buckets, --lr, ...,
	// --freeze-embeddings); see Options for their defaults.
	Options Options
	// DevBLEU also translates the dev split greedily at every evaluation
	// and scores BLEU and chrF, which then pick the best checkpoint
	// (--dev-bleu); default true. Otherwise the dev loss picks it.
	DevBLEU bool

	// BPEDropout, in [0, 1), adds BPECopies copies of the training pairs
	// segmented with BPE-dropout at this rate (--bpe-dropout); 0 = off.
	BPEDropout float64
	// BPECopies is how many such copies (--bpe-copies); default 1.
	BPECopies int

	// GuidedWeight is the weight λ of the guided-alignment loss
	// (--guided-weight); 0 = off. It needs GuidedLinks or GuidedIBM1.
	GuidedWeight float64
	// GuidedLayer and GuidedHead are the supervised cross-attention head
	// (--guided-layer, default -2, negative counting from the end;
	// --guided-head, default 0).
	GuidedLayer, GuidedHead int
	// GuidedShift supervises each target token's row at the next step
	// (--guided-shift).
	GuidedShift bool
	// GuidedLinks are word-link files in the format of
	// links.kjv-es.jsonl.gz (--guided-links).
	GuidedLinks []string
	// GuidedIBM1 is the symmetrization of IBM Model 1 links trained on the
	// training pairs (--guided-ibm1); "" = none.
	GuidedIBM1 string
}

// DefaultConfig returns a Config holding every default, without the
// corpus and the run directory.
func DefaultConfig() Config {
	return Config{
		Columns:   TSVColumns{Book: 2, Source: 3, Target: 4},
		TestBooks: align.HeldOutBooks(align.SplitTest),
		DevBooks:  align.HeldOutBooks(align.SplitDev),
		Vocab:     8000,
		DModel:    256, Heads: 4, EncoderLayers: 3, DecoderLayers: 3, FFN: 1024,
		Activation: "swish", MaxPositions: 512,
		Options:     Options{}.Defaults(),
		DevBLEU:     true,
		BPECopies:   1,
		GuidedLayer: -2,
	}
}

// Validate reports the first setting Run cannot take, in one sentence.
func (c Config) Validate() error {
	if c.Train == "" || c.Run == "" {
		return errors.New("a training corpus (--train) and a run directory (--run) are required")
	}
	if err := c.Options.Defaults().Validate(); err != nil {
		return err
	}
	if err := c.validateGuided(); err != nil {
		return err
	}
	switch {
	case !c.Resume && (c.EncoderLayers < 1 || c.DecoderLayers < 1):
		return fmt.Errorf("--encoder-layers and --decoder-layers must be at least 1, got %d and %d", c.EncoderLayers, c.DecoderLayers)
	case c.InitEncoderLayers < 0 || c.InitDecoderLayers < 0:
		return fmt.Errorf("the layer counts of a model started from --init must not be negative, got %d and %d", c.InitEncoderLayers, c.InitDecoderLayers)
	case c.RightToLeft && c.GuidedWeight > 0:
		return errors.New("--right-to-left does not take guided alignment (--guided-weight)")
	case c.Options.FreezeEmbeddings && c.Init == "" && !c.Resume:
		return errors.New("--freeze-embeddings needs --init: embeddings trained from nothing cannot stay as initialized")
	case c.Tokenizer != "" && c.Init != "":
		return errors.New("--tokenizer and --init exclude each other: --init takes its checkpoint's tokenizer")
	case !(c.BPEDropout >= 0 && c.BPEDropout < 1) || c.BPECopies < 1:
		return fmt.Errorf("--bpe-dropout must be in [0, 1) and --bpe-copies at least 1, got %g and %d", c.BPEDropout, c.BPECopies)
	}
	return nil
}

// validateGuided checks the guided-alignment settings together.
func (c Config) validateGuided() error {
	hasSource := len(c.GuidedLinks) > 0 || c.GuidedIBM1 != ""
	switch {
	case math.IsNaN(c.GuidedWeight) || c.GuidedWeight < 0:
		return fmt.Errorf("--guided-weight must not be negative, got %g", c.GuidedWeight)
	case c.GuidedWeight > 0 && !hasSource:
		return errors.New("--guided-weight needs word links: --guided-links FILES and/or --guided-ibm1 SYMMETRIZATION")
	case c.GuidedWeight == 0 && hasSource:
		return errors.New("--guided-links and --guided-ibm1 need --guided-weight > 0")
	}
	if c.GuidedIBM1 != "" {
		if _, err := align.ParseSymmetrization(c.GuidedIBM1); err != nil {
			return fmt.Errorf("--guided-ibm1: %v", err)
		}
	}
	return nil
}

// heldOut are the books never trained on: the test books, then the dev
// books (in this order in the guided-link cache's recipe).
func (c Config) heldOut() []string {
	return append(append([]string(nil), c.TestBooks...), c.DevBooks...)
}
