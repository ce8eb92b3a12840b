package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/translated/translated/nmt/align"
	"github.com/translated/translated/nmt/langid"
)

// listFlag is a flag that may be given many times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func train(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", stderr)
	opts := trainOptions(fs)
	out := fs.String("out", "nmt/langid/profiles.tsv", "the model `file` to write")
	heldOutPath := fs.String("heldout", "nmt/langid/testdata/heldout.tsv", "the held-out test `file` to write (language<TAB>text)")
	permille := fs.Uint64("holdout-permille", 10, "texts kept out of the profiles, per thousand, chosen by a hash of the text")
	perLength := fs.Int("heldout-per-length", 100, "held-out texts written per language and length (1-3, 4-6, 7+ words)")
	var bibles listFlag
	fs.Var(&bibles, "bible", "a verse-aligned Bible `file` NAME.XX-YY.tsv (ref, book, XX, YY); only train books are read (may repeat)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() == 0 && len(bibles) == 0 {
		fmt.Fprintln(stderr, "langid train: no corpus given")
		return errUsage
	}
	t, err := langid.NewTrainer(*opts)
	if err != nil {
		return err
	}
	s := &splitter{trainer: t, permille: *permille, heldOut: map[string]heldOutText{}, trained: map[string]int{}}
	for _, path := range fs.Args() {
		if err := s.readPairs(path, 3, nil); err != nil {
			return err
		}
	}
	for _, path := range bibles {
		if err := s.readPairs(path, 4, trainBook); err != nil {
			return err
		}
	}
	return s.finish(*out, *heldOutPath, *perLength, stdout)
}

// trainOptions binds the flags of the model's knobs.
func trainOptions(fs *flag.FlagSet) *langid.TrainOptions {
	var o langid.TrainOptions
	fs.IntVar(&o.MaxOrder, "order", 5, "longest n-gram, in characters")
	fs.IntVar(&o.PerLanguage, "per-language", 8000, "most frequent n-grams kept per language")
	fs.Float64Var(&o.Alpha, "alpha", 0.5, "Lidstone smoothing added to every count")
	return &o
}

// trainBook keeps the verses of the Bible's train books (never dev or test).
func trainBook(fields []string) bool { return align.BookSplit(fields[1]) == align.SplitTrain }

// splitter sends every text either to the trainer or, for a fixed share
// chosen by a hash of the language and text, to the held-out pool.
type splitter struct {
	trainer  *langid.Trainer
	permille uint64
	heldOut  map[string]heldOutText // language + text → text
	trained  map[string]int         // language → texts counted
}

type heldOutText struct {
	langid.Sample
	hash uint64
}

// readPairs reads the last two columns of a file of width columns, in
// the languages its name gives, skipping lines keep rejects.
func (s *splitter) readPairs(path string, width int, keep func([]string) bool) error {
	a, b, err := pairLanguages(path)
	if err != nil {
		return err
	}
	return readLines(path, func(num int, f []string) error {
		if len(f) != width {
			return fmt.Errorf("%d columns, want %d", len(f), width)
		}
		ta, tb := f[width-2], f[width-1]
		if (keep != nil && !keep(f)) || strings.EqualFold(ta, tb) {
			return nil // untranslated sides say nothing of either language
		}
		if err := s.add(a, ta); err != nil {
			return err
		}
		return s.add(b, tb)
	})
}

func (s *splitter) add(lang, text string) error {
	h := fnv.New64a()
	h.Write([]byte(lang + "\t" + text))
	sum := h.Sum64()
	if sum%1000 < s.permille {
		s.heldOut[lang+"\t"+text] = heldOutText{langid.Sample{Lang: lang, Text: text}, sum}
		return nil
	}
	s.trained[lang]++
	return s.trainer.Add(lang, text)
}

// maxHeldOutBytes keeps very long paragraphs out of the shipped test set
// (they stay in the calibration set).
const maxHeldOutBytes = 400

// finish builds the model, divides the held-out pool into the shipped
// test set (perLength texts per language and length) and the calibration
// set the temperature is fitted on, and writes both files.
func (s *splitter) finish(out, heldOutPath string, perLength int, stdout io.Writer) error {
	m, err := s.trainer.Model()
	if err != nil {
		return err
	}
	id, err := langid.New(m)
	if err != nil {
		return err
	}
	pool := make([]heldOutText, 0, len(s.heldOut))
	for _, h := range s.heldOut {
		pool = append(pool, h)
	}
	sort.Slice(pool, func(i, j int) bool { return pool[i].hash < pool[j].hash })
	var test, calibration []langid.Sample
	taken := map[string]int{}
	for _, h := range pool {
		if id.Detect(h.Text) == nil {
			continue // no letter: no language to tell
		}
		key := h.Lang + " " + langid.LengthClass(h.Text)
		if len(h.Text) <= maxHeldOutBytes && taken[key] < perLength {
			taken[key]++
			test = append(test, h.Sample)
			continue
		}
		calibration = append(calibration, h.Sample)
	}
	if m.Temperature, err = langid.FitTemperature(id, calibration); err != nil {
		return fmt.Errorf("fitting the temperature on the %d held-out texts not shipped: %w (raise -holdout-permille)", len(calibration), err)
	}
	if err := writeModel(out, m); err != nil {
		return err
	}
	if err := writeSamples(heldOutPath, test); err != nil {
		return err
	}
	for _, l := range m.Languages {
		fmt.Fprintf(stdout, "%s: %d texts counted\n", l, s.trained[l])
	}
	fmt.Fprintf(stdout, "held out: %d texts, %d written to %s, %d to fit the temperature\n", len(pool), len(test), heldOutPath, len(calibration))
	fmt.Fprintf(stdout, "model: %d n-grams, temperature %.4g, written to %s\n", len(m.NGrams), m.Temperature, out)
	return nil
}

func writeModel(path string, m *langid.Model) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = m.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeSamples writes the held-out test set, sorted by language, length
// and text so that a rebuild shows as a readable diff.
func writeSamples(path string, samples []langid.Sample) error {
	sort.Slice(samples, func(i, j int) bool {
		a, b := samples[i], samples[j]
		if a.Lang != b.Lang {
			return a.Lang < b.Lang
		}
		if ba, bb := langid.LengthClass(a.Text), langid.LengthClass(b.Text); ba != bb {
			return ba < bb
		}
		return a.Text < b.Text
	})
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# language<TAB>text: texts held out of the model's training (by a hash of the text), written by go run ./cmd/langid train")
	for _, s := range samples {
		fmt.Fprintf(w, "%s\t%s\n", s.Lang, s.Text)
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
