// Command ibm1eval trains the IBM Model 1 aligner on the training books of
// the Bible corpus and scores it against the gold links of the test (or
// dev) books:
//
//	go run ./nmt/align/ibm1eval -corpus ../shared/corpus
//
// The corpus directory must hold bible.kjv-es.tsv and
// links.kjv-es.jsonl.gz.
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/translated/translated/nmt/align"
)

func main() {
	corpus := flag.String("corpus", "", "directory holding bible.kjv-es.tsv and links.kjv-es.jsonl.gz (required)")
	split := flag.String("split", "test", "books to score: test or dev")
	iterations := flag.Int("iterations", align.IBM1Iterations, "EM iterations")
	var sym align.Symmetrization = align.Intersection
	flag.TextVar(&sym, "symmetrize", align.Intersection, "intersection, grow-diag, grow-diag-final, grow-diag-final-and or union")
	flag.Parse()
	if *corpus == "" || (*split != "test" && *split != "dev") || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*corpus, align.Split(*split), *iterations, sym); err != nil {
		fmt.Fprintln(os.Stderr, "ibm1eval:", err)
		os.Exit(1)
	}
}

func run(dir string, split align.Split, iterations int, sym align.Symmetrization) error {
	start := time.Now()
	var pairs [][2][]string
	f, err := os.Open(filepath.Join(dir, "bible.kjv-es.tsv"))
	if err != nil {
		return err
	}
	err = align.ReadCorpus(f, func(v align.Verse) error {
		if align.BookSplit(v.Book) == align.SplitTrain {
			pairs = append(pairs, [2][]string{align.IBM1Words(v.Source), align.IBM1Words(v.Target)})
		}
		return nil
	})
	f.Close()
	if err != nil {
		return err
	}
	m := align.TrainIBM1(pairs, iterations)
	trained := time.Since(start)

	gold, err := readGold(filepath.Join(dir, "links.kjv-es.jsonl.gz"), split)
	if err != nil {
		return err
	}
	c, err := align.Evaluate(gold, func(g align.GoldPair) (*align.Alignment, error) {
		return m.Align(g.Source, g.Target, sym)
	})
	if err != nil {
		return err
	}
	fmt.Printf("IBM Model 1, %d EM iterations, %s, trained on %d KJV/RV1909 training verses in %.1fs\n",
		iterations, sym, len(pairs), trained.Seconds())
	fmt.Printf("%s: %d verses: %s\n", split, len(gold), c)
	return nil
}

func readGold(path string, split align.Split) ([]align.GoldPair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var gold []align.GoldPair
	err = align.ReadGold(z, func(g align.GoldPair) error {
		if align.BookSplit(align.RefBook(g.Ref)) == split {
			gold = append(gold, g)
		}
		return nil
	})
	return gold, err
}
