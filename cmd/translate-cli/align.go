package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
)

func init() {
	register("align", "align sentence pairs; export json, pharaoh, csv, tsv, svg, png or html", runAlign)
}

// aligner force-decodes a given translation (a local *nmt.Translator).
type aligner interface {
	Align(ctx context.Context, source, target string, opts nmt.Options) (nmt.Translation, error)
}

// decodedPair is one text pair after forced decoding: for each sentence
// pair the model paired, the input of align.Extract and where its texts
// start in the whole texts.
type decodedPair struct {
	source, target       string
	inputs               []align.Input
	srcStarts, tgtStarts []int
}

// decodePair force-decodes target against source with the attention of
// every layer and head, pairing the texts line by line when wholeLines is
// set and sentence by sentence otherwise.
func decodePair(ctx context.Context, tr aligner, source, target string, wholeLines bool) (*decodedPair, error) {
	res, err := tr.Align(ctx, source, target, nmt.Options{Attention: true, WholeLines: wholeLines})
	if err != nil {
		return nil, err
	}
	return pairOf(res, target)
}

// pairOf gathers the best hypothesis of every sentence of res (decoded
// with Options.Attention) as the pair res.Source → target, where target is
// the whole target text holding those hypotheses in order: the given
// translation for Align, or res.Text for a translation.
func pairOf(res nmt.Translation, target string) (*decodedPair, error) {
	source := res.Source
	d := &decodedPair{source: source, target: target}
	pos := 0
	for k, sent := range res.Sentences {
		if len(sent.Hypotheses) == 0 {
			continue
		}
		hyp := sent.Hypotheses[0]
		at := strings.Index(target[pos:], hyp.Text)
		if at < 0 {
			return nil, fmt.Errorf("sentence %d: the target tokens decode to %q, which is not in the target text", k+1, hyp.Text)
		}
		in := align.Input{
			SourceText:    source[sent.Start:sent.End],
			SourceTokens:  make([]align.Token, len(sent.Tokens)),
			TargetText:    hyp.Text,
			TargetTokens:  make([]align.Token, len(hyp.Tokens)),
			Attention:     make([][][][]float32, len(hyp.Tokens)),
			TokenLogProbs: make([]float32, len(hyp.Tokens)),
			Score:         hyp.LogProb,
		}
		for i, t := range sent.Tokens {
			in.SourceTokens[i] = align.Token{ID: t.ID, Piece: t.Piece, Start: t.Start - sent.Start, End: t.End - sent.Start}
		}
		texts := make([]string, len(hyp.Tokens))
		for i, t := range hyp.Tokens {
			texts[i] = t.Text
		}
		for i, sp := range align.TokenSpans(hyp.Text, texts) {
			t := hyp.Tokens[i]
			in.TargetTokens[i] = align.Token{ID: t.ID, Piece: t.Piece, Start: sp[0], End: sp[1]}
			in.Attention[i] = t.Attention
			in.TokenLogProbs[i] = t.LogProb
		}
		if hyp.EOSAttention != nil { // read by shifted selectors for the last token
			in.Attention = append(in.Attention, hyp.EOSAttention)
		}
		d.inputs = append(d.inputs, in)
		d.srcStarts = append(d.srcStarts, sent.Start)
		d.tgtStarts = append(d.tgtStarts, pos+at)
		pos += at + len(hyp.Text)
	}
	return d, nil
}

// alignment extracts the alignment of the whole pair with opt.
func (d *decodedPair) alignment(id string, opt align.Options) (*align.Alignment, error) {
	parts := make([]*align.Alignment, len(d.inputs))
	for k, in := range d.inputs {
		p, err := align.Extract(in, opt)
		if err != nil {
			return nil, fmt.Errorf("sentence %d: %w", k+1, err)
		}
		parts[k] = p
	}
	a, err := align.Join(d.source, d.target, parts, d.srcStarts, d.tgtStarts)
	if err != nil {
		return nil, err
	}
	a.ID = id
	a.Method = "attention " + opt.Selector.String() + " " + opt.Symmetrize.String()
	return a, nil
}

func runAlign(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("align", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var mf modelFlags
	mf.add(fs)
	var opt align.Options
	fs.TextVar(&opt.Selector, "heads", align.AllHeads(), "cross-attention heads: avg, layer=L, layer=L,head=H or heads=L:H+L:H, optionally ,shift (default: the model's measured alignment_heads, else avg)")
	fs.TextVar(&opt.Symmetrize, "symmetrize", align.GrowDiagFinalAnd, "how the two argmax directions combine: intersection, grow-diag, grow-diag-final, grow-diag-final-and or union")
	format := fs.String("format", "pharaoh", "output format: json, pharaoh, csv, tsv, svg, png or html")
	level := fs.String("level", "word", "matrix of csv, tsv, svg and png: word or subword")
	title := fs.String("title", "", "title of the html page")
	out := fs.String("o", "", "write to this file instead of stdout")
	wholeLines := fs.Bool("whole-lines", false, "pair SOURCE and TARGET line by line instead of sentence by sentence, as translate --whole-lines translates them")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: translate-cli align [flags] [SOURCE TARGET]\n\nForce-decodes TARGET as the translation of SOURCE, or each stdin line\n\"source<TAB>target\", and exports the word alignments of each pair.\nPharaoh output has one line per pair; the other formats hold every pair.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	f, err := align.ParseFormat(*format)
	var lv align.Level
	if err == nil {
		lv, err = align.ParseLevel(*level)
	}
	if err == nil && fs.NArg() != 0 && fs.NArg() != 2 {
		err = fmt.Errorf("give SOURCE and TARGET, or none to read stdin")
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitUsage
	}
	pairs, err := readPairs(fs.Args(), e.stdin)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitUsage
	}
	tr, release, code := mf.connect(e)
	if code != exitOK {
		return code
	}
	defer release()
	if !flagSet(fs, "heads") {
		if opt.Selector, err = modelHeads(tr, opt.Selector); err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitBadModel
		}
	}
	var alignments []*align.Alignment
	for k, p := range pairs {
		d, err := decodePair(ctx, tr, p[0], p[1], *wholeLines)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: pair %d: ", k+1)
			return reportError(e, err)
		}
		a, err := d.alignment(strconv.Itoa(k+1), opt)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: pair %d: %v\n", k+1, err)
			return exitUsage
		}
		alignments = append(alignments, a)
	}
	return writeAlignments(e, *out, f, alignments, align.ExportOptions{Level: lv, Title: *title})
}

// readPairs returns the pair given as arguments, or the "source<TAB>target"
// lines of r.
func readPairs(args []string, r io.Reader) ([][2]string, error) {
	if len(args) == 2 {
		return [][2]string{{args[0], args[1]}}, nil
	}
	var pairs [][2]string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		src, tgt, ok := strings.Cut(line, "\t")
		if !ok || strings.Contains(tgt, "\t") {
			return nil, fmt.Errorf("stdin line %d: want one tab between source and target", n)
		}
		pairs = append(pairs, [2]string{src, tgt})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	return pairs, nil
}

// writeAlignments exports to path, or to stdout when path is empty.
func writeAlignments(e *env, path string, f align.Format, pairs []*align.Alignment, opt align.ExportOptions) int {
	w := e.stdout
	var file *os.File
	if path != "" {
		var err error
		if file, err = os.Create(path); err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitFailure
		}
		w = file
	}
	err := align.Write(w, f, pairs, opt)
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// flagSet reports whether the command line set the named flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// modelHeads is the selector a local model's config recommends
// (alignment_heads, chosen on the dev books), or def.
func modelHeads(tr translator, def align.Selector) (align.Selector, error) {
	local, ok := tr.(*nmt.Translator)
	if !ok || local.Info().AlignmentHeads == "" {
		return def, nil
	}
	in := local.Info()
	sel, err := align.ParseSelector(in.AlignmentHeads)
	if err == nil {
		err = sel.Validate(in.DecoderLayers, in.Heads)
	}
	if err != nil {
		return def, fmt.Errorf("%s: config.json alignment_heads: %w", in.Name, err)
	}
	return sel, nil
}
