package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/translated/translated/nmt/train"
)

func init() {
	register("train", "train a MarianMT model from a TSV parallel corpus (gorgonia)", runTrain)
}

// trainFlags are the train command's flags: the Config most of them set
// directly, and those that need parsing into it.
type trainFlags struct {
	cfg                                                   train.Config
	extra, testBooks, devBooks, buckets, guidedLinks, cpu string
}

func trainFlagSet(f *trainFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: translate-cli train --train corpus.tsv --run runs/NAME [flags]

Trains a MarianMT encoder-decoder with gorgonia on a tab-separated parallel
corpus. Pairs whose book is a test or dev book are never trained on; the
dev books of --dev are scored at every checkpoint. A joint byte-level BPE
vocabulary is learned from the training pairs on a fresh start (or taken
from --tokenizer).

The run directory holds train.log, last/ (the latest checkpoint: config.json,
model.safetensors, tokenizer.json — the engine's format — plus trainer.json
and optimizer.safetensors) and best/ (the checkpoint with the best dev
score). Interrupt with Ctrl-C or SIGTERM to checkpoint and stop; restart the
same command with --resume to continue exactly where it stopped. On resume
the model shape, vocabulary and seed come from the checkpoint; every other
flag applies as given, so pass the same ones to continue the same schedule.

--init DIR starts a new run from the weights of a checkpoint (its vocabulary
and model shape too) with a fresh optimizer and schedule: fine-tuning. With
--encoder-layers or --decoder-layers above the checkpoint's, the new model
is deeper, each trained layer repeated in place.
--guided-weight with --guided-links and/or --guided-ibm1 trains one
cross-attention head to follow word links (guided alignment); the links are
computed once and cached in the run directory. --cooldown N decays the
learning rate to zero over N steps and ends the run: cool a copy of the run
directory (a branch) to ship from. See docs/training.md.

flags:
`)
		fs.PrintDefaults()
	}
	c, o := &f.cfg, &f.cfg.Options
	*c = train.DefaultConfig()
	fs.StringVar(&c.Train, "train", "", "training corpus `TSV` (required)")
	fs.StringVar(&f.extra, "extra", "", "optional comma-separated `TSV` files with the same columns: more pairs, such as other source text for the same targets (bible.kjv-es.tsv) or translated copies of the training pairs (scripts/translated-copies.sh)")
	fs.StringVar(&c.Dev, "dev", "", "dev corpus `TSV` (default: the --train file); only its --dev-books pairs are used")
	fs.BoolVar(&c.TrimBibleExtras, "trim-bible-extras", false, "cut from the training pairs what one side of the Bible corpus prints and the other lacks: Psalm superscriptions and epistle subscriptions (dev pairs stay as printed)")
	fs.IntVar(&c.Columns.Book, "book-col", c.Columns.Book, "column of the book id (1-based; 0 = no book column, no split)")
	fs.IntVar(&c.Columns.Source, "src-col", c.Columns.Source, "column of the source text (1-based)")
	fs.IntVar(&c.Columns.Target, "tgt-col", c.Columns.Target, "column of the target text (1-based; swap with --src-col for the reverse direction)")
	fs.StringVar(&f.testBooks, "test-books", strings.Join(c.TestBooks, ","), "comma-separated test books, never trained on")
	fs.StringVar(&f.devBooks, "dev-books", strings.Join(c.DevBooks, ","), "comma-separated dev books, never trained on, scored during training")
	fs.StringVar(&c.Run, "run", "", "run `directory` for checkpoints and train.log (required)")
	fs.BoolVar(&c.Resume, "resume", false, "continue from the run directory's last checkpoint (weights, Adam moments, step, data position)")
	fs.IntVar(&c.Vocab, "vocab", c.Vocab, "joint BPE vocabulary size (fresh start only)")
	fs.StringVar(&c.Tokenizer, "tokenizer", "", "fresh start only: take the vocabulary from this tokenizer.json (e.g. checkpoints/en-es/tokenizer.json) instead of learning one, so that the new model can be an ensemble member of a model trained on it; --vocab is then ignored")
	fs.IntVar(&c.DModel, "d-model", c.DModel, "model width")
	fs.IntVar(&c.Heads, "heads", c.Heads, "attention heads (encoder and decoder)")
	fs.IntVar(&c.EncoderLayers, "encoder-layers", c.EncoderLayers, "encoder blocks")
	fs.IntVar(&c.DecoderLayers, "decoder-layers", c.DecoderLayers, "decoder blocks")
	fs.IntVar(&c.FFN, "ffn", c.FFN, "feed-forward inner width")
	fs.StringVar(&c.Activation, "activation", c.Activation, "feed-forward activation: swish or relu")
	fs.IntVar(&c.MaxPositions, "max-positions", c.MaxPositions, "max_position_embeddings of the saved config")
	fs.IntVar(&o.MaxTokens, "max-tokens", o.MaxTokens, "padded tokens per batch (pairs × bucket length)")
	fs.StringVar(&f.buckets, "buckets", joinInts(o.Buckets), "ascending bucket lengths in tokens; longer pairs are skipped")
	fs.Float64Var(&o.PeakLR, "lr", o.PeakLR, "peak learning rate, reached at the end of warm-up")
	fs.IntVar(&o.Warmup, "warmup", o.Warmup, "warm-up steps; afterwards the rate decays as 1/sqrt(step)")
	fs.Float64Var(&o.Beta1, "beta1", o.Beta1, "Adam β1")
	fs.Float64Var(&o.Beta2, "beta2", o.Beta2, "Adam β2")
	fs.Float64Var(&o.AdamEps, "adam-eps", o.AdamEps, "Adam ε")
	fs.Float64Var(&o.Clip, "clip", o.Clip, "clip the global gradient norm to this (0 = off)")
	fs.Float64Var(&o.Dropout, "dropout", o.Dropout, "dropout after embeddings and every sub-layer (-1 = off)")
	fs.Float64Var(&o.LabelSmoothing, "label-smoothing", o.LabelSmoothing, "label smoothing ε (-1 = off)")
	fs.IntVar(&o.Epochs, "epochs", o.Epochs, "stop after this many epochs")
	fs.IntVar(&o.MaxSteps, "max-steps", o.MaxSteps, "stop after this many updates (0 = no limit)")
	fs.IntVar(&o.Cooldown, "cooldown", o.Cooldown, "decay the learning rate linearly to 0 over this many updates from the step the run starts or resumes at, then stop (0 = off; a run already cooling down continues its own)")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "seed of initialization, data order and dropout (fresh start only)")
	fs.DurationVar(&o.CheckpointEvery, "checkpoint-every", o.CheckpointEvery, "wall time between checkpoints")
	fs.IntVar(&o.CheckpointSteps, "checkpoint-steps", o.CheckpointSteps, "also checkpoint every this many steps (0 = off)")
	fs.IntVar(&o.Keep, "keep", o.Keep, "also keep the weights of the last N checkpoints in RUN/steps/STEP/ for translate-cli average (0 = off)")
	fs.IntVar(&o.LogEvery, "log-every", o.LogEvery, "steps between train.log lines")
	fs.IntVar(&o.DevEvery, "dev-every", o.DevEvery, "steps between dev evaluations besides those at checkpoints (0 = none)")
	fs.BoolVar(&c.DevBLEU, "dev-bleu", c.DevBLEU, "at each evaluation also translate the dev split greedily with the engine and score BLEU and chrF (the best checkpoint is then chosen by BLEU, otherwise by dev loss)")
	fs.StringVar(&c.Init, "init", "", "fine-tune: start a new run from the weights, vocabulary and model shape of this checkpoint `directory` (e.g. runs/en-es/best), with fresh Adam moments and learning-rate schedule; --vocab and the model-shape flags are then ignored, except --encoder-layers and --decoder-layers, which may deepen it (each layer is repeated in place), and --init itself is ignored with --resume")
	fs.Float64Var(&c.BPEDropout, "bpe-dropout", c.BPEDropout, "add --bpe-copies copies of the training pairs segmented with BPE-dropout at this rate `P` (each merge skipped with probability P, both sides; 0 = off, 0.1 is usual): finer, varied segmentations of the same text, a regulariser for a small corpus; guided alignment supervises the original pairs only")
	fs.IntVar(&c.BPECopies, "bpe-copies", c.BPECopies, "with --bpe-dropout: how many segmented copies of the training pairs to add (fixed by --seed, so a resumed run sees the same ones)")
	fs.Float64Var(&c.GuidedWeight, "guided-weight", c.GuidedWeight, "guided alignment: weight λ of the loss that trains one cross-attention head to follow word links (0 = off; 0.5 is a good start)")
	fs.IntVar(&c.GuidedLayer, "guided-layer", c.GuidedLayer, "guided alignment: decoder layer of the supervised head, from 0 (negative counts from the end: -2 = penultimate)")
	fs.IntVar(&c.GuidedHead, "guided-head", c.GuidedHead, "guided alignment: head of that layer, from 0")
	fs.BoolVar(&c.GuidedShift, "guided-shift", false, "guided alignment: supervise each target token's row at the next step, whose decoder input is that token (what a shifted selector, layer=L,head=H,shift, reads)")
	fs.StringVar(&f.guidedLinks, "guided-links", "", "guided alignment: comma-separated word-link `files` in the format of links.kjv-es.jsonl.gz (gzip or plain); a training pair whose two texts equal a verse's takes its links; test and dev books are never read")
	fs.StringVar(&c.GuidedIBM1, "guided-ibm1", "", "guided alignment: also link the training pairs with IBM Model 1 trained on them, combined by this `symmetrization` (intersection, grow-diag, grow-diag-final-and, ...); a target word with --guided-links links keeps those")
	fs.BoolVar(&c.RightToLeft, "right-to-left", false, "train a right-to-left model: the decoder writes each target last token first (config.json right_to_left), a second opinion that reranks the beam of the usual model (translate --r2l); with --init a usual model turns around; not with guided alignment; on --resume the checkpoint decides")
	fs.BoolVar(&o.FreezeEmbeddings, "freeze-embeddings", false, "with --init: keep the shared embedding matrix as the checkpoint has it; a right-to-left model trained so ships without it (translate-cli convert --no-embeddings) and reads the matrix of the model beside it; pass it again on --resume")
	fs.StringVar(&f.cpu, "cpuprofile", "", "write a CPU profile (pprof) to this `file`")
	return fs
}

func runTrain(ctx context.Context, args []string, e *env) int {
	var f trainFlags
	fs := trainFlagSet(&f, e.stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	c := &f.cfg
	if c.Train == "" || c.Run == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "translate-cli train: --train and --run are required and no arguments are taken (see -h)")
		return exitUsage
	}
	c.Options.Buckets = nil
	for _, b := range splitList(f.buckets) {
		n, err := strconv.Atoi(b)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli train: bad bucket length %q\n", b)
			return exitUsage
		}
		c.Options.Buckets = append(c.Options.Buckets, n)
	}
	c.Extra, c.GuidedLinks = splitList(f.extra), splitList(f.guidedLinks)
	c.TestBooks, c.DevBooks = splitList(f.testBooks), splitList(f.devBooks)
	if c.Init != "" && flagSet(fs, "encoder-layers") {
		c.InitEncoderLayers = c.EncoderLayers
	}
	if c.Init != "" && flagSet(fs, "decoder-layers") {
		c.InitDecoderLayers = c.DecoderLayers
	}
	c.Command = "translate-cli train " + strings.Join(args, " ")
	if err := c.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli train: %v\n", err)
		return exitUsage
	}
	if f.cpu != "" {
		stop, err := startCPUProfile(f.cpu)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli train: %v\n", err)
			return exitFailure
		}
		defer stop()
	}
	if err := train.Run(ctx, *c, e.stderr); err != nil {
		fmt.Fprintf(e.stderr, "\ntranslate-cli train: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// startCPUProfile writes a CPU profile to path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	pf, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(pf); err != nil {
		pf.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		pf.Close()
	}, nil
}

// splitList splits a comma-separated list, leaving out blank items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// joinInts writes ns comma-separated.
func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
