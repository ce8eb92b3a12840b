// Command ibm1eval trains the IBM Model 1 aligner on the training books of
// the Bible corpus and scores it against the gold links of the test (or
// dev) books:
//
//	go run ./cmd/ibm1eval -corpus ../shared/corpus
//
// The corpus directory must hold bible.kjv-es.tsv and
// links.kjv-es.jsonl.gz. With -all it scores every symmetrization; with
// -export FORMAT -o FILE [-refs Ruth.1.16,...] it also writes the
// alignments (of the first symmetrization) of those verses.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/translated/translated/nmt/align"
)

func main() {
	corpus := flag.String("corpus", "", "directory holding bible.kjv-es.tsv and links.kjv-es.jsonl.gz (required)")
	split := flag.String("split", "test", "books to score: test or dev")
	iterations := flag.Int("iterations", align.IBM1Iterations, "EM iterations")
	var sym align.Symmetrization = align.Intersection
	flag.TextVar(&sym, "symmetrize", align.Intersection, "intersection, grow-diag, grow-diag-final, grow-diag-final-and or union")
	all := flag.Bool("all", false, "score every symmetrization, not only -symmetrize")
	export := flag.String("export", "", "also export the alignments of the verses named by -refs in this format (json, pharaoh, csv, tsv, svg, png, html)")
	refs := flag.String("refs", "", "comma-separated verse references to export (default: every scored verse)")
	out := flag.String("o", "", "file to export to (required with -export)")
	flag.Parse()
	if *corpus == "" || (*split != "test" && *split != "dev") || flag.NArg() > 0 || (*export != "") != (*out != "") {
		flag.Usage()
		os.Exit(2)
	}
	syms := []align.Symmetrization{sym}
	if *all {
		syms = align.Symmetrizations()
	}
	var ex *exportSpec
	if *export != "" {
		f, err := align.ParseFormat(*export)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ibm1eval:", err)
			os.Exit(2)
		}
		ex = &exportSpec{format: f, path: *out, refs: map[string]bool{}}
		for _, r := range strings.Split(*refs, ",") {
			if r = strings.TrimSpace(r); r != "" {
				ex.refs[r] = true
			}
		}
	}
	if err := run(*corpus, align.Split(*split), *iterations, syms, ex); err != nil {
		fmt.Fprintln(os.Stderr, "ibm1eval:", err)
		os.Exit(1)
	}
}

// exportSpec says which alignments to export where.
type exportSpec struct {
	format align.Format
	path   string
	refs   map[string]bool // empty: all
}

func run(dir string, split align.Split, iterations int, syms []align.Symmetrization, ex *exportSpec) error {
	start := time.Now()
	corpus, err := os.ReadFile(filepath.Join(dir, "bible.kjv-es.tsv"))
	if err != nil {
		return err
	}
	verses, err := align.ReadSplit(bytes.NewReader(corpus), align.SplitTrain, 0)
	if err != nil {
		return err
	}
	pairs := align.IBM1Pairs(verses, false)
	m := align.TrainIBM1(pairs, iterations)
	trained := time.Since(start)

	links, err := os.ReadFile(filepath.Join(dir, "links.kjv-es.jsonl.gz"))
	if err != nil {
		return err
	}
	gold, err := align.ReadGoldSplit(bytes.NewReader(links), split, 0)
	if err != nil {
		return err
	}
	fmt.Printf("IBM Model 1, %d EM iterations, trained on %d KJV/RV1909 training verses in %.1fs\n",
		iterations, len(pairs), trained.Seconds())
	var exported []*align.Alignment
	for k, sym := range syms {
		c, err := align.Evaluate(gold, func(g align.GoldPair) (*align.Alignment, error) {
			a, err := m.Align(g.Source, g.Target, sym)
			if err == nil && k == 0 && ex != nil && (len(ex.refs) == 0 || ex.refs[g.Ref]) {
				a.ID = g.Ref
				exported = append(exported, a)
			}
			return a, err
		})
		if err != nil {
			return err
		}
		fmt.Printf("%s, %d verses, %-21s %s\n", split, len(gold), sym.String()+":", c)
	}
	if ex == nil {
		return nil
	}
	out, err := os.Create(ex.path)
	if err != nil {
		return err
	}
	if err := align.Write(out, ex.format, exported, align.ExportOptions{Title: "IBM Model 1 alignments"}); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
