package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
)

func init() {
	register("eval", "translate a split of a parallel TSV corpus and print BLEU and chrF2", runEval)
}

// readEvalSet reads the verses of split from the corpus TSV (ref, book,
// English, Spanish) and returns their sources and references, the columns
// chosen by the translation direction.
func readEvalSet(path string, split align.Split, from, to string, limit int) (sources, refs []string, err error) {
	var reverse bool
	switch from + "-" + to {
	case "en-es":
	case "es-en":
		reverse = true
	default:
		return nil, nil, fmt.Errorf("the corpus holds English and Spanish; --from %s --to %s is neither en-es nor es-en", from, to)
	}
	twoCols, err := isTwoColumnFile(path)
	if err != nil {
		return nil, nil, err
	}
	var verses []align.Verse
	if twoCols {
		verses, err = readFileWith(path, func(r io.Reader) ([]align.Verse, error) { return readSegments(r, limit) })
	} else {
		verses, err = readSplitFile(path, split, limit)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(verses) == 0 {
		return nil, nil, fmt.Errorf("%s: no verse of the %s split", path, split)
	}
	for _, v := range verses {
		if reverse {
			v.Source, v.Target = v.Target, v.Source
		}
		sources, refs = append(sources, v.Source), append(refs, v.Target)
	}
	return sources, refs, nil
}

// readSplitFile reads the verses of split from a corpus TSV file;
// limit > 0 keeps the first limit of them.
func readSplitFile(path string, split align.Split, limit int) ([]align.Verse, error) {
	return readFileWith(path, func(r io.Reader) ([]align.Verse, error) { return align.ReadSplit(r, split, limit) })
}

// isTwoColumnFile tells whether the first line of a corpus file has two
// tab-separated columns (English, Spanish: a test set scored whole) rather
// than the Bible corpus's four (ref, book, English, Spanish).
func isTwoColumnFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	return strings.Count(strings.TrimRight(line, "\r\n"), "\t") == 1, nil
}

// readSegments reads a two-column test set, English<TAB>Spanish, every
// line a segment numbered from 1 as its ref; limit > 0 keeps the first
// limit of them.
func readSegments(r io.Reader, limit int) ([]align.Verse, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<22)
	var out []align.Verse
	for n := 1; sc.Scan() && (limit <= 0 || len(out) < limit); n++ {
		en, es, ok := strings.Cut(strings.TrimRight(sc.Text(), "\r"), "\t")
		if !ok || strings.Contains(es, "\t") {
			return nil, fmt.Errorf("line %d: want two tab-separated columns, English and Spanish", n)
		}
		out = append(out, align.Verse{Ref: strconv.Itoa(n), Source: en, Target: es})
	}
	return out, sc.Err()
}

// readFileWith opens path and reads it with read; errors other than
// opening it name the file.
func readFileWith[T any](path string, read func(io.Reader) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func runEval(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var mf modelFlags
	var df decodeFlags
	mf.add(fs)
	df.add(fs)
	corpus := fs.String("corpus", "../shared/corpus/bible.en-es.tsv", "parallel corpus TSV: ref, book, English, Spanish; or a test set of two columns, English<TAB>Spanish (such as general/test/ntrex128.en-es.tsv), scored whole")
	splitName := fs.String("split", "test", "which books of a four-column corpus: test, dev or train")
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
	sources, refs, err := readEvalSet(*corpus, split, mf.from, mf.to, *limit)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitUsage
	}
	var ev nmt.Evaluation
	var shortlistMean float64 // target tokens a sentence keeps, with --shortlist
	start := time.Now()
	if *hypsPath != "" {
		var hyps []string
		if hyps, err = readLines(*hypsPath); err == nil && len(hyps) != len(refs) {
			err = fmt.Errorf("%s has %d lines for %d verses", *hypsPath, len(hyps), len(refs))
		}
		if err == nil {
			ev, err = nmt.Score(hyps, refs)
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
		if ev, err = nmt.Evaluate(ctx, tr, sources, refs, df.options(), *batch); err != nil {
			return reportError(e, err)
		}
		if local, ok := tr.(*nmt.Translator); ok && mf.shortlist != "" {
			if shortlistMean, err = local.ShortlistMean(sources); err != nil {
				return reportError(e, err)
			}
		}
		if *outPath != "" {
			if err := os.WriteFile(*outPath, []byte(strings.Join(ev.Hypotheses, "\n")+"\n"), 0o644); err != nil {
				fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
				return exitFailure
			}
		}
	}
	if twoCols, _ := isTwoColumnFile(*corpus); twoCols {
		fmt.Fprintf(e.stdout, "%s-%s %s: %d segments\n", mf.from, mf.to, filepath.Base(*corpus), len(refs))
	} else {
		fmt.Fprintf(e.stdout, "%s-%s %s split: %d verses\n", mf.from, mf.to, split, len(refs))
	}
	if *hypsPath == "" {
		printDecoding(e, &mf, &df)
	}
	if shortlistMean > 0 {
		fmt.Fprintf(e.stdout, "shortlist: %.1f target tokens per sentence on average\n", shortlistMean)
	}
	fmt.Fprintln(e.stdout, ev.BLEU)
	fmt.Fprintf(e.stdout, "chrF2 = %.2f\n", ev.CHRF)
	if *hypsPath == "" {
		fmt.Fprintf(e.stdout, "time = %.1fs\n", time.Since(start).Seconds())
	}
	return exitOK
}

// printDecoding names the ways of decoding beyond the model's own beam
// that the translations were made with.
func printDecoding(e *env, mf *modelFlags, df *decodeFlags) {
	if df.rerank > 0 {
		rev, _ := mf.reversePath()
		if mf.server != "" {
			rev = "the server's " + mf.to + "-" + mf.from
		}
		fmt.Fprintf(e.stdout, "reranked: weight %g, reverse model %s\n", df.rerank, rev)
	}
	if df.r2l > 0 {
		fmt.Fprintf(e.stdout, "reranked: weight %g, the model's right-to-left model\n", df.r2l)
	}
	if df.mbr > 0 {
		fmt.Fprintf(e.stdout, "chosen by minimum Bayes risk: sharpness %g\n", df.mbr)
	}
	if df.ensemble {
		fmt.Fprintln(e.stdout, "ensemble: the model and its ensemble members (--ensemble)")
	}
	if df.wholeLines {
		fmt.Fprintln(e.stdout, "units: whole verses (--whole-lines)")
	}
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
