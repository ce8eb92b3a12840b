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
	"sort"
	"strings"

	"github.com/translated/translated/nmt/corpus/extract"
)

// extractor reads the pairs of one kind of source from the command's
// positional arguments.
type extractor struct {
	args string // what the positional arguments are, for the usage line
	help string
	run  func(x *extractFlags, args []string) ([]extract.Pair, error)
}

// extractFlags are the flags of every kind; each kind reads its own.
type extractFlags struct {
	out                string
	pair, format       string
	enSuffix, esSuffix string
	lines              int
}

var extractors = map[string]extractor{
	"mo":       {"FILE.mo...", "msgid → msgstr of gettext catalogs (English msgids, Spanish translations)", extractMO},
	"pages":    {"EN-DIR ES-DIR", "blocks of the help pages of EN-DIR and the same pages of ES-DIR, by element id (--pair id) or block order (--pair order)", extractPages},
	"ddtp":     {"TRANSLATION-EN TRANSLATION-ES", "Debian package descriptions joined by Description-md5, synopsis and paragraphs", extractDDTP},
	"dep11":    {"COMPONENTS.yml[.gz]", "AppStream names, summaries and description blocks (C → es)", extractDEP11},
	"tatoeba":  {"spa-eng.zip|spa.txt", "the manythings.org export of Tatoeba", extractTatoeba},
	"europarl": {"FILE.en FILE.es", "the first --lines lines of Moses-tokenized Europarl, detokenized", extractEuroparl},
	"freedict": {"FILE.index FILE.dict.dz", "headword → senses of a dictd dictionary", extractFreedict},
}

func extractUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: corpus extract KIND [flags] ARGS...\n\nWrites English<TAB>Spanish lines. Kinds:")
	kinds := make([]string, 0, len(extractors))
	for k := range extractors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "  %-9s %s\n            %s\n", k, extractors[k].args, extractors[k].help)
	}
}

func runExtract(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		extractUsage(stderr)
		return 2
	}
	x, ok := extractors[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "corpus extract: unknown kind %q\n", args[0])
		extractUsage(stderr)
		return 2
	}
	fs := flag.NewFlagSet("corpus extract "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f extractFlags
	fs.StringVar(&f.out, "out", "", "write here instead of standard output")
	fs.StringVar(&f.pair, "pair", "order", "pages: pair blocks by element `id` or by block `order` (pages whose block counts differ give nothing)")
	fs.StringVar(&f.format, "format", "html", "pages: `html` or xml (Mallard, DocBook)")
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
	read := extract.HTMLBlocks
	switch x.format {
	case "html":
	case "xml":
		read = extract.XMLBlocks
	default:
		return nil, fmt.Errorf("--format is html or xml, not %q", x.format)
	}
	pair := extract.PairByOrder
	switch x.pair {
	case "order":
	case "id":
		pair = extract.PairByID
	default:
		return nil, fmt.Errorf("--pair is id or order, not %q", x.pair)
	}
	blocks := func(path string) ([]extract.Block, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := read(bufio.NewReader(f))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return b, nil
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
		en, err := blocks(path)
		if err != nil {
			return err
		}
		es, err := blocks(esPath)
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
	var idx [2]map[string]extract.Description
	for i, lang := range []string{"en", "es"} {
		r, err := open(args[i])
		if err != nil {
			return nil, err
		}
		idx[i], err = extract.ReadTranslation(r, lang)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", args[i], err)
		}
	}
	return extract.DDTPPairs(idx[0], idx[1]), nil
}

func extractDEP11(_ *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 1, "one Components YAML file"); err != nil {
		return nil, err
	}
	r, err := open(args[0])
	if err != nil {
		return nil, err
	}
	defer r.Close()
	pairs, err := extract.DEP11Pairs(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", args[0], err)
	}
	return pairs, nil
}

func extractTatoeba(_ *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 1, "spa-eng.zip or spa.txt"); err != nil {
		return nil, err
	}
	path := args[0]
	if !strings.HasSuffix(path, ".zip") {
		r, err := open(path)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return wrap(path)(extract.TatoebaPairs(r))
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	for _, f := range z.File {
		if filepath.Base(f.Name) == "spa.txt" {
			r, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			defer r.Close()
			return wrap(path + ":" + f.Name)(extract.TatoebaPairs(r))
		}
	}
	return nil, fmt.Errorf("%s: no spa.txt inside", path)
}

// wrap prefixes an error with the file it is about.
func wrap(path string) func([]extract.Pair, error) ([]extract.Pair, error) {
	return func(p []extract.Pair, err error) ([]extract.Pair, error) {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return p, nil
	}
}

func extractEuroparl(x *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 2, "the English and the Spanish file"); err != nil {
		return nil, err
	}
	en, err := open(args[0])
	if err != nil {
		return nil, err
	}
	defer en.Close()
	es, err := open(args[1])
	if err != nil {
		return nil, err
	}
	defer es.Close()
	return wrap(args[0] + ", " + args[1])(extract.EuroparlPairs(en, es, x.lines))
}

func extractFreedict(_ *extractFlags, args []string) ([]extract.Pair, error) {
	if err := wantArgs(args, 2, "the .index and the .dict.dz file"); err != nil {
		return nil, err
	}
	d, err := open(args[1])
	if err != nil {
		return nil, err
	}
	dict, err := io.ReadAll(d)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", args[1], err)
	}
	idx, err := open(args[0])
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	return wrap(args[0])(extract.FreedictPairs(idx, dict))
}
