package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/tokenize"
)

// readCorpus reads the training pairs of Train and Extra and the dev
// pairs, leaving out the held-out books.
func (r *runner) readCorpus() error {
	heldOut := r.heldOut()
	var err error
	if r.trainEx, err = ReadTSV(r.Train, r.Columns, nil, heldOut); err != nil {
		return err
	}
	for _, path := range r.Extra {
		extra, err := ReadTSV(path, r.Columns, nil, heldOut)
		if err != nil {
			return err
		}
		r.trainEx = append(r.trainEx, extra...)
	}
	if r.TrimBibleExtras {
		n := TrimBibleExtras(r.trainEx)
		fmt.Fprintf(r.log, "--trim-bible-extras: %d of %d training pairs trimmed\n", n, len(r.trainEx))
	}
	devPath := r.Dev
	if devPath == "" {
		devPath = r.Train
	}
	if len(r.DevBooks) > 0 {
		if r.devEx, err = ReadTSV(devPath, r.Columns, r.DevBooks, r.TestBooks); err != nil {
			return err
		}
	}
	return nil
}

// readModel sets the vocabulary and the model configuration: the last
// checkpoint's on Resume, Init's (deepened as asked), Tokenizer's with
// the configured shape, or a vocabulary learned from the training pairs.
func (r *runner) readModel() error {
	last := filepath.Join(r.Run, "last")
	var err error
	switch {
	case r.Resume:
		dir := last
		if _, err := os.Stat(filepath.Join(dir, StateFile)); err != nil {
			dir = last + ".old"
		}
		if r.tokJSON, err = os.ReadFile(filepath.Join(dir, TokenizerFile)); err != nil {
			return fmt.Errorf("resuming: %w", err)
		}
		if r.model, err = model.ReadConfig(dir); err != nil {
			return fmt.Errorf("resuming: %w", err)
		}
	case fileExists(last):
		return fmt.Errorf("%s already holds a checkpoint: pass --resume to continue it, or choose another --run", r.Run)
	case r.Init != "":
		if r.tokJSON, err = os.ReadFile(filepath.Join(r.Init, TokenizerFile)); err != nil {
			return fmt.Errorf("--init: %w", err)
		}
		if r.model, err = model.ReadConfig(r.Init); err != nil {
			return fmt.Errorf("--init: %w", err)
		}
		// Deeper stacks grow from the checkpoint's (Trainer.InitFrom).
		if r.InitEncoderLayers != 0 {
			r.model.EncoderLayers = r.InitEncoderLayers
		}
		if r.InitDecoderLayers != 0 {
			r.model.DecoderLayers = r.InitDecoderLayers
		}
	case r.Tokenizer != "":
		if r.tokJSON, r.tok, err = readTokenizer(r.Tokenizer); err != nil {
			return fmt.Errorf("--tokenizer: %w", err)
		}
	default:
		fmt.Fprintf(r.out, "training a %d-piece BPE vocabulary on %d pairs...\n", r.Vocab, len(r.trainEx))
		if r.tokJSON, err = trainTokenizer(r.trainEx, r.Vocab); err != nil {
			return err
		}
	}
	if r.tok == nil {
		if r.tok, err = tokenize.Parse(r.tokJSON, "tokenizer.json"); err != nil {
			return err
		}
	}
	if r.model == nil {
		if r.model, err = r.freshModel(); err != nil {
			return err
		}
	}
	return r.direction()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// freshModel is the configuration of a fresh start on the vocabulary.
func (r *runner) freshModel() (*model.Config, error) {
	n := r.tok.VocabSize()
	c := &model.Config{ModelType: "marian", VocabSize: n, DecoderVocabSize: n,
		DModel: r.DModel, EncoderLayers: r.EncoderLayers, DecoderLayers: r.DecoderLayers,
		EncoderAttentionHeads: r.Heads, DecoderAttentionHeads: r.Heads,
		EncoderFFNDim: r.FFN, DecoderFFNDim: r.FFN, ActivationFunction: r.Activation,
		ScaleEmbedding: true, MaxPositionEmbeddings: r.MaxPositions,
		PadTokenID: tokenize.PadID, EOSTokenID: tokenize.EOSID, DecoderStartTokenID: tokenize.PadID}
	return c, c.Validate()
}

// direction sets a new run right-to-left when asked, and checks that a
// resumed one is asked nothing it cannot do.
func (r *runner) direction() error {
	switch {
	case !r.Resume:
		r.model.RightToLeft = r.RightToLeft
		if r.RightToLeft {
			// Heads measured on a left-to-right model say nothing of this one.
			delete(r.model.Extra, "alignment_heads")
		}
	case r.RightToLeft && !r.model.RightToLeft:
		return fmt.Errorf("--right-to-left: %s was not trained right-to-left", r.Run)
	case r.model.RightToLeft && r.GuidedWeight > 0:
		return errors.New("--guided-weight: this run is right-to-left, which does not take guided alignment")
	}
	return nil
}
