package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
)

// alignOut is translate's --align-out: the word alignment of every
// translated text with its best translation, exported once translation is
// done. It needs the cross-attention, so a local model.
type alignOut struct {
	path, format, level, title string
	opt                        align.Options

	f     align.Format
	lv    align.Level
	pairs []*align.Alignment
}

func (a *alignOut) add(fs *flag.FlagSet) {
	fs.StringVar(&a.path, "align-out", "", "also write the alignment of each text with its translation to this `file` (format from --align-format, else from the file's extension)")
	fs.StringVar(&a.format, "align-format", "", "format of --align-out: json, pharaoh, csv, tsv, svg, png or html (default: the file's extension)")
	fs.StringVar(&a.level, "align-level", "word", "matrix of csv, tsv, svg and png --align-out: word or subword")
	fs.StringVar(&a.title, "align-title", "", "title of an html --align-out page")
	fs.TextVar(&a.opt.Selector, "align-heads", align.AllHeads(), "cross-attention heads of --align-out, as translate-cli align --heads (default: the model's measured alignment_heads, else avg)")
	fs.TextVar(&a.opt.Symmetrize, "align-symmetrize", align.GrowDiagFinalAnd, "link symmetrization of --align-out, as translate-cli align --symmetrize")
}

// enabled reports whether --align-out was given.
func (a *alignOut) enabled() bool { return a.path != "" }

// check resolves the format and level; it is an error to ask for
// alignments from a server, which sends no per-head attention.
func (a *alignOut) check(server string) error {
	if !a.enabled() {
		return nil
	}
	if server != "" {
		return fmt.Errorf("--align-out needs a local model (--model or --from/--to): a server sends no per-head attention; use translate-cli align, or the server's alignment modes")
	}
	name := a.format
	if name == "" {
		name = strings.TrimPrefix(filepath.Ext(a.path), ".")
		if name == "txt" {
			name = string(align.FormatPharaoh)
		}
	}
	var err error
	if a.f, err = align.ParseFormat(name); err != nil {
		return fmt.Errorf("--align-out %s: %w; name the format with --align-format", a.path, err)
	}
	a.lv, err = align.ParseLevel(a.level)
	return err
}

// heads sets the model's measured heads unless --align-heads was given,
// and checks that the heads are in the model (an error for a bad flag).
func (a *alignOut) heads(fs *flag.FlagSet, tr translator) (code int, err error) {
	if !a.enabled() {
		return exitOK, nil
	}
	if !flagSet(fs, "align-heads") {
		if a.opt.Selector, err = modelHeads(tr, a.opt.Selector); err != nil {
			return exitBadModel, err
		}
	}
	if local, ok := tr.(*nmt.Translator); ok {
		in := local.Info()
		if err := a.opt.Selector.Validate(in.DecoderLayers, in.Heads); err != nil {
			return exitUsage, fmt.Errorf("--align-heads: %w", err)
		}
	}
	return exitOK, nil
}

// collect aligns each translation of res, the texts numbered from first.
func (a *alignOut) collect(first int, res []nmt.Translation) error {
	if !a.enabled() {
		return nil
	}
	for i, tr := range res {
		al, err := a.align(strconv.Itoa(first+i), tr)
		if err != nil {
			return fmt.Errorf("aligning text %d with its translation: %w", first+i, err)
		}
		a.pairs = append(a.pairs, al)
	}
	return nil
}

// align makes the alignment of one translated text with its translation.
func (a *alignOut) align(id string, tr nmt.Translation) (*align.Alignment, error) {
	d, err := pairOf(tr, tr.Text)
	if err != nil {
		return nil, err
	}
	return d.alignment(id, a.opt)
}

// write exports the collected alignments.
func (a *alignOut) write(e *env) int {
	if !a.enabled() {
		return exitOK
	}
	return writeAlignments(e, a.path, a.f, a.pairs, align.ExportOptions{Level: a.lv, Title: a.title})
}
