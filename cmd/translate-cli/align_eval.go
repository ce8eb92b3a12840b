package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
)

func init() {
	register("align-eval", "score word alignments against the Strong's links of the test or dev books (AER)", runAlignEval)
}

// alignEvalFlags are the align-eval settings.
type alignEvalFlags struct {
	corpus, gold, train string
	split               string
	heads               align.Selector
	symmetrize          string
	scan, ibm1, model   bool
	reverse, wholeLines bool
	limit               int
}

func runAlignEval(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("align-eval", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var mf modelFlags
	mf.add(fs)
	var f alignEvalFlags
	fs.StringVar(&f.corpus, "corpus", "../shared/corpus", "corpus directory holding links.kjv-es.jsonl.gz and bible.kjv-es.tsv")
	fs.StringVar(&f.gold, "gold", "", "gold links file, JSON lines, gzip or plain (default <corpus>/links.kjv-es.jsonl.gz)")
	fs.StringVar(&f.train, "train", "", "parallel corpus TSV the IBM1 peer trains on, training books only (default <corpus>/bible.kjv-es.tsv)")
	fs.StringVar(&f.split, "split", "test", "books to score: test or dev")
	fs.TextVar(&f.heads, "heads", align.AllHeads(), "cross-attention heads: avg, layer=L, layer=L,head=H, heads=L:H+..., optionally ,shift")
	fs.StringVar(&f.symmetrize, "symmetrize", align.GrowDiagFinalAnd.String(), "intersection, grow-diag, grow-diag-final, grow-diag-final-and, union, or all")
	fs.BoolVar(&f.scan, "scan", false, "score every head, every layer mean and avg, each plain and shifted, instead of --heads")
	fs.BoolVar(&f.ibm1, "ibm1", false, "also train and score the IBM Model 1 peer (6 EM iterations, intersection)")
	fs.BoolVar(&f.model, "attention", true, "score the model's attention (false: only the IBM1 peer, no model needed)")
	fs.BoolVar(&f.wholeLines, "whole-lines", false, "force-decode each verse as one unit instead of sentence by sentence")
	fs.IntVar(&f.limit, "limit", 0, "score only the first N verses of the split (0: all)")
	fs.BoolVar(&f.reverse, "reverse", false, "align Spanish → English: force-decode the KJV English against the Spanish, and score against the gold links swapped (default: true when the model's directory is named es-en)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: translate-cli align-eval [flags]\n\nForce-decodes the Spanish of every verse of the split against its KJV English\n(or the English against the Spanish, with --reverse),\nextracts word links from the cross-attention and scores them against the\nStrong's links: AER, precision, recall, counting only gold-tagged words\n(sure links as S, all links as P).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	syms, err := parseSymmetrizations(f.symmetrize)
	if err == nil && f.split != "test" && f.split != "dev" {
		err = fmt.Errorf("--split %q is not test or dev", f.split)
	}
	if err == nil && (fs.NArg() > 0 || f.limit < 0 || (!f.model && !f.ibm1)) {
		err = errors.New("align-eval takes no arguments, a --limit ≥ 0, and --attention or --ibm1")
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitUsage
	}
	gold, err := readGoldFile(orDefault(f.gold, filepath.Join(f.corpus, "links.kjv-es.jsonl.gz")), align.Split(f.split), f.limit)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	var tr *nmt.Translator
	if f.model {
		var code int
		if tr, code = mf.open(e); code != exitOK {
			return code
		}
		if !flagSet(fs, "reverse") {
			f.reverse = tr.Info().Source == "es" && tr.Info().Target == "en"
		}
	}
	direction := "English → Spanish"
	if f.reverse {
		direction = "Spanish → English"
		for k := range gold {
			gold[k] = gold[k].Reverse()
		}
	}
	fmt.Fprintf(e.stdout, "%s split: %d verses, %s\n", f.split, len(gold), direction)
	if f.ibm1 {
		if code := evalIBM1(e, gold, orDefault(f.train, filepath.Join(f.corpus, "bible.kjv-es.tsv")), f.reverse); code != exitOK {
			return code
		}
	}
	if !f.model {
		return exitOK
	}
	decoded := make([]*decodedPair, len(gold))
	for k, g := range gold {
		if decoded[k], err = decodePair(ctx, tr, g.Source, g.Target, f.wholeLines); err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %s: ", g.Ref)
			return reportError(e, err)
		}
	}
	sels := []align.Selector{f.heads}
	if f.scan {
		sels = align.ScanSelectors(tr.Info().DecoderLayers, tr.Info().Heads)
	}
	return evalAttention(e, gold, decoded, sels, syms)
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func parseSymmetrizations(name string) ([]align.Symmetrization, error) {
	if name == "all" {
		return align.Symmetrizations(), nil
	}
	s, err := align.ParseSymmetrization(name)
	return []align.Symmetrization{s}, err
}

// evalAttention scores every selector × symmetrization and names the best.
func evalAttention(e *env, gold []align.GoldPair, decoded []*decodedPair, sels []align.Selector, syms []align.Symmetrization) int {
	scores, err := align.ScoreMethods(gold, sels, syms, func(k int, opt align.Options) (*align.Alignment, error) {
		return decoded[k].alignment(gold[k].Ref, opt)
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	name := func(s align.MethodScore) string {
		return fmt.Sprintf("%-30s %-20s", "attention "+s.Options.Selector.String(), s.Options.Symmetrize)
	}
	for _, s := range scores {
		fmt.Fprintf(e.stdout, "%s %s\n", name(s), s.Counts)
	}
	if len(scores) > 1 {
		best := align.BestMethod(scores)
		fmt.Fprintf(e.stdout, "best: %s AER %.3f\n", name(best), best.Counts.AER())
	}
	return exitOK
}

// evalIBM1 trains the IBM Model 1 peer on the training books of path
// (English → Spanish, or Spanish → English with reverse) and scores it.
func evalIBM1(e *env, gold []align.GoldPair, path string, reverse bool) int {
	verses, err := readSplitFile(path, align.SplitTrain, 0)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	m := align.TrainIBM1(align.IBM1Pairs(verses, reverse), align.IBM1Iterations)
	c, err := m.Evaluate(gold, align.Intersection)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "%-30s %-20s %s\n", fmt.Sprintf("ibm1 (%d training verses)", len(verses)), align.Intersection, c)
	return exitOK
}

// readGoldFile reads the verses of split from a gold links file, gzip
// compressed or not; limit > 0 keeps the first limit of them.
func readGoldFile(path string, split align.Split, limit int) ([]align.GoldPair, error) {
	return readFileWith(path, func(r io.Reader) ([]align.GoldPair, error) { return align.ReadGoldSplit(r, split, limit) })
}
