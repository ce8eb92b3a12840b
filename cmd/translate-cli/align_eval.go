package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
		sels = scanSelectors(tr.Info().DecoderLayers, tr.Info().Heads)
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
		return []align.Symmetrization{align.Intersection, align.GrowDiag, align.GrowDiagFinalAnd, align.GrowDiagFinal, align.Union}, nil
	}
	s, err := align.ParseSymmetrization(name)
	return []align.Symmetrization{s}, err
}

// scanSelectors lists avg, every layer mean and every single head, each
// plain and shifted.
func scanSelectors(layers, heads int) []align.Selector {
	plain := []align.Selector{align.AllHeads()}
	for l := range layers {
		plain = append(plain, align.LayerMean(l))
	}
	for l := range layers {
		for h := range heads {
			plain = append(plain, align.OneHead(l, h))
		}
	}
	out := make([]align.Selector, 0, 2*len(plain))
	for _, s := range plain {
		out = append(out, s, s.WithShift(true))
	}
	return out
}

// evalAttention scores every selector × symmetrization and names the best.
func evalAttention(e *env, gold []align.GoldPair, decoded []*decodedPair, sels []align.Selector, syms []align.Symmetrization) int {
	type result struct {
		name string
		c    align.Counts
	}
	var best *result
	for _, sel := range sels {
		for _, sym := range syms {
			k := 0
			c, err := align.Evaluate(gold, func(g align.GoldPair) (*align.Alignment, error) {
				d := decoded[k]
				k++
				return d.alignment(g.Ref, align.Options{Selector: sel, Symmetrize: sym})
			})
			if err != nil {
				fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
				return exitFailure
			}
			r := result{name: fmt.Sprintf("%-30s %-20s", "attention "+sel.String(), sym), c: c}
			fmt.Fprintf(e.stdout, "%s %s\n", r.name, c)
			if best == nil || c.AER() < best.c.AER() {
				best = &r
			}
		}
	}
	if len(sels)*len(syms) > 1 {
		fmt.Fprintf(e.stdout, "best: %s AER %.3f\n", best.name, best.c.AER())
	}
	return exitOK
}

// evalIBM1 trains the IBM Model 1 peer on the training books of path
// (English → Spanish, or Spanish → English with reverse) and scores it.
func evalIBM1(e *env, gold []align.GoldPair, path string, reverse bool) int {
	file, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	defer file.Close()
	var pairs [][2][]string
	err = align.ReadCorpus(bufio.NewReader(file), func(v align.Verse) error {
		if align.BookSplit(v.Book) == align.SplitTrain {
			src, tgt := align.IBM1Words(v.Source), align.IBM1Words(v.Target)
			if reverse {
				src, tgt = tgt, src
			}
			pairs = append(pairs, [2][]string{src, tgt})
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %s: %v\n", path, err)
		return exitFailure
	}
	m := align.TrainIBM1(pairs, align.IBM1Iterations)
	c, err := align.Evaluate(gold, func(g align.GoldPair) (*align.Alignment, error) {
		return m.Align(g.Source, g.Target, align.Intersection)
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "%-30s %-20s %s\n", fmt.Sprintf("ibm1 (%d training verses)", len(pairs)), align.Intersection, c)
	return exitOK
}

// readGoldFile reads the verses of split from a gold links file, gzip
// compressed or not; limit > 0 keeps the first limit of them.
func readGoldFile(path string, split align.Split, limit int) ([]align.GoldPair, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	br := bufio.NewReader(file)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = z
	}
	var gold []align.GoldPair
	errEnough := errors.New("enough")
	err = align.ReadGold(r, func(g align.GoldPair) error {
		if align.BookSplit(align.RefBook(g.Ref)) == split {
			gold = append(gold, g)
			if limit > 0 && len(gold) == limit {
				return errEnough
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return gold, nil
}
