package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/translated/translated/nmt/align"
	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/train"
	"github.com/translated/translated/tokenize"
)

func init() {
	register("train", "train a MarianMT model from a TSV parallel corpus (gorgonia)", runTrain)
}

// The Bible corpus split (see docs/training.md): never train on these.
var (
	defaultTestBooks = strings.Join(align.HeldOutBooks(align.SplitTest), ",")
	defaultDevBooks  = strings.Join(align.HeldOutBooks(align.SplitDev), ",")
)

type trainFlags struct {
	trainTSV, extraTSV, devTSV     string
	bookCol, srcCol, tgtCol        int
	testBooks, devBooks            string
	run                            string
	resume, trimExtras             bool
	vocab                          int
	dModel, heads, encL, decL, ffn int
	activation                     string
	maxPos                         int
	buckets                        string
	cpuProfile                     string
	devBLEU                        bool
	opts                           train.Options

	initDir string // fine-tune from this checkpoint
	tokPath string // fresh start with this tokenizer.json instead of learning one
	// setEncL, setDecL: --encoder-layers / --decoder-layers were given,
	// which with --init deepens the checkpoint's stacks.
	setEncL, setDecL        bool
	guidedWeight            float64
	guidedLayer, guidedHead int
	guidedShift             bool
	guidedLinks, guidedIBM1 string
	bpeDropout              float64 // BPE-dropout of the extra copies of the training pairs
	bpeCopies               int
	rightToLeft             bool // the decoder learns to write targets last token first
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
	o := &f.opts
	fs.StringVar(&f.trainTSV, "train", "", "training corpus `TSV` (required)")
	fs.StringVar(&f.extraTSV, "extra", "", "optional comma-separated `TSV` files with the same columns: more pairs, such as other source text for the same targets (bible.kjv-es.tsv) or translated copies of the training pairs (scripts/translated-copies.sh)")
	fs.StringVar(&f.devTSV, "dev", "", "dev corpus `TSV` (default: the --train file); only its --dev-books pairs are used")
	fs.BoolVar(&f.trimExtras, "trim-bible-extras", false, "cut from the training pairs what one side of the Bible corpus prints and the other lacks: Psalm superscriptions and epistle subscriptions (dev pairs stay as printed)")
	fs.IntVar(&f.bookCol, "book-col", 2, "column of the book id (1-based; 0 = no book column, no split)")
	fs.IntVar(&f.srcCol, "src-col", 3, "column of the source text (1-based)")
	fs.IntVar(&f.tgtCol, "tgt-col", 4, "column of the target text (1-based; swap with --src-col for the reverse direction)")
	fs.StringVar(&f.testBooks, "test-books", defaultTestBooks, "comma-separated test books, never trained on")
	fs.StringVar(&f.devBooks, "dev-books", defaultDevBooks, "comma-separated dev books, never trained on, scored during training")
	fs.StringVar(&f.run, "run", "", "run `directory` for checkpoints and train.log (required)")
	fs.BoolVar(&f.resume, "resume", false, "continue from the run directory's last checkpoint (weights, Adam moments, step, data position)")
	fs.IntVar(&f.vocab, "vocab", 8000, "joint BPE vocabulary size (fresh start only)")
	fs.StringVar(&f.tokPath, "tokenizer", "", "fresh start only: take the vocabulary from this tokenizer.json (e.g. checkpoints/en-es/tokenizer.json) instead of learning one, so that the new model can be an ensemble member of a model trained on it; --vocab is then ignored")
	fs.IntVar(&f.dModel, "d-model", 256, "model width")
	fs.IntVar(&f.heads, "heads", 4, "attention heads (encoder and decoder)")
	fs.IntVar(&f.encL, "encoder-layers", 3, "encoder blocks")
	fs.IntVar(&f.decL, "decoder-layers", 3, "decoder blocks")
	fs.IntVar(&f.ffn, "ffn", 1024, "feed-forward inner width")
	fs.StringVar(&f.activation, "activation", "swish", "feed-forward activation: swish or relu")
	fs.IntVar(&f.maxPos, "max-positions", 512, "max_position_embeddings of the saved config")
	fs.IntVar(&o.MaxTokens, "max-tokens", 3072, "padded tokens per batch (pairs × bucket length)")
	fs.StringVar(&f.buckets, "buckets", "16,24,32,40,48,64,80,96,128", "ascending bucket lengths in tokens; longer pairs are skipped")
	fs.Float64Var(&o.PeakLR, "lr", 7e-4, "peak learning rate, reached at the end of warm-up")
	fs.IntVar(&o.Warmup, "warmup", 1000, "warm-up steps; afterwards the rate decays as 1/sqrt(step)")
	fs.Float64Var(&o.Beta1, "beta1", 0.9, "Adam β1")
	fs.Float64Var(&o.Beta2, "beta2", 0.98, "Adam β2")
	fs.Float64Var(&o.AdamEps, "adam-eps", 1e-9, "Adam ε")
	fs.Float64Var(&o.Clip, "clip", 1, "clip the global gradient norm to this (0 = off)")
	fs.Float64Var(&o.Dropout, "dropout", 0.1, "dropout after embeddings and every sub-layer (-1 = off)")
	fs.Float64Var(&o.LabelSmoothing, "label-smoothing", 0.1, "label smoothing ε (-1 = off)")
	fs.IntVar(&o.Epochs, "epochs", 30, "stop after this many epochs")
	fs.IntVar(&o.MaxSteps, "max-steps", 0, "stop after this many updates (0 = no limit)")
	fs.IntVar(&o.Cooldown, "cooldown", 0, "decay the learning rate linearly to 0 over this many updates from the step the run starts or resumes at, then stop (0 = off; a run already cooling down continues its own)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of initialization, data order and dropout (fresh start only)")
	fs.DurationVar(&o.CheckpointEvery, "checkpoint-every", 5*time.Minute, "wall time between checkpoints")
	fs.IntVar(&o.CheckpointSteps, "checkpoint-steps", 0, "also checkpoint every this many steps (0 = off)")
	fs.IntVar(&o.Keep, "keep", 0, "also keep the weights of the last N checkpoints in RUN/steps/STEP/ for translate-cli average (0 = off)")
	fs.IntVar(&o.LogEvery, "log-every", 100, "steps between train.log lines")
	fs.IntVar(&o.DevEvery, "dev-every", 0, "steps between dev evaluations besides those at checkpoints (0 = none)")
	fs.BoolVar(&f.devBLEU, "dev-bleu", true, "at each evaluation also translate the dev split greedily with the engine and score BLEU and chrF (the best checkpoint is then chosen by BLEU, otherwise by dev loss)")
	fs.StringVar(&f.initDir, "init", "", "fine-tune: start a new run from the weights, vocabulary and model shape of this checkpoint `directory` (e.g. runs/en-es/best), with fresh Adam moments and learning-rate schedule; --vocab and the model-shape flags are then ignored, except --encoder-layers and --decoder-layers, which may deepen it (each layer is repeated in place), and --init itself is ignored with --resume")
	fs.Float64Var(&f.bpeDropout, "bpe-dropout", 0, "add --bpe-copies copies of the training pairs segmented with BPE-dropout at this rate `P` (each merge skipped with probability P, both sides; 0 = off, 0.1 is usual): finer, varied segmentations of the same text, a regulariser for a small corpus; guided alignment supervises the original pairs only")
	fs.IntVar(&f.bpeCopies, "bpe-copies", 1, "with --bpe-dropout: how many segmented copies of the training pairs to add (fixed by --seed, so a resumed run sees the same ones)")
	fs.Float64Var(&f.guidedWeight, "guided-weight", 0, "guided alignment: weight λ of the loss that trains one cross-attention head to follow word links (0 = off; 0.5 is a good start)")
	fs.IntVar(&f.guidedLayer, "guided-layer", -2, "guided alignment: decoder layer of the supervised head, from 0 (negative counts from the end: -2 = penultimate)")
	fs.IntVar(&f.guidedHead, "guided-head", 0, "guided alignment: head of that layer, from 0")
	fs.BoolVar(&f.guidedShift, "guided-shift", false, "guided alignment: supervise each target token's row at the next step, whose decoder input is that token (what a shifted selector, layer=L,head=H,shift, reads)")
	fs.StringVar(&f.guidedLinks, "guided-links", "", "guided alignment: comma-separated word-link `files` in the format of links.kjv-es.jsonl.gz (gzip or plain); a training pair whose two texts equal a verse's takes its links; test and dev books are never read")
	fs.StringVar(&f.guidedIBM1, "guided-ibm1", "", "guided alignment: also link the training pairs with IBM Model 1 trained on them, combined by this `symmetrization` (intersection, grow-diag, grow-diag-final-and, ...); a target word with --guided-links links keeps those")
	fs.BoolVar(&f.rightToLeft, "right-to-left", false, "train a right-to-left model: the decoder writes each target last token first (config.json right_to_left), a second opinion that reranks the beam of the usual model (translate --r2l); with --init a usual model turns around; not with guided alignment; on --resume the checkpoint decides")
	fs.BoolVar(&o.FreezeEmbeddings, "freeze-embeddings", false, "with --init: keep the shared embedding matrix as the checkpoint has it; a right-to-left model trained so ships without it (translate-cli convert --no-embeddings) and reads the matrix of the model beside it; pass it again on --resume")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) to this `file`")
	return fs
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
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
	f.setEncL, f.setDecL = flagSet(fs, "encoder-layers"), flagSet(fs, "decoder-layers")
	if f.trainTSV == "" || f.run == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "translate-cli train: --train and --run are required and no arguments are taken (see -h)")
		return exitUsage
	}
	for _, b := range splitList(f.buckets) {
		n, err := strconv.Atoi(b)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli train: bad bucket length %q\n", b)
			return exitUsage
		}
		f.opts.Buckets = append(f.opts.Buckets, n)
	}
	if err := f.opts.Defaults().Validate(); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli train: %v\n", err)
		return exitUsage
	}
	if err := f.checkGuided(); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli train: %v\n", err)
		return exitUsage
	}
	if f.rightToLeft && f.guidedWeight > 0 {
		fmt.Fprintln(e.stderr, "translate-cli train: --right-to-left does not take guided alignment (--guided-weight)")
		return exitUsage
	}
	if f.opts.FreezeEmbeddings && f.initDir == "" && !f.resume {
		fmt.Fprintln(e.stderr, "translate-cli train: --freeze-embeddings needs --init: embeddings trained from nothing cannot stay as initialized")
		return exitUsage
	}
	if f.tokPath != "" && f.initDir != "" {
		fmt.Fprintln(e.stderr, "translate-cli train: --tokenizer and --init exclude each other: --init takes its checkpoint's tokenizer")
		return exitUsage
	}
	if !(f.bpeDropout >= 0 && f.bpeDropout < 1) || f.bpeCopies < 1 {
		fmt.Fprintf(e.stderr, "translate-cli train: --bpe-dropout must be in [0, 1) and --bpe-copies at least 1, got %g and %d\n", f.bpeDropout, f.bpeCopies)
		return exitUsage
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli train: %v\n", err)
			return exitFailure
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintf(e.stderr, "translate-cli train: %v\n", err)
			return exitFailure
		}
		defer pprof.StopCPUProfile()
	}
	if err := trainMain(ctx, &f, args, e); err != nil {
		fmt.Fprintf(e.stderr, "\ntranslate-cli train: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func trainMain(ctx context.Context, f *trainFlags, args []string, e *env) error {
	if err := os.MkdirAll(f.run, 0o755); err != nil {
		return err
	}
	release, err := lockRun(f.run)
	if err != nil {
		return err
	}
	defer release()
	logFile, err := os.OpenFile(filepath.Join(f.run, "train.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "%s start: translate-cli train %s\n", time.Now().Format("2006-01-02T15:04:05"), strings.Join(args, " "))

	cols := train.TSVColumns{Book: f.bookCol, Source: f.srcCol, Target: f.tgtCol}
	heldOut := append(splitList(f.testBooks), splitList(f.devBooks)...)
	trainEx, err := train.ReadTSV(f.trainTSV, cols, nil, heldOut)
	if err != nil {
		return err
	}
	for _, path := range splitList(f.extraTSV) {
		extra, err := train.ReadTSV(path, cols, nil, heldOut)
		if err != nil {
			return err
		}
		trainEx = append(trainEx, extra...)
	}
	if f.trimExtras {
		n := train.TrimBibleExtras(trainEx)
		fmt.Fprintf(logFile, "--trim-bible-extras: %d of %d training pairs trimmed\n", n, len(trainEx))
	}
	devPath := f.devTSV
	if devPath == "" {
		devPath = f.trainTSV
	}
	var devEx []train.Example
	if devBooks := splitList(f.devBooks); len(devBooks) > 0 {
		if devEx, err = train.ReadTSV(devPath, cols, devBooks, splitList(f.testBooks)); err != nil {
			return err
		}
	}

	last := filepath.Join(f.run, "last")
	var tokJSON []byte
	var tok *tokenize.HF // parsed already when --tokenizer gave it
	var cfg *model.Config
	if f.resume {
		dir := last
		if _, err := os.Stat(filepath.Join(dir, train.StateFile)); err != nil {
			dir = last + ".old"
		}
		if tokJSON, err = os.ReadFile(filepath.Join(dir, train.TokenizerFile)); err != nil {
			return fmt.Errorf("resuming: %w", err)
		}
		if cfg, err = model.ReadConfig(dir); err != nil {
			return fmt.Errorf("resuming: %w", err)
		}
	} else {
		if _, err := os.Stat(last); err == nil {
			return fmt.Errorf("%s already holds a checkpoint: pass --resume to continue it, or choose another --run", f.run)
		}
	}
	if !f.resume && f.initDir != "" {
		if tokJSON, err = os.ReadFile(filepath.Join(f.initDir, train.TokenizerFile)); err != nil {
			return fmt.Errorf("--init: %w", err)
		}
		if cfg, err = model.ReadConfig(f.initDir); err != nil {
			return fmt.Errorf("--init: %w", err)
		}
		// Deeper stacks grow from the checkpoint's (train.Trainer.InitFrom).
		if f.setEncL {
			cfg.EncoderLayers = f.encL
		}
		if f.setDecL {
			cfg.DecoderLayers = f.decL
		}
	} else if !f.resume && f.tokPath != "" {
		if tokJSON, tok, err = readTokenizer(f.tokPath); err != nil {
			return fmt.Errorf("--tokenizer: %w", err)
		}
	} else if !f.resume {
		fmt.Fprintf(e.stderr, "training a %d-piece BPE vocabulary on %d pairs...\n", f.vocab, len(trainEx))
		if tokJSON, err = trainTokenizer(trainEx, f.vocab); err != nil {
			return err
		}
	}
	if tok == nil {
		if tok, err = tokenize.Parse(tokJSON, "tokenizer.json"); err != nil {
			return err
		}
	}
	if cfg == nil {
		cfg = &model.Config{ModelType: "marian", VocabSize: tok.VocabSize(), DecoderVocabSize: tok.VocabSize(),
			DModel: f.dModel, EncoderLayers: f.encL, DecoderLayers: f.decL,
			EncoderAttentionHeads: f.heads, DecoderAttentionHeads: f.heads,
			EncoderFFNDim: f.ffn, DecoderFFNDim: f.ffn, ActivationFunction: f.activation,
			ScaleEmbedding: true, MaxPositionEmbeddings: f.maxPos,
			PadTokenID: tokenize.PadID, EOSTokenID: tokenize.EOSID, DecoderStartTokenID: tokenize.PadID}
		if err := cfg.Validate(); err != nil {
			return err
		}
	}
	switch {
	case !f.resume:
		cfg.RightToLeft = f.rightToLeft
		if f.rightToLeft {
			// Heads measured on a left-to-right model say nothing of this one.
			delete(cfg.Extra, "alignment_heads")
		}
	case f.rightToLeft && !cfg.RightToLeft:
		return fmt.Errorf("--right-to-left: %s was not trained right-to-left", f.run)
	case cfg.RightToLeft && f.guidedWeight > 0:
		return errors.New("--guided-weight: this run is right-to-left, which does not take guided alignment")
	}
	encode := func(s string) ([]int, error) { return tokenIDs(tok.Encode(s)) }
	fmt.Fprintf(e.stderr, "encoding %d training and %d dev pairs...\n", len(trainEx), len(devEx))
	trainPairs, err := train.Encode(trainEx, encode, cfg.EOSTokenID)
	if err != nil {
		return err
	}
	devPairs, err := train.Encode(devEx, encode, cfg.EOSTokenID)
	if err != nil {
		return err
	}
	nOrig := len(trainPairs)
	if f.bpeDropout > 0 {
		extra, err := dropoutPairs(trainEx, tok, f.bpeDropout, f.bpeCopies, f.opts.Seed, cfg.EOSTokenID)
		if err != nil {
			return err
		}
		trainPairs = append(trainPairs, extra...)
		fmt.Fprintf(e.stderr, "BPE-dropout %g: %d segmented copies of the %d training pairs added\n", f.bpeDropout, f.bpeCopies, nOrig)
	}
	if cfg.RightToLeft {
		train.ReverseTargets(trainPairs)
		train.ReverseTargets(devPairs)
		fmt.Fprintln(io.MultiWriter(e.stderr, logFile), "right-to-left: the targets are learned last token first")
	}
	tr, err := train.New(cfg, f.opts, trainPairs, devPairs, tokJSON, f.run)
	if err != nil {
		return err
	}
	tr.Progress, tr.Log = e.stderr, io.MultiWriter(logFile)
	if f.guidedWeight > 0 {
		if err := setGuide(tr, f, heldOut, trainEx, trainPairs[:nOrig], len(trainPairs), tok, io.MultiWriter(e.stderr, logFile)); err != nil {
			return err
		}
	}
	if f.devBLEU && len(devPairs) > 0 {
		srcs := make([][]int32, len(devPairs))
		refs := make([]string, len(devEx))
		for i := range devPairs {
			srcs[i], refs[i] = devPairs[i].Src, devEx[i].Target
		}
		tr.Evaluate = train.GreedyEvaluator(srcs, refs, tok.Decode)
	}
	switch {
	case f.resume:
		if err := tr.Resume(); err != nil {
			return err
		}
		if g := tr.State.Guided; g != nil && tr.Guided() == nil {
			fmt.Fprintf(io.MultiWriter(e.stderr, logFile), "note: this run was trained with guided alignment (%s, λ %g); it continues without (no --guided-weight)\n", g.Selector(), g.Weight)
		}
	case f.initDir != "":
		if err := tr.InitFrom(f.initDir); err != nil {
			return err
		}
		fmt.Fprintf(io.MultiWriter(e.stderr, logFile), "initialized from %s (fresh optimizer and schedule)\n", f.initDir)
	default:
		tr.Init()
	}
	fmt.Fprintf(logFile, "%s pairs: %d train (%d longer than the last bucket, skipped), %d dev; %d parameters; step %d epoch %d\n",
		time.Now().Format("2006-01-02T15:04:05"), len(trainPairs), tr.Skipped(), len(devPairs), tr.Params.Count(), tr.State.Step, tr.State.Epoch)
	fmt.Fprintf(e.stderr, "%d parameters, %d training pairs (%d skipped as too long), from step %d; log in %s\n",
		tr.Params.Count(), len(trainPairs), tr.Skipped(), tr.State.Step, filepath.Join(f.run, "train.log"))
	fmt.Fprintf(logFile, "matrix products on %s\n", train.BLAS())
	if train.BLAS() == "gonum" {
		fmt.Fprintln(e.stderr, "note: built without cgo, so the matrix products run on gonum's pure-Go BLAS, several times slower than OpenBLAS (docs/architecture.md)")
	}
	err = tr.Run(ctx)
	fmt.Fprintf(logFile, "%s stop at step %d epoch %d: %v\n", time.Now().Format("2006-01-02T15:04:05"), tr.State.Step, tr.State.Epoch, err)
	return err
}

// dropoutPairs encodes copies of the training examples with BPE-dropout at
// rate p, copy k with its own random stream of seed.
func dropoutPairs(ex []train.Example, tok *tokenize.HF, p float64, copies int, seed uint64, eos int) ([]train.Pair, error) {
	if copies < 1 {
		return nil, fmt.Errorf("--bpe-copies must be at least 1, got %d", copies)
	}
	var out []train.Pair
	for k := 0; k < copies; k++ {
		rng := rand.New(rand.NewPCG(seed, uint64(k)+1))
		encode := func(s string) ([]int, error) { return tokenIDs(tok.EncodeDropout(s, p, rng)) }
		pairs, err := train.Encode(ex, encode, eos)
		if err != nil {
			return nil, fmt.Errorf("--bpe-dropout: %v", err)
		}
		out = append(out, pairs...)
	}
	return out, nil
}

// tokenIDs keeps the ids of an encoding.
func tokenIDs(toks []tokenize.Token, err error) ([]int, error) {
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(toks))
	for i, t := range toks {
		ids[i] = t.ID
	}
	return ids, nil
}

// readTokenizer reads and parses a tokenizer.json for a fresh start and
// checks that its special tokens sit where the trainer's config puts them.
func readTokenizer(path string) ([]byte, *tokenize.HF, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenize.Parse(data, path)
	if err != nil {
		return nil, nil, err
	}
	for piece, want := range map[string]int{"<pad>": tokenize.PadID, "</s>": tokenize.EOSID} {
		if id, ok := tok.ID(piece); !ok || id != want {
			return nil, nil, fmt.Errorf("%s: %s must be id %d, as in the vocabularies the trainer learns", path, piece, want)
		}
	}
	return data, tok, nil
}

// trainTokenizer learns the joint BPE vocabulary from every distinct
// source and target line of the training pairs.
func trainTokenizer(ex []train.Example, vocab int) ([]byte, error) {
	seen := make(map[string]bool, 2*len(ex))
	var lines []string
	for _, e := range ex {
		for _, s := range []string{e.Source, e.Target} {
			if !seen[s] {
				seen[s] = true
				lines = append(lines, s)
			}
		}
	}
	bpe, err := tokenize.TrainBPE(lines, tokenize.BPEOptions{VocabSize: vocab})
	if err != nil {
		return nil, err
	}
	return bpe.JSON()
}

// checkGuided validates the guided-alignment flags together.
func (f *trainFlags) checkGuided() error {
	hasSource := f.guidedLinks != "" || f.guidedIBM1 != ""
	switch {
	case math.IsNaN(f.guidedWeight) || f.guidedWeight < 0:
		return fmt.Errorf("--guided-weight must not be negative, got %g", f.guidedWeight)
	case f.guidedWeight > 0 && !hasSource:
		return errors.New("--guided-weight needs word links: --guided-links FILES and/or --guided-ibm1 SYMMETRIZATION")
	case f.guidedWeight == 0 && hasSource:
		return errors.New("--guided-links and --guided-ibm1 need --guided-weight > 0")
	}
	if f.guidedIBM1 != "" {
		if _, err := align.ParseSymmetrization(f.guidedIBM1); err != nil {
			return fmt.Errorf("--guided-ibm1: %v", err)
		}
	}
	return nil
}

// setGuide computes (or reads back from the run directory) the token links
// of the training pairs and turns guided alignment on.
//
// pairs are the training pairs of ex, as encoded; total counts those the
// trainer holds, which may go on past them (--bpe-dropout copies), and
// those further pairs are not supervised.
func setGuide(tr *train.Trainer, f *trainFlags, heldOut []string, ex []train.Example, pairs []train.Pair, total int, tok tokenize.Tokenizer, log io.Writer) error {
	opts := train.GuideLinkOptions{Gold: splitList(f.guidedLinks), HeldOutBooks: heldOut, IBM1: f.guidedIBM1}
	links, _, err := train.LoadGuideLinks(f.run, opts, ex, pairs, tok.Encode, log)
	if err != nil {
		return err
	}
	links = append(links, make([][]align.Link, total-len(links))...)
	if err := tr.SetGuide(train.Guide{Weight: f.guidedWeight, Layer: f.guidedLayer, Head: f.guidedHead, Shift: f.guidedShift, Links: links}); err != nil {
		return err
	}
	g := tr.Guided()
	late := ""
	if g.Shift {
		late = " read one step late"
	}
	fmt.Fprintf(log, "guided alignment: decoder layer %d head %d%s (align --heads %s), λ %g\n", g.Layer, g.Head, late, g.Selector(), g.Weight)
	return nil
}
