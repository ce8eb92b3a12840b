package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
	"github.com/translated/translated/nmt/metrics"
)

func init() {
	register("eval", "translate a split of a parallel TSV corpus and print BLEU and chrF2", runEval)
}

// evalSet is the sources and references of one split, in corpus order.
type evalSet struct {
	refs, sources, targets []string
}

// readEvalSet reads the corpus TSV (ref, book, English, Spanish) and keeps
// the verses of split, with the columns chosen by the translation direction.
func readEvalSet(path string, split align.Split, from, to string, limit int) (*evalSet, error) {
	var srcCol, tgtCol int
	switch from + "-" + to {
	case "en-es":
		srcCol, tgtCol = 0, 1
	case "es-en":
		srcCol, tgtCol = 1, 0
	default:
		return nil, fmt.Errorf("the corpus holds English and Spanish; --from %s --to %s is neither en-es nor es-en", from, to)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	set := &evalSet{}
	err = align.ReadCorpus(f, func(v align.Verse) error {
		if align.BookSplit(v.Book) != split || (limit > 0 && len(set.refs) == limit) {
			return nil
		}
		cols := [2]string{v.Source, v.Target}
		set.refs = append(set.refs, v.Ref)
		set.sources = append(set.sources, cols[srcCol])
		set.targets = append(set.targets, cols[tgtCol])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(set.refs) == 0 {
		return nil, fmt.Errorf("%s: no verse of the %s split", path, split)
	}
	return set, nil
}

func runEval(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var mf modelFlags
	var df decodeFlags
	mf.add(fs)
	df.add(fs)
	corpus := fs.String("corpus", "../shared/corpus/bible.en-es.tsv", "parallel corpus TSV: ref, book, English, Spanish")
	splitName := fs.String("split", "test", "which books: test, dev or train")
	hypsPath := fs.String("hyps", "", "score this file of translations (one line per verse of the split, in corpus order) instead of translating")
	outPath := fs.String("o", "", "also write the model's translations here, one line per verse")
	limit := fs.Int("limit", 0, "use only the first N verses of the split (0: all)")
	batch := fs.Int("batch", 32, "verses translated per batch")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: translate-cli eval [flags]\n\nTranslates the chosen split of the corpus (or reads --hyps) and prints corpus BLEU\n(13a tokenization, as sacreBLEU) and chrF2 against its references.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	df.useReverse(&mf)
	split := align.Split(*splitName)
	if split != align.SplitTest && split != align.SplitDev && split != align.SplitTrain || *batch < 1 || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "translate-cli: eval takes no arguments, --split test|dev|train and --batch ≥ 1")
		return exitUsage
	}
	set, err := readEvalSet(*corpus, split, mf.from, mf.to, *limit)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitUsage
	}
	var hyps []string
	start := time.Now()
	if *hypsPath != "" {
		if hyps, err = readLines(*hypsPath); err == nil && len(hyps) != len(set.refs) {
			err = fmt.Errorf("%s has %d lines for %d verses", *hypsPath, len(hyps), len(set.refs))
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitUsage
		}
	} else {
		tr, release, code := mf.connect(e)
		if code != exitOK {
			return code
		}
		defer release()
		if hyps, code = translateAll(ctx, tr, set.sources, df.options(), *batch, e); code != exitOK {
			return code
		}
		if *outPath != "" {
			if err := os.WriteFile(*outPath, []byte(strings.Join(hyps, "\n")+"\n"), 0o644); err != nil {
				fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
				return exitFailure
			}
		}
	}
	bleu := metrics.BLEU(hyps, set.targets)
	chrf := metrics.CHRF(hyps, set.targets)
	fmt.Fprintf(e.stdout, "%s-%s %s split: %d verses\n", mf.from, mf.to, split, len(set.refs))
	if *hypsPath == "" && df.rerank > 0 {
		rev, _ := mf.reversePath()
		if mf.server != "" {
			rev = "the server's " + mf.to + "-" + mf.from
		}
		fmt.Fprintf(e.stdout, "reranked: weight %g, reverse model %s\n", df.rerank, rev)
	}
	if *hypsPath == "" && df.r2l > 0 {
		fmt.Fprintf(e.stdout, "reranked: weight %g, the model's right-to-left model\n", df.r2l)
	}
	if *hypsPath == "" && df.mbr > 0 {
		fmt.Fprintf(e.stdout, "chosen by minimum Bayes risk: sharpness %g\n", df.mbr)
	}
	if *hypsPath == "" && df.ensemble {
		fmt.Fprintln(e.stdout, "ensemble: the model and its ensemble members (--ensemble)")
	}
	if *hypsPath == "" && df.wholeLines {
		fmt.Fprintln(e.stdout, "units: whole verses (--whole-lines)")
	}
	fmt.Fprintln(e.stdout, bleu)
	fmt.Fprintf(e.stdout, "chrF2 = %.2f\n", chrf)
	if *hypsPath == "" {
		fmt.Fprintf(e.stdout, "time = %.1fs\n", time.Since(start).Seconds())
	}
	return exitOK
}

// translateAll translates texts in batches and returns one line per text.
func translateAll(ctx context.Context, tr translator, texts []string, opts nmt.Options, batch int, e *env) ([]string, int) {
	out := make([]string, 0, len(texts))
	for lo := 0; lo < len(texts); lo += batch {
		res, err := tr.Translate(ctx, nmt.Request{Texts: texts[lo:min(lo+batch, len(texts))], Options: opts}, nil)
		if err != nil {
			return nil, reportError(e, err)
		}
		for _, r := range res {
			out = append(out, oneLine(r.Text))
		}
	}
	return out, exitOK
}

// readLines reads a file's lines, without line ends.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	return lines, sc.Err()
}
