package main

import (
	"archive/zip"
	"bufio"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/translated/translated/nmt/corpus/extract"
)

// extractor reads the pairs of one kind of source from the command's
// positional arguments.
type extractor struct {
	kind string
	args string // what the positional arguments are, for the usage line
	help string
	run  func(x *extractFlags, args []string) ([]extract.Pair, error)
}

// extractFlags are the flags of every kind; each kind reads its own.
type extractFlags struct {
	out                string
	pair               string
	enSuffix, esSuffix string
	lines              int
}

// extractors are the kinds, in the order the usage lists them.
var extractors = []extractor{
	{"mo", "FILE.mo...", "msgid → msgstr of gettext catalogs (English msgids, Spanish translations)", extractMO},
	{"pages", "EN-DIR ES-DIR", "blocks of the help pages of EN-DIR and the same pages of ES-DIR, by element id (--pair id), block order (--pair order) or ids as anchors with the runs between them in order (--pair anchors); HTML, or XML (Mallard, DocBook) when --en-suffix is not .html", extractPages},
	{"ddtp", "TRANSLATION-EN TRANSLATION-ES", "Debian package descriptions joined by Description-md5, synopsis and paragraphs", extractDDTP},
	{"dep11", "COMPONENTS.yml[.gz]", "AppStream names, summaries and description blocks (C → es)", extractDEP11},
	{"tatoeba", "spa-eng.zip|spa.txt", "the manythings.org export of Tatoeba", extractTatoeba},
	{"europarl", "FILE.en FILE.es", "the first --lines lines of Moses-tokenized Europarl, detokenized", extractEuroparl},
	{"freedict", "FILE.index FILE.dict.dz", "headword → senses of a dictd dictionary", extractFreedict},
}

func extractUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: corpus extract KIND [flags] ARGS...\n\nWrites English<TAB>Spanish lines. Kinds:")
	for _, x := range extractors {
		fmt.Fprintf(w, "  %-9s %s\n            %s\n", x.kind, x.args, x.help)
	}
}

func runExtract(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		extractUsage(stderr)
		return 2
	}
	var x extractor
	for _, e := range extractors {
		if e.kind == args[0] {
			x = e
		}
	}
	if x.run == nil {
		fmt.Fprintf(stderr, "corpus extract: unknown kind %q\n", args[0])
		extractUsage(stderr)
		return 2
	}
	fs := flag.NewFlagSet("corpus extract "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f extractFlags
	fs.StringVar(&f.out, "out", "", "write here instead of standard output")
	fs.StringVar(&f.pair, "pair", "order", "pages: pair blocks by element `id`, by block `order` (pages whose block counts differ give nothing), or by `anchors`: blocks of the same id, and the runs between them in order")
	fs.StringVar(&f.enSuffix, "en-suffix", ".html", "pages: the English pages are the files of EN-DIR ending in this")
	fs.StringVar(&f.esSuffix, "es-suffix", ".html", "pages: the Spanish page of EN-DIR/a/bEN-SUFFIX is ES-DIR/a/bES-SUFFIX")
	fs.IntVar(&f.lines, "lines", 20000, "europarl: read this many lines (0: all)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	pairs, err := x.run(&f, fs.Args())
	if err == nil {
		err = writePairs(f.out, pairs, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "corpus extract %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// flat puts a text on one TSV line: tabs and line breaks become spaces.
var flat = strings.NewReplacer("\t", " ", "\r\n", " ", "\n", " ", "\r", " ")

func writePairs(path string, pairs []extract.Pair, stdout io.Writer) error {
	w := stdout
	var f *os.File
	if path != "" {
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	for _, p := range pairs {
		fmt.Fprintf(bw, "%s\t%s\n", flat.Replace(p.En), flat.Replace(p.Es))
	}
	err := bw.Flush()
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func wantArgs(args []string, n int, what string) error {
	if (n > 0 && len(args) != n) || (n < 0 && len(args) == 0) {
		return fmt.Errorf("want %s, got %d arguments", what, len(args))
	}
	return nil
}

func extractMO(_ *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, -1, "one or more .mo files"); err != nil {
		return nil, err
	}
	var out []extract.Pair
	for _, path := range args {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		msgs, err := extract.ParseMO(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, extract.MOPairs(msgs)...)
	}
	return out, nil
}

func extractPages(x *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 2, "EN-DIR and ES-DIR"); err != nil {
		return nil, err
	}
	read := extract.XMLBlocks
	if strings.HasSuffix(x.enSuffix, ".html") || strings.HasSuffix(x.enSuffix, ".htm") {
		read = extract.HTMLBlocks
	}
	pair := extract.PairByOrder
	switch x.pair {
	case "order":
	case "id":
		pair = extract.PairByID
	case "anchors":
		pair = extract.PairByAnchors
	default:
		return nil, fmt.Errorf("--pair is id, order or anchors, not %q", x.pair)
	}
	enDir, esDir := args[0], args[1]
	var out []extract.Pair
	err := filepath.WalkDir(enDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, x.enSuffix) {
			return err
		}
		rel, _ := filepath.Rel(enDir, path)
		esPath := filepath.Join(esDir, strings.TrimSuffix(rel, x.enSuffix)+x.esSuffix)
		if _, err := os.Stat(esPath); err != nil {
			return nil // no Spanish page
		}
		en, err := readWith(path, read)
		if err != nil {
			return err
		}
		es, err := readWith(esPath, read)
		if err != nil {
			return err
		}
		out = append(out, pair(en, es)...)
		return nil
	})
	return out, err
}

func extractDDTP(_ *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 2, "Translation-en and Translation-es"); err != nil {
		return nil, err
	}
	en, err := readWith(args[0], func(r io.Reader) (map[string]extract.Description, error) { return extract.ReadTranslation(r, "en") })
	if err != nil {
		return nil, err
	}
	es, err := readWith(args[1], func(r io.Reader) (map[string]extract.Description, error) { return extract.ReadTranslation(r, "es") })
	if err != nil {
		return nil, err
	}
	return extract.DDTPPairs(en, es), nil
}

// readWith opens path (through gzip for .gz and .dz), reads it with read
// and names the file in read's error.
func readWith[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	r, err := open(path)
	if err != nil {
		return zero, err
	}
	defer r.Close()
	v, err := read(r)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

func extractDEP11(_ *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 1, "one Components YAML file"); err != nil {
		return nil, err
	}
	return readWith(args[0], extract.DEP11Pairs)
}

func extractTatoeba(_ *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 1, "spa-eng.zip or spa.txt"); err != nil {
		return nil, err
	}
	path := args[0]
	if !strings.HasSuffix(path, ".zip") {
		return readWith(path, extract.TatoebaPairs)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	for _, f := range z.File {
		if filepath.Base(f.Name) != "spa.txt" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer r.Close()
		pairs, err := extract.TatoebaPairs(r)
		if err != nil {
			return nil, fmt.Errorf("%s:%s: %w", path, f.Name, err)
		}
		return pairs, nil
	}
	return nil, fmt.Errorf("%s: no spa.txt inside", path)
}

func extractEuroparl(x *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 2, "the English and the Spanish file"); err != nil {
		return nil, err
	}
	return readWith(args[0], func(en io.Reader) ([]extract.Pair, error) {
		return readWith(args[1], func(es io.Reader) ([]extract.Pair, error) { return extract.EuroparlPairs(en, es, x.lines) })
	})
}

func extractFreedict(_ *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 2, "the .index and the .dict.dz file"); err != nil {
		return nil, err
	}
	dict, err := readWith(args[1], io.ReadAll)
	if err != nil {
		return nil, err
	}
	return readWith(args[0], func(idx io.Reader) ([]extract.Pair, error) { return extract.FreedictPairs(idx, dict) })
}
