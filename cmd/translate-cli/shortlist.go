package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
	"github.com/translated/translated/nmt/safetensors"
)

func init() {
	register("shortlist", "build a vocabulary shortlist (IBM Model 1 over the corpus's tokens) for --shortlist", runShortlist)
}

func runShortlist(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("shortlist", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var mf modelFlags
	mf.add(fs)
	corpus := fs.String("corpus", "../shared/corpus/bible.en-es.tsv", "parallel corpus TSV: ref, book, English, Spanish (its --split), or two columns, English and Spanish (all of it); several as FILE,FILE,…")
	splitName := fs.String("split", "train", "which books of a four-column corpus to learn from: train, dev or test")
	limit := fs.Int("limit", 0, "use only the first N verses of the split (0: all)")
	out := fs.String("o", "", "write the shortlist to this file (required; gzip-compressed when it ends in .gz)")
	var o nmt.ShortlistOptions
	fs.IntVar(&o.Frequent, "frequent", 100, "most frequent target tokens always kept")
	fs.IntVar(&o.PerSource, "per-source", 100, "candidate target tokens kept per source token")
	fs.Float64Var(&o.MinProb, "min-prob", 0.001, "drop candidates below this t(target | source)")
	fs.IntVar(&o.Iterations, "iterations", 5, "IBM Model 1 EM iterations")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: translate-cli shortlist [--model DIR | --from en --to es] -o FILE [flags]\n\nLearns which target tokens translate each source token (IBM Model 1 over the\nmodel's own tokens of a split of the corpus) and writes a vocabulary shortlist\nfor translate, eval and bench --shortlist.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	split := align.Split(*splitName)
	if *out == "" || fs.NArg() > 0 || mf.server != "" || mf.shortlist != "" || (split != align.SplitTrain && split != align.SplitDev && split != align.SplitTest) {
		fs.Usage()
		return exitUsage
	}
	var sources, targets []string
	for _, path := range strings.Split(*corpus, ",") {
		src, tgt, err := readEvalSet(path, split, mf.from, mf.to, *limit)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitUsage
		}
		sources, targets = append(sources, src...), append(targets, tgt...)
	}
	tr, code := mf.openDir(e)
	if code != exitOK {
		return code
	}
	sl, err := tr.BuildShortlist(sources, targets, o)
	if err != nil {
		return reportError(e, err)
	}
	var b bytes.Buffer
	w := io.Writer(&b)
	var zw *gzip.Writer
	if strings.HasSuffix(*out, ".gz") {
		zw = gzip.NewWriter(&b)
		w = zw
	}
	_, err = sl.WriteTo(w)
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	if err := safetensors.WriteAtomic(*out, b.Bytes()); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	with := 0
	for _, c := range sl.Candidates {
		if len(c) > 0 {
			with++
		}
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d frequent tokens, candidates for %d source tokens, from %d verses\n", *out, len(sl.Frequent), with, len(sources))
	return exitOK
}

// withShortlist reads the shortlist file path for tr's model, or with
// "model" the one shipped in the model directory dir, and returns tr
// searching with it.
func withShortlist(e *env, tr *nmt.Translator, path, dir string) (*nmt.Translator, int) {
	if path == "model" {
		path = filepath.Join(dir, nmt.ShortlistFile)
	}
	tr, err := tr.OpenShortlist(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return nil, exitUsage
	}
	return tr, exitOK
}

// readShortlistFile reads a shortlist (text or gzip) for a model of the
// given vocabularies.
func readShortlistFile(path string, srcVocab, tgtVocab int) (*nmt.Shortlist, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sl, err := nmt.ReadShortlist(f, srcVocab, tgtVocab)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return sl, nil
}
