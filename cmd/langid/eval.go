package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/translated/translated/nmt/corpus"
	"github.com/translated/translated/nmt/langid"
)

// sureConfidence is the confidence above which a wrong guess is counted
// apart: the errors a filter trusting the identifier would make.
const sureConfidence = 0.9

func eval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", stderr)
	modelPath := fs.String("model", "", "a model `file` to measure instead of the shipped one")
	var samples listFlag
	fs.Var(&samples, "samples", "a `file` of language<TAB>text lines (may repeat)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	id, err := identifier(*modelPath)
	if err != nil {
		return err
	}
	var rows []*evalRow
	for _, path := range samples {
		set := newEvalSet(path)
		err := readLines(path, func(num int, f []string) error {
			if strings.HasPrefix(f[0], "#") {
				return nil
			}
			if len(f) != 2 {
				return fmt.Errorf("%d columns, want 2 (language, text)", len(f))
			}
			set.add(id, f[0], f[1], nil)
			return nil
		})
		if err != nil {
			return err
		}
		rows = append(rows, set.rows()...)
	}
	all := newEvalSet("all pair files")
	for _, path := range fs.Args() {
		set, err := evalPairs(id, path)
		if err != nil {
			return err
		}
		rows = append(rows, set.rows()...)
		all.merge(set)
	}
	if fs.NArg() > 1 {
		rows = append(rows, all.rows()...)
	}
	writeTable(stdout, rows)
	return nil
}

// identifier returns the shipped Identifier, or the one of a model file.
func identifier(path string) (*langid.Identifier, error) {
	if path == "" {
		return langid.Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := langid.ParseModel(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return langid.New(m)
}

// evalPairs measures both sides of a pair file, each side among the
// file's two languages.
func evalPairs(id *langid.Identifier, path string) (*evalSet, error) {
	a, b, err := pairLanguages(path)
	if err != nil {
		return nil, err
	}
	set := newEvalSet(path)
	err = readLines(path, func(num int, f []string) error {
		if len(f) < 2 {
			return fmt.Errorf("%d columns, want the two languages last", len(f))
		}
		set.add(id, a, f[len(f)-2], []string{a, b})
		set.add(id, b, f[len(f)-1], []string{a, b})
		return nil
	})
	return set, err
}

// evalSet counts, per length bucket, right and wrong guesses of the
// identifier and of the stopword heuristic.
type evalSet struct {
	name    string
	buckets map[string]*evalRow
}

type evalRow struct {
	set, bucket           string
	texts                 int
	right, sureWrong      int // langid
	guessRight, undecided int // corpus.Guess
	guessable             int // texts in a language corpus.Guess knows
}

func newEvalSet(path string) *evalSet {
	name := path[strings.LastIndexByte(path, '/')+1:]
	return &evalSet{name: name, buckets: map[string]*evalRow{}}
}

var heuristicLanguage = map[corpus.Language]string{corpus.English: "en", corpus.Spanish: "es"}

// add scores one text of language lang among candidates (nil: all).
func (s *evalSet) add(id *langid.Identifier, lang, text string, candidates []string) {
	b := langid.LengthClass(text)
	r := s.buckets[b]
	if r == nil {
		r = &evalRow{set: s.name, bucket: b}
		s.buckets[b] = r
	}
	r.texts++
	if g := id.Detect(text, candidates...); len(g) > 0 && g[0].Lang == lang {
		r.right++
	} else if len(g) > 0 && g[0].Confidence >= sureConfidence {
		r.sureWrong++
	}
	if lang != "en" && lang != "es" {
		return
	}
	r.guessable++
	switch got := heuristicLanguage[corpus.Guess(text)]; got {
	case "":
		r.undecided++
	case lang:
		r.guessRight++
	}
}

// rows returns the set's rows in bucket order, then their total.
func (s *evalSet) rows() []*evalRow {
	total := &evalRow{set: s.name, bucket: "all"}
	var out []*evalRow
	for _, b := range langid.LengthClasses {
		r := s.buckets[b]
		if r == nil {
			continue
		}
		out = append(out, r)
		total.add(r)
	}
	return append(out, total)
}

// merge adds the counts of another set to s, bucket by bucket.
func (s *evalSet) merge(o *evalSet) {
	for b, r := range o.buckets {
		if s.buckets[b] == nil {
			s.buckets[b] = &evalRow{set: s.name, bucket: b}
		}
		s.buckets[b].add(r)
	}
}

func (r *evalRow) add(o *evalRow) {
	r.texts += o.texts
	r.right += o.right
	r.sureWrong += o.sureWrong
	r.guessRight += o.guessRight
	r.undecided += o.undecided
	r.guessable += o.guessable
}

func writeTable(w io.Writer, rows []*evalRow) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	fmt.Fprintf(bw, "| set | words | texts | langid accuracy | langid wrong at ≥ %.2g | stopword Guess accuracy | Guess undecided |\n", sureConfidence)
	fmt.Fprintln(bw, "|---|---|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Fprintf(bw, "| %s | %s | %d | %s | %d | %s | %s |\n", r.set, r.bucket, r.texts,
			percent(r.right, r.texts), r.sureWrong, percent(r.guessRight, r.guessable), percent(r.undecided, r.guessable))
	}
}

func percent(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(of))
}
