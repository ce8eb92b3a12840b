package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/translated/translated/nmt/corpus"
	"github.com/translated/translated/nmt/corpus/extract"
)

// outputFlags are the flags clean and join share: where to write, and
// the dev/test files whose segments must not be trained on.
type outputFlags struct {
	out, heldOut string
}

func newFlagSet(name, outHelp string, stderr io.Writer) (*flag.FlagSet, *outputFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o outputFlags
	fs.StringVar(&o.out, "out", "", outHelp)
	fs.StringVar(&o.heldOut, "held-out", "", "comma-separated dev/test `TSV` files (English<TAB>Spanish): pairs sharing a side with one of their segments are dropped")
	return fs, &o
}

func runClean(args []string, stdout, stderr io.Writer) int {
	fs, o := newFlagSet("corpus clean", "output `TSV` (ref, book, English, Spanish)", stderr)
	var opts corpus.Options
	fs.IntVar(&opts.MaxWords, "max-words", 120, "drop pairs with a side longer than this many words")
	fs.Float64Var(&opts.MaxRatio, "max-ratio", 2.5, "drop pairs whose longer side has more than this times the characters of the shorter")
	fs.BoolVar(&opts.SkipLanguage, "keep-wrong-language", false, "keep pairs whose sides read as the other language")
	fs.Func("keep-identical", "comma-separated `sources` whose pairs with identical sides are kept (e.g. iso-codes)", func(v string) error {
		opts.KeepIdentical = append(opts.KeepIdentical, strings.Split(v, ",")...)
		return nil
	})
	fs.Func("no-ratio", "comma-separated `sources` the length-ratio filter passes over (e.g. freedict)", func(v string) error {
		opts.NoRatio = append(opts.NoRatio, strings.Split(v, ",")...)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.out == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "corpus clean: need --out and one INPUT")
		return 2
	}
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(stderr, "corpus clean: %v\n", err)
		return 2
	}
	if err := clean(fs.Arg(0), o.out, o.heldOut, opts, stdout); err != nil {
		fmt.Fprintf(stderr, "corpus clean: %v\n", err)
		return 1
	}
	return 0
}

func clean(in, out, heldOut string, opts corpus.Options, report io.Writer) error {
	held, err := readHeldOut(heldOut)
	if err != nil {
		return err
	}
	c := corpus.NewCleaner(opts, held)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = eachLine(in, func(n int, fields []string) error {
		if len(fields) != 3 {
			return fmt.Errorf("line %d: %d columns, want 3 (source, English, Spanish)", n, len(fields))
		}
		p, reason := c.Clean(corpus.Pair{Source: fields[0], En: fields[1], Es: fields[2]})
		if reason == "" {
			_, err := fmt.Fprintf(w, "%s:%d\t%s\t%s\t%s\n", p.Source, n, p.Source, p.En, p.Es)
			return err
		}
		return nil
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	writeReport(report, c.Stats)
	return nil
}

// readHeldOut reads every field of every line of the comma-separated
// list of held-out TSV files.
func readHeldOut(paths string) ([]string, error) {
	var held []string
	for _, path := range strings.Split(paths, ",") {
		if path == "" {
			continue
		}
		err := eachLine(path, func(n int, fields []string) error {
			held = append(held, fields...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return held, nil
}

// open opens a file for reading, through gzip when its name ends in .gz
// or .dz (dictzip is gzip).
func open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(path, ".gz") && !strings.HasSuffix(path, ".dz") {
		return f, nil
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return gzipFile{gz, f}, nil
}

type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzipFile) Close() error {
	err := g.Reader.Close()
	if ferr := g.f.Close(); err == nil {
		err = ferr
	}
	return err
}

// eachLine calls fn with the tab-separated fields of every line of a plain
// or gzip-compressed file, numbered from 1. A line may end in CRLF; blank
// lines are skipped (but counted); a line may be up to 16 MiB long.
func eachLine(path string, fn func(n int, fields []string) error) error {
	r, err := open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	err = extract.EachLine(r, func(n int, line string) error {
		return fn(n, strings.Split(line, "\t"))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeReport(w io.Writer, s *corpus.Stats) {
	var sources []string
	for src := range s.Read {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	cols := append([]string{corpus.FilterMarkupOnly}, corpus.Filters...)
	fmt.Fprintf(w, "| source | read | %s (changed) | %s | kept |\n", cols[0], strings.Join(cols[1:], " | "))
	fmt.Fprintf(w, "|---|---:|%s---:|\n", strings.Repeat("---:|", len(cols)))
	total := map[string]int{}
	row := func(name string, read int, get func(f string) int, kept int) {
		fmt.Fprintf(w, "| %s | %d |", name, read)
		for _, f := range cols {
			fmt.Fprintf(w, " %d |", get(f))
		}
		fmt.Fprintf(w, " %d |\n", kept)
	}
	read, kept := 0, 0
	for _, src := range sources {
		row(src, s.Read[src], func(f string) int { total[f] += s.Removed[f][src]; return s.Removed[f][src] }, s.Kept[src])
		read += s.Read[src]
		kept += s.Kept[src]
	}
	row("**all**", read, func(f string) int { return total[f] }, kept)
}
