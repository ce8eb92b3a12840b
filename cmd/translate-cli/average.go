package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/translated/translated/nmt/safetensors"
	"github.com/translated/translated/nmt/train"
)

func init() {
	register("average", "average the weights of several checkpoints of one training run", runAverage)
}

func runAverage(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("average", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	out := fs.String("out", "", "output model `directory` (required)")
	run := fs.String("run", "", "take the inputs from this run `directory`'s kept checkpoints (train --keep)")
	last := fs.Int("last", 5, "with --run: how many of the newest kept checkpoints to average")
	dtype := fs.String("dtype", "f32", "storage type of the averaged weights: f32, f16 or bf16")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: translate-cli average --out DIR CHECKPOINT_DIR...\n       translate-cli average --out DIR --run RUN_DIR [--last 5]\n\nWrites the element-wise mean of the checkpoints' weights, with the first\ncheckpoint's config.json and tokenizer.json, as a model directory.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	store := safetensors.DType(strings.ToUpper(*dtype))
	if *out == "" || (*run == "") == (fs.NArg() == 0) || *last < 1 ||
		(store != safetensors.F32 && store != safetensors.F16 && store != safetensors.BF16) {
		fs.Usage()
		return exitUsage
	}
	dirs := fs.Args()
	if *run != "" {
		steps, err := train.Snapshots(*run)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli average: %v\n", err)
			return exitFailure
		}
		if len(steps) == 0 {
			fmt.Fprintf(e.stderr, "translate-cli average: %s has no kept checkpoints in %s/ (train with --keep N)\n", *run, train.SnapshotDir)
			return exitUsage
		}
		for _, s := range steps[max(0, len(steps)-*last):] {
			dirs = append(dirs, filepath.Join(*run, train.SnapshotDir, strconv.Itoa(s)))
		}
	}
	if err := train.Average(*out, dirs, store); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli average: %v\n", err)
		return exitBadModel
	}
	fmt.Fprintf(e.stdout, "wrote %s: the mean of %d checkpoints (%s)\n", *out, len(dirs), strings.Join(dirs, ", "))
	return exitOK
}
