package train

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/translated/translated/nmt/align"
	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/tokenize"
)

// LogFile is the run directory's log: the command line of every start,
// what the corpus preparation did, one line per LogEvery steps and per
// evaluation, and why each start stopped.
const LogFile = "train.log"

// logTime is the time stamp of train.log's start, pairs and stop lines.
const logTime = "2006-01-02T15:04:05"

// Run carries out one training run: it takes the run directory (one
// trainer per directory, see LockRun), reads and splits the corpus, learns
// or reads the vocabulary, builds or reads the model, turns guided
// alignment on, trains until the schedule, the step limit or ctx ends it,
// and checkpoints on the way out. Notes and the progress display go to
// out; train.log in the run directory keeps the record.
//
// Stopped by ctx, a run checkpoints and returns ctx's error; starting the
// same Config again with Resume continues exactly where it stopped.
func Run(ctx context.Context, c Config, out io.Writer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.Run, 0o755); err != nil {
		return err
	}
	release, err := LockRun(c.Run)
	if err != nil {
		return err
	}
	defer release()
	logFile, err := os.OpenFile(filepath.Join(c.Run, LogFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "%s start: %s\n", time.Now().Format(logTime), c.Command)

	r := &runner{Config: c, out: out, log: logFile, both: io.MultiWriter(out, logFile)}
	tr, err := r.prepare()
	if err != nil {
		return err
	}
	fmt.Fprintf(logFile, "%s pairs: %d train (%d longer than the last bucket, skipped), %d dev; %d parameters; step %d epoch %d\n",
		time.Now().Format(logTime), len(r.trainPairs), tr.Skipped(), len(r.devPairs), tr.Params.Count(), tr.State.Step, tr.State.Epoch)
	fmt.Fprintf(out, "%d parameters, %d training pairs (%d skipped as too long), from step %d; log in %s\n",
		tr.Params.Count(), len(r.trainPairs), tr.Skipped(), tr.State.Step, filepath.Join(c.Run, LogFile))
	if core := BLASCore(); core != "" {
		fmt.Fprintf(logFile, "matrix products on %s (%s kernels)\n", BLAS(), core)
	} else {
		fmt.Fprintf(logFile, "matrix products on %s\n", BLAS())
	}
	if BLAS() == "gonum" {
		fmt.Fprintln(out, "note: built without cgo, so the matrix products run on gonum's pure-Go BLAS, several times slower than OpenBLAS (docs/architecture.md)")
	}
	if better := BetterBLASCore(); better != "" {
		fmt.Fprintf(out, "note: OpenBLAS runs its %s kernels on a CPU that has faster ones: OPENBLAS_CORETYPE=%s would make training several times faster (docs/training.md)\n", BLASCore(), better)
	}
	err = tr.Run(ctx)
	fmt.Fprintf(logFile, "%s stop at step %d epoch %d: %v\n", time.Now().Format(logTime), tr.State.Step, tr.State.Epoch, err)
	return err
}

// runner holds what Run prepares, step by step.
type runner struct {
	Config
	out, log, both io.Writer // both: out and log

	trainEx, devEx       []Example
	tokJSON              []byte
	tok                  *tokenize.HF
	model                *model.Config
	trainPairs, devPairs []Pair
	nOrig                int // training pairs before the BPE-dropout copies
}

// prepare makes the trainer of the run, initialized, resumed or started
// from Init.
func (r *runner) prepare() (*Trainer, error) {
	if err := r.readCorpus(); err != nil {
		return nil, err
	}
	if err := r.readModel(); err != nil {
		return nil, err
	}
	if err := r.encode(); err != nil {
		return nil, err
	}
	tr, err := New(r.model, r.Options, r.trainPairs, r.devPairs, r.tokJSON, r.Run)
	if err != nil {
		return nil, err
	}
	tr.Progress, tr.Log = r.out, r.log
	if r.GuidedWeight > 0 {
		if err := r.setGuide(tr); err != nil {
			return nil, err
		}
	}
	if r.DevBLEU && len(r.devPairs) > 0 {
		srcs := make([][]int32, len(r.devPairs))
		refs := make([]string, len(r.devEx))
		for i := range r.devPairs {
			srcs[i], refs[i] = r.devPairs[i].Src, r.devEx[i].Target
		}
		tr.Evaluate = GreedyEvaluator(srcs, refs, r.tok.Decode)
	}
	return tr, r.start(tr)
}

// encode turns the examples into token ids, adds the BPE-dropout copies
// and turns the targets around for a right-to-left model.
func (r *runner) encode() error {
	encode := func(s string) ([]int, error) { return tokenIDs(r.tok.Encode(s)) }
	fmt.Fprintf(r.out, "encoding %d training and %d dev pairs...\n", len(r.trainEx), len(r.devEx))
	var err error
	if r.trainPairs, err = Encode(r.trainEx, encode, r.model.EOSTokenID); err != nil {
		return err
	}
	if r.devPairs, err = Encode(r.devEx, encode, r.model.EOSTokenID); err != nil {
		return err
	}
	r.nOrig = len(r.trainPairs)
	if r.BPEDropout > 0 {
		extra, err := dropoutPairs(r.trainEx, r.tok, r.BPEDropout, r.BPECopies, r.Options.Seed, r.model.EOSTokenID)
		if err != nil {
			return err
		}
		r.trainPairs = append(r.trainPairs, extra...)
		fmt.Fprintf(r.out, "BPE-dropout %g: %d segmented copies of the %d training pairs added\n", r.BPEDropout, r.BPECopies, r.nOrig)
	}
	if r.model.RightToLeft {
		ReverseTargets(r.trainPairs)
		ReverseTargets(r.devPairs)
		fmt.Fprintln(r.both, "right-to-left: the targets are learned last token first")
	}
	return nil
}

// setGuide computes (or reads back from the run directory) the token links
// of the training pairs and turns guided alignment on. The BPE-dropout
// copies past the original pairs are not supervised.
func (r *runner) setGuide(tr *Trainer) error {
	opts := GuideLinkOptions{Gold: r.GuidedLinks, HeldOutBooks: r.heldOut(), IBM1: r.GuidedIBM1}
	links, _, err := LoadGuideLinks(r.Run, opts, r.trainEx, r.trainPairs[:r.nOrig], r.tok.Encode, r.both)
	if err != nil {
		return err
	}
	links = append(links, make([][]align.Link, len(r.trainPairs)-len(links))...)
	if err := tr.SetGuide(Guide{Weight: r.GuidedWeight, Layer: r.GuidedLayer, Head: r.GuidedHead, Shift: r.GuidedShift, Links: links}); err != nil {
		return err
	}
	g := tr.Guided()
	late := ""
	if g.Shift {
		late = " read one step late"
	}
	fmt.Fprintf(r.both, "guided alignment: decoder layer %d head %d%s (align --heads %s), λ %g\n", g.Layer, g.Head, late, g.Selector(), g.Weight)
	return nil
}

// start resumes the run, starts it from Init, or initializes it afresh.
func (r *runner) start(tr *Trainer) error {
	switch {
	case r.Resume:
		if err := tr.Resume(); err != nil {
			return err
		}
		if g := tr.State.Guided; g != nil && tr.Guided() == nil {
			fmt.Fprintf(r.both, "note: this run was trained with guided alignment (%s, λ %g); it continues without (no --guided-weight)\n", g.Selector(), g.Weight)
		}
	case r.Init != "":
		if err := tr.InitFrom(r.Init); err != nil {
			return err
		}
		fmt.Fprintf(r.both, "initialized from %s (fresh optimizer and schedule)\n", r.Init)
	default:
		tr.Init()
	}
	return nil
}
